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

/** Another live peer process holds this --data-dir: two peers in one folder would mix records and checkpoints. */
export class DataDirInUseError extends Error {
  static override name = 'DataDirInUseError'
  constructor (message: string) {
    super(message)
    this.name = 'DataDirInUseError'
  }
}
