/**
 * Errors of lib/data. Each is identified by its `name` (static and instance), which is what callers and
 * tests match on; messages say what was expected and what arrived.
 */

/** Bytes that are not a well-formed IDX file (bad magic, type, dimensions or length, broken gzip). */
export class InvalidIdxError extends Error {
  static override name = 'InvalidIdxError'
  constructor (message = 'Invalid IDX data') {
    super(message)
    this.name = 'InvalidIdxError'
  }
}

/**
 * A dataset's files are not where they were looked for. `installCommand` is the exact command that makes
 * them available (also in the message), so a CLI can print it on its own line.
 */
export class DatasetNotFoundError extends Error {
  static override name = 'DatasetNotFoundError'
  readonly installCommand: string
  constructor (message: string, installCommand: string) {
    super(message)
    this.name = 'DatasetNotFoundError'
    this.installCommand = installCommand
  }
}

/**
 * IDX files that parse but do not form a dataset (wrong rank or type, image and label counts differ, a label out of
 * range, no samples, images of no pixels or of another size than the run's model takes), or a folder where a file
 * should be.
 */
export class InvalidDatasetError extends Error {
  static override name = 'InvalidDatasetError'
  constructor (message = 'Invalid dataset') {
    super(message)
    this.name = 'InvalidDatasetError'
  }
}

/** A partition spec other than `iid`, `dirichlet:<alpha>` or `shards:<k>`. */
export class InvalidPartitionSpecError extends Error {
  static override name = 'InvalidPartitionSpecError'
  constructor (message = 'Invalid partition spec') {
    super(message)
    this.name = 'InvalidPartitionSpecError'
  }
}

/** A `--shard i/n` value that is not two integers with 0 <= i < n. */
export class InvalidShardSpecError extends Error {
  static override name = 'InvalidShardSpecError'
  constructor (message = 'Invalid shard spec') {
    super(message)
    this.name = 'InvalidShardSpecError'
  }
}

/**
 * An argument out of its domain: unknown dataset name, more peers than samples, a synthetic problem with
 * fewer samples than features, batch buffers too small for the batch.
 */
export class InvalidDataOptionsError extends Error {
  static override name = 'InvalidDataOptionsError'
  constructor (message = 'Invalid data options') {
    super(message)
    this.name = 'InvalidDataOptionsError'
  }
}

/**
 * A data file or folder that exists but cannot be read (permissions). `path` is the file or folder refused; the
 * message says what to change, since "missing" would send the user looking for a file that is there.
 */
export class UnreadableDataError extends Error {
  static override name = 'UnreadableDataError'
  readonly path: string
  constructor (path: string, message: string) {
    super(message)
    this.name = 'UnreadableDataError'
    this.path = path
  }
}
