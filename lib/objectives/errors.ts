/** Errors of lib/objectives. Each has a static and an instance `name`; tests match on `err.name`. */

/** Objective options that cannot describe a problem (shapes that disagree, empty row sets, bad batch size...). */
export class InvalidObjectiveError extends Error {
  static override name = 'InvalidObjectiveError'
  constructor (message = 'Invalid objective options') {
    super(message)
    this.name = 'InvalidObjectiveError'
  }
}
