/**
 * The receiving side of one inbound gossip stream: length-prefixed frames, each bounded by maxFrameBytes,
 * into a reassembler. A message is admitted or declined at its first chunk (before its payload is
 * allocated) and delivered only whole. Anything malformed is counted by reason and the stream aborted;
 * nothing a peer sends can throw out of this loop.
 */

import * as lp from 'it-length-prefixed'
import type { Stream } from '@libp2p/interface'
import type { Logger } from '@libp2p/logger'
import { Reassembler, isProtocolError } from '../../lib/protocol/index.ts'
import type { CompletedMessage, MessageInfo } from '../../lib/protocol/index.ts'
import type { Counters } from './stats.ts'
import type { RejectReason } from './types.ts'

export interface InboundInit {
  runHash: Uint8Array
  maxMessageBytes: number
  maxFrameBytes: number
  counters: Counters
  log: Logger
  /** at the first chunk: is this message wanted? (counts its own refusals) */
  admit: (from: string, info: MessageInfo) => boolean
  /** a whole, admitted message */
  deliver: (from: string, message: CompletedMessage & { payload: Uint8Array }) => void
  /** true once the exchange is stopping: errors are then not the peer's fault */
  stopping: () => boolean
}

/** Reads `stream` from `from` until it ends, fails or is aborted. */
export async function readGossipStream (stream: Stream, from: string, init: InboundInit): Promise<void> {
  const { counters, log } = init
  const traffic = counters.peer(from)
  const reassembler = new Reassembler({ runHash: init.runHash, type: 'gossip', maxMessageBytes: init.maxMessageBytes })
  const admit = (info: MessageInfo): boolean => init.admit(from, info)
  let pending = false
  try {
    for await (const frame of lp.decode(stream, { maxDataLength: init.maxFrameBytes })) {
      traffic.bytesIn += frame.byteLength
      const done = reassembler.push(frame, admit)
      pending = reassembler.pending
      if (done === undefined) continue
      traffic.messagesIn++
      if (done.payload !== undefined) init.deliver(from, { info: done.info, payload: done.payload })
    }
    reassembler.finish()
  } catch (err) {
    if (init.stopping()) return
    const reason = reasonOf(err, pending)
    if (reason === undefined) {
      log('gossip stream from %s ended - %e', from, err)
      return
    }
    counters.reject(reason)
    log.error('gossip stream from %s rejected (%s) - %e', from, reason, err)
    stream.abort(err as Error)
  }
}

/** The rejection reason of a read error; undefined for a stream closed or reset between messages. */
function reasonOf (err: unknown, pending: boolean): RejectReason | undefined {
  if (isProtocolError(err)) return err.reason
  switch ((err as Error)?.name) {
    case 'InvalidDataLengthError': return 'frameTooLarge'
    case 'InvalidDataLengthLengthError':
    case 'InvalidMessageLengthError': return 'length'
    case 'UnexpectedEOFError': return 'truncated'
    default: return pending ? 'truncated' : undefined
  }
}
