/**
 * Errors of lib/algorithms. Each has a static and an instance `name`; callers and tests match on
 * `err.name`, never on message text. Messages say what was expected and what arrived.
 */

/** An algorithm config (or its deps) that cannot run: unknown algo, lr ≤ 0, momentum outside [0, 1)... */
export class InvalidAlgorithmConfigError extends Error {
  static override name = 'InvalidAlgorithmConfigError'
  /** the offending field, e.g. 'lr' */
  readonly field: string
  constructor (field: string, message = `Invalid algorithm config field '${field}'`) {
    super(message)
    this.name = 'InvalidAlgorithmConfigError'
    this.field = field
  }
}

/** A round message frame that is not exactly what `encodeFrame` produces (truncated, bad header, trailing bytes...). */
export class InvalidMessageError extends Error {
  static override name = 'InvalidMessageError'
  constructor (message = 'Invalid round message') {
    super(message)
    this.name = 'InvalidMessageError'
  }
}

/** A frame of a format version this code does not speak. */
export class UnsupportedMessageVersionError extends Error {
  static override name = 'UnsupportedMessageVersionError'
  readonly version: number
  constructor (version: number, message = `Unsupported round message version ${version}`) {
    super(message)
    this.name = 'UnsupportedMessageVersionError'
    this.version = version
  }
}

/** runRound was called for a round earlier than (or equal to) one already run. */
export class RoundOrderError extends Error {
  static override name = 'RoundOrderError'
  constructor (message = 'Rounds must increase') {
    super(message)
    this.name = 'RoundOrderError'
  }
}

/** The peer's own parameters became NaN or ±Infinity (the step size is too large, or the objective is broken). */
export class NonFiniteModelError extends Error {
  static override name = 'NonFiniteModelError'
  readonly round: number
  constructor (round: number, message = `Model parameters became non-finite in round ${round}`) {
    super(message)
    this.name = 'NonFiniteModelError'
    this.round = round
  }
}

/** A state given to importState that does not fit this algorithm (other algo, dimension, missing parts). */
export class InvalidAlgorithmStateError extends Error {
  static override name = 'InvalidAlgorithmStateError'
  constructor (message = 'Invalid algorithm state') {
    super(message)
    this.name = 'InvalidAlgorithmStateError'
  }
}

/** The weight scheme needs the graph's maximum degree but the exchange does not provide `maxDegree()`. */
export class MissingMaxDegreeError extends Error {
  static override name = 'MissingMaxDegreeError'
  constructor (message = 'This weight scheme needs exchange.maxDegree()') {
    super(message)
    this.name = 'MissingMaxDegreeError'
  }
}
