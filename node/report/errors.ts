/** The folder given to `murmur report` does not exist or holds no run (no metrics.jsonl, no summary.json). */
export class RunNotFoundError extends Error {
  static override name = 'RunNotFoundError'
  readonly dir: string
  constructor (dir: string, message: string) {
    super(message)
    this.name = 'RunNotFoundError'
    this.dir = dir
  }
}

/** metrics.jsonl has lines but none of them is a valid metrics row (garbage, or every value out of range). */
export class InvalidMetricsError extends Error {
  static override name = 'InvalidMetricsError'
  readonly file: string
  constructor (file: string, message: string) {
    super(message)
    this.name = 'InvalidMetricsError'
    this.file = file
  }
}

/** A folder given to `murmur report` among several is not a peer's --data-dir (no peer.json, no peer's metrics rows). */
export class NotAPeerFolderError extends Error {
  static override name = 'NotAPeerFolderError'
  readonly dir: string
  constructor (dir: string, message: string) {
    super(message)
    this.name = 'NotAPeerFolderError'
    this.dir = dir
  }
}

/**
 * Peer folders given to `murmur report` together are not the peers of one run: another run id or config hash, a slot
 * twice, or no checkpoint among them holding the agreed config the merge rebuilds the model from.
 */
export class PeerFoldersMismatchError extends Error {
  static override name = 'PeerFoldersMismatchError'
  readonly dirs: string[]
  constructor (dirs: string[], message: string) {
    super(message)
    this.name = 'PeerFoldersMismatchError'
    this.dirs = dirs
  }
}
