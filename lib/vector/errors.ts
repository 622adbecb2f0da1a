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

/** A vector allocation that cannot be made as asked (negative or fractional length, misaligned header). */
export class InvalidAllocationError extends Error {
  static override name = 'InvalidAllocationError'
  constructor (message = 'Invalid vector allocation') {
    super(message)
    this.name = 'InvalidAllocationError'
  }
}
