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
