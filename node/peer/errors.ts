/** Other peers of the run refused this one (or it them): their agreed config differs. */
export class ConfigMismatchError extends Error {
  static override name = 'ConfigMismatchError'
  /** the agreed fields that differ from some refusing peer's, in AGREED_FIELDS order (empty when only the hash does) */
  readonly fields: readonly string[]
  /** how many peers refused this one */
  readonly peers: number
  constructor (message: string, fields: readonly string[] = [], peers = 0) {
    super(message)
    this.name = 'ConfigMismatchError'
    this.fields = fields
    this.peers = peers
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
