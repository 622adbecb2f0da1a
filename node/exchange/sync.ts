/**
 * `/murmur/sync/1.0.0`: a joiner sends one sync request (an empty envelope) and reads the server's model
 * back as one chunked sync response (round in the envelope, body of lib/protocol `encodeSyncBody`), in
 * full precision. One request per stream; the server closes after answering.
 */

import * as lp from 'it-length-prefixed'
import type { Stream } from '@libp2p/interface'
import type { Logger } from '@libp2p/logger'
import {
  ENVELOPE_HEADER_BYTES, InvalidFrameError, Reassembler, decodeSyncBody, encodeMessage, encodeSyncBody, isProtocolError
} from '../../lib/protocol/index.ts'
import { NotServingError, SyncFailedError } from './errors.ts'
import { rejectionOf } from './inbound.ts'
import type { ModelProvider, ModelSnapshot, RejectReason } from './types.ts'
import { abortOnSignal, writeFrames } from './write.ts'

export interface SyncContext {
  runHash: Uint8Array
  chunkBytes: number
  maxFrameBytes: number
  log: Logger
  /** a request that breaks the protocol (malformed frame or prefix), with its reason and named error */
  reject?: (from: string, reason: RejectReason, error: Error) => void
}

/** Answers one sync request on `stream` with the provider's model. */
export async function serveSync (stream: Stream, from: string, provider: ModelProvider | undefined, ctx: SyncContext, signal: AbortSignal): Promise<void> {
  const release = abortOnSignal(stream, signal)
  try {
    const request = new Reassembler({ runHash: ctx.runHash, type: 'syncRequest', maxMessageBytes: 0 })
    let asked = false
    try {
      for await (const frame of lp.decode(stream, { maxDataLength: ENVELOPE_HEADER_BYTES })) {
        if (request.push(frame) !== undefined) { asked = true; break }
      }
    } catch (err) {
      // a stream reset before a whole request is the client's right; a malformed one is a fault
      const rejection = rejectionOf(err, from, false, ENVELOPE_HEADER_BYTES)
      if (rejection === undefined) throw err
      ctx.reject?.(from, rejection[0], rejection[1])
      throw rejection[1]
    }
    if (!asked) throw new SyncFailedError(from, `expected a sync request from ${from}, the stream ended first`)
    if (provider === undefined) throw new NotServingError()
    const snapshot = provider()
    const body = encodeSyncBody({ params: snapshot.params, state: snapshot.state })
    const message = encodeMessage({ type: 'syncResponse', runHash: ctx.runHash, round: snapshot.round, degree: 0 }, body, { chunkBytes: ctx.chunkBytes })
    await writeFrames(stream, message, signal)
    await stream.close({ signal })
    ctx.log('served round %d (%d parameters) to %s', snapshot.round, snapshot.params.length, from)
  } catch (err) {
    ctx.log.error('sync request from %s failed - %e', from, err)
    stream.abort(err as Error)
  } finally {
    release()
  }
}

/** Sends a sync request on an opened stream and reads the model back. */
export async function pullSync (stream: Stream, peer: string, ctx: SyncContext, opts: { signal: AbortSignal, expectedDim?: number, maxBytes: number }): Promise<ModelSnapshot> {
  const { signal } = opts
  const release = abortOnSignal(stream, signal)
  try {
    const request = encodeMessage({ type: 'syncRequest', runHash: ctx.runHash, round: 0, degree: 0 }, new Uint8Array(0))
    await writeFrames(stream, request, signal)
    await stream.close({ signal })
    const reassembler = new Reassembler({ runHash: ctx.runHash, type: 'syncResponse', maxMessageBytes: opts.maxBytes })
    for await (const frame of lp.decode(stream, { maxDataLength: ctx.maxFrameBytes })) {
      const done = reassembler.push(frame)
      if (done === undefined) continue
      // rounds run to 2^32 − 2 (the last one a peer can start); a model of a later one cannot be joined
      if (done.info.round > 0xfffffffe) throw new InvalidFrameError('field', `expected the round of a model to join (at most 2^32 − 2), got ${done.info.round}`)
      const body = decodeSyncBody(done.payload!, opts.expectedDim)
      const snapshot: ModelSnapshot = { round: done.info.round, params: body.params }
      if (body.state !== undefined) snapshot.state = body.state
      ctx.log('pulled round %d (%d parameters) from %s', snapshot.round, snapshot.params.length, peer)
      return snapshot
    }
    reassembler.finish()
    throw new SyncFailedError(peer, `expected a model from ${peer}, the stream ended without one`)
  } catch (err) {
    stream.abort(err as Error)
    if (signal.aborted) throw signal.reason
    // a malformed answer is counted and penalised like a malformed gossip message
    const rejection = rejectionOf(err, peer, false, ctx.maxFrameBytes)
    if (rejection !== undefined) ctx.reject?.(peer, rejection[0], rejection[1])
    if (isProtocolError(err) || err instanceof SyncFailedError) throw err
    throw new SyncFailedError(peer, `pulling the model from ${peer} failed: ${(err as Error).message}`, { cause: err })
  } finally {
    release()
  }
}
