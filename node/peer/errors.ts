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

/**
 * `--resume` in a --data-dir whose earlier run was another slot (`--shard i/n`): its checkpoint holds that slot's place
 * in its data stream and random streams, so going on from it in this slot would train this shard from the other's
 * position, and leave the other shard without its peer.
 */
export class ShardMismatchError extends Error {
  static override name = 'ShardMismatchError'
  /** the slot the data dir's earlier run had */
  readonly recorded: number
  /** the slot this peer was given */
  readonly given: number
  constructor (message: string, recorded: number, given: number) {
    super(message)
    this.name = 'ShardMismatchError'
    this.recorded = recorded
    this.given = given
  }
}

/**
 * A start without --resume (and without --fresh) in a --data-dir that holds this peer's records of the same run (its
 * config hash and slot): moving them aside as an earlier run's, as a new run does, would leave a report merged over
 * the peers' folders silently without this peer's earlier rounds. Nothing is moved or deleted; the message names
 * --resume (go on) and --fresh (start afresh on purpose).
 */
export class SameRunDataDirError extends Error {
  static override name = 'SameRunDataDirError'
  constructor (message: string) {
    super(message)
    this.name = 'SameRunDataDirError'
  }
}
