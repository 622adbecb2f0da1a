/** Errors of node/watch. Each has a static and an instance `name`; tests match on `name`. */

/** The dashboard could not listen (port taken, address not local, no permission). */
export class DashboardServerError extends Error {
  static override name = 'DashboardServerError'
  readonly code: string | undefined
  constructor (message: string, code?: string) {
    super(message)
    this.name = 'DashboardServerError'
    this.code = code
  }
}

/** A watch option out of range (names the field, what is allowed and what arrived). */
export class InvalidWatchInitError extends Error {
  static override name = 'InvalidWatchInitError'
  readonly field: string
  constructor (field: string, message: string) {
    super(message)
    this.name = 'InvalidWatchInitError'
    this.field = field
  }
}
