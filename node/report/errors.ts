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
