/**
 * The receiving side of one inbound gossip stream: length-prefixed frames, each bounded by maxFrameBytes
 * (a larger length prefix resets the stream before its body is read), charged to the sender's round budget,
 * into a reassembler. A message is admitted or refused at its first chunk (before its payload is allocated)
 * and handed on only whole. Every rejection, whatever its layer, ends here: counted by reason, reported to
 * `reject` with its named error, and the stream aborted. Nothing a peer sends can throw out of this loop.
 */

import * as lp from 'it-length-prefixed'
import type { Stream } from '@libp2p/interface'
import type { Logger } from '@libp2p/logger'
import { InvalidFrameError, Reassembler, isProtocolError } from '../../lib/protocol/index.ts'
import type { CompletedMessage, MessageInfo } from '../../lib/protocol/index.ts'
import type { RoundBudget } from './budget.ts'
import { FrameTooLargeError, InboundRejectedError } from './errors.ts'
import type { Counters } from './stats.ts'
import type { RejectReason } from './types.ts'

export interface InboundInit {
  runHash: Uint8Array
  maxMessageBytes: number
  maxFrameBytes: number
  counters: Counters
  budget: RoundBudget
  log: Logger
  /** at the first chunk: true to store the message, false to read it through; throws an InboundRejectedError to refuse it */
  admit: (from: string, info: MessageInfo) => boolean
  /** a whole message (payload undefined when it was read through); throws an InboundRejectedError to refuse it */
  complete: (from: string, message: CompletedMessage) => void
  /** counts and reports a rejection (before the stream is aborted) */
  reject: (from: string, reason: RejectReason, error: Error) => void
  /** true once the exchange is stopping: errors are then not the peer's fault */
  stopping: () => boolean
  /** false on a /murmur/gossip/1.1.0 stream: no CRC-32 is computed or checked; default true */
  checksum?: boolean
}

/** How long closing a stream the sender has closed may take before it is aborted instead. */
const CLOSE_TIMEOUT_MS = 1_000

/** Reads `stream` from `from` until it ends, fails or is aborted. */
export async function readGossipStream (stream: Stream, from: string, init: InboundInit): Promise<void> {
  const { counters, log, budget } = init
  const traffic = counters.peer(from)
  const reassembler = new Reassembler({ runHash: init.runHash, type: 'gossip', maxMessageBytes: init.maxMessageBytes, checksum: init.checksum })
  const admit = (info: MessageInfo): boolean => init.admit(from, info)
  let pending = false
  try {
    for await (const frame of lp.decode(stream, { maxDataLength: init.maxFrameBytes })) {
      traffic.bytesIn += frame.byteLength
      budget.charge(from, frame.byteLength, !reassembler.pending)
      const done = reassembler.push(frame, admit)
      pending = reassembler.pending
      if (done === undefined) continue
      traffic.messagesIn++
      init.complete(from, done)
    }
    reassembler.finish()
    // the sender closed its side between messages: close ours too (this side never writes), so the stream
    // stops counting against the connection's inbound stream limit
    await stream.close({ signal: AbortSignal.timeout(CLOSE_TIMEOUT_MS) })
  } catch (err) {
    if (init.stopping()) return
    const rejection = rejectionOf(err, from, pending, init.maxFrameBytes)
    if (rejection === undefined) {
      log('gossip stream from %s ended - %e', from, err)
      return
    }
    const [reason, error] = rejection
    init.reject(from, reason, error)
    log.error('gossip stream from %s rejected (%s) - %e', from, reason, error)
    stream.abort(error)
  }
}

/**
 * The reason and named error of a read error; undefined for a stream closed or reset between messages
 * (the sender's right). it-length-prefixed's errors become the named errors of this module or lib/protocol.
 */
export function rejectionOf (err: unknown, from: string, pending: boolean, maxFrameBytes: number): [RejectReason, Error] | undefined {
  if (isProtocolError(err) || err instanceof InboundRejectedError) return [err.reason, err]
  const name = (err as Error)?.name
  switch (name) {
    case 'InvalidDataLengthError': return ['frameTooLarge', new FrameTooLargeError(from, maxFrameBytes, { cause: err })]
    case 'InvalidDataLengthLengthError':
    case 'InvalidMessageLengthError': return ['length', new InvalidFrameError('length', `${from} sent a malformed length prefix (${name})`)]
    case 'UnexpectedEOFError': return ['truncated', new InvalidFrameError('truncated', `the stream from ${from} ended inside a frame`)]
    default: return pending ? ['truncated', new InvalidFrameError('truncated', `the stream from ${from} failed inside a message: ${(err as Error)?.message ?? String(err)}`)] : undefined
  }
}
