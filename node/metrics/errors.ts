/** Errors of node/metrics. Each has a static and an instance `name`; tests match on `name`. */

/** The metrics endpoint could not listen (port taken, address not local, no permission). */
export class MetricsServerError extends Error {
  static override name = 'MetricsServerError'
  readonly code: string | undefined
  constructor (message: string, code?: string) {
    super(message)
    this.name = 'MetricsServerError'
    this.code = code
  }
}
