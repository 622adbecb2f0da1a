/** Other peers of the run refused this one (or it them): their agreed config differs. */
export class ConfigMismatchError extends Error {
  static override name = 'ConfigMismatchError'
  constructor (message: string) {
    super(message)
    this.name = 'ConfigMismatchError'
  }
}

/** The peer could not join a running run (no member answered the model pull). */
export class JoinFailedError extends Error {
  static override name = 'JoinFailedError'
  constructor (message: string) {
    super(message)
    this.name = 'JoinFailedError'
  }
}
