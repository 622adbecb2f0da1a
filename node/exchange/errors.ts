/**
 * Errors of node/exchange. Each has a static and an instance `name`; callers and tests match on `name`.
 * Wire-format rejections are lib/protocol's (`InvalidFrameError` and siblings, with a `reason`).
 */

/** `round`, `pullModel` or `serveModel` before `start()` or after `stop()`. */
export class ExchangeNotStartedError extends Error {
  static override name = 'ExchangeNotStartedError'
  constructor (message = 'the exchange is not started') {
    super(message)
    this.name = 'ExchangeNotStartedError'
  }
}

/** A round waiting when `stop()` was called. */
export class ExchangeStoppedError extends Error {
  static override name = 'ExchangeStoppedError'
  constructor (message = 'the exchange stopped') {
    super(message)
    this.name = 'ExchangeStoppedError'
  }
}

/** `round(r)` with r not above the last round, or not a u32. */
export class RoundOrderError extends Error {
  static override name = 'RoundOrderError'
  constructor (message: string) {
    super(message)
    this.name = 'RoundOrderError'
  }
}

/** `round` or `setNeighbours` while a round is waiting: the neighbour set of a round is fixed at its call. */
export class RoundInProgressError extends Error {
  static override name = 'RoundInProgressError'
  constructor (message: string) {
    super(message)
    this.name = 'RoundInProgressError'
  }
}

/** An init option or argument out of its domain; `field` names it. */
export class InvalidExchangeOptionError extends Error {
  static override name = 'InvalidExchangeOptionError'
  readonly field: string
  constructor (field: string, message: string) {
    super(message)
    this.name = 'InvalidExchangeOptionError'
    this.field = field
  }
}

/** `maxDegree()` before `setNeighbours` gave one. */
export class MaxDegreeUnknownError extends Error {
  static override name = 'MaxDegreeUnknownError'
  constructor (message = 'maxDegree() needs setNeighbours(ids, degree, maxDegree) first') {
    super(message)
    this.name = 'MaxDegreeUnknownError'
  }
}

/** A model pull that failed for a reason other than a malformed answer (dial, reset, no provider, no answer). */
export class SyncFailedError extends Error {
  static override name = 'SyncFailedError'
  readonly peer: string
  constructor (peer: string, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'SyncFailedError'
    this.peer = peer
  }
}

/** Why a peer refused to serve a model: it has no provider. Sent as the abort reason of the sync stream. */
export class NotServingError extends Error {
  static override name = 'NotServingError'
  constructor (message = 'this peer serves no model (serveModel was not called)') {
    super(message)
    this.name = 'NotServingError'
  }
}

/** Cancels a send still running for a round whose buffer may now be reused. */
export class SendCancelledError extends Error {
  static override name = 'SendCancelledError'
  constructor (message: string) {
    super(message)
    this.name = 'SendCancelledError'
  }
}
