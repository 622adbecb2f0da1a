/**
 * Errors of node/exchange. Each has a static and an instance `name`; callers and tests match on `name`.
 * Wire-format rejections are lib/protocol's (`InvalidFrameError` and siblings, with a `reason`).
 */

import type { FrameRejection } from '../../lib/algorithms/index.ts'
import type { ExchangeRejectReason } from './types.ts'

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

/**
 * Base of the exchange's own rejections of an inbound message or stream (wire faults are lib/protocol's
 * errors). `reason` is the counter it goes to in `stats().rejected`; `peer` the sender.
 */
export class InboundRejectedError extends Error {
  static override name = 'InboundRejectedError'
  readonly reason: ExchangeRejectReason
  readonly peer: string
  constructor (reason: ExchangeRejectReason, peer: string, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'InboundRejectedError'
    this.reason = reason
    this.peer = peer
  }
}

/** A well-formed message the round window refuses: notNeighbour, tooEarly, duplicate, replay, earlyFull. */
export class MessageRefusedError extends InboundRejectedError {
  static override name = 'MessageRefusedError'
  readonly round: number
  constructor (reason: ExchangeRejectReason, peer: string, round: number, message: string) {
    super(reason, peer, message)
    this.name = 'MessageRefusedError'
    this.round = round
  }
}

/** A peer above its per-round budget of messages or bytes (reason 'rateLimited'). */
export class RateLimitedError extends InboundRejectedError {
  static override name = 'RateLimitedError'
  readonly limit: 'messages' | 'bytes'
  constructor (peer: string, limit: 'messages' | 'bytes', message: string) {
    super('rateLimited', peer, message)
    this.name = 'RateLimitedError'
    this.limit = limit
  }
}

/** A length prefix above maxFrameBytes (reason 'frameTooLarge'): the stream is reset before the body is read. */
export class FrameTooLargeError extends InboundRejectedError {
  static override name = 'FrameTooLargeError'
  readonly limit: number
  constructor (peer: string, limit: number, options?: { cause?: unknown }) {
    super('frameTooLarge', peer, `${peer} announced a frame above the ${limit}-byte bound (maxFrameBytes); the stream is reset before its body is read`, options)
    this.name = 'FrameTooLargeError'
    this.limit = limit
  }
}

/** A stream of /murmur/gossip/1.1.0, whose messages carry no CRC-32, on a connection whose bytes nothing authenticates. */
export class UnencryptedStreamError extends InboundRejectedError {
  static override name = 'UnencryptedStreamError'
  readonly encryption: string | undefined
  constructor (peer: string, encryption: string | undefined) {
    super('unencrypted', peer, `${peer} opened a /murmur/gossip/1.1.0 stream (messages without a CRC-32) on a connection ${encryption === undefined ? 'without encryption' : `secured by ${encryption}, which does not authenticate its bytes`}; such a connection must use /murmur/gossip/1.0.0`)
    this.name = 'UnencryptedStreamError'
    this.encryption = encryption
  }
}

/**
 * A whole message whose algorithm frame the model cannot use (init.frames): malformed, another frame
 * version, round, dimension, kind or codec, or non-finite values. `reason` is the FrameChecker's.
 */
export class UnusableFrameError extends InboundRejectedError {
  static override name = 'UnusableFrameError'
  readonly round: number
  constructor (reason: FrameRejection, peer: string, round: number, message: string) {
    super(reason, peer, message)
    this.name = 'UnusableFrameError'
    this.round = round
  }
}
