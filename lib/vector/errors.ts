/**
 * Errors of lib/vector. Each has a static and an instance `name`; tests match on `err.name`.
 */

/** Two vectors that must have the same length do not (or an output buffer is too short). */
export class DimensionMismatchError extends Error {
  static override name = 'DimensionMismatchError'
  constructor (message = 'Vector lengths differ') {
    super(message)
    this.name = 'DimensionMismatchError'
  }
}
