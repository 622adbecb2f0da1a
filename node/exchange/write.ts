/** Writing a chunked message to a libp2p 3 stream with backpressure. */

import { Uint8ArrayList } from 'uint8arraylist'
import type { Stream } from '@libp2p/interface'
import type { EncodedMessage } from '../../lib/protocol/index.ts'

/**
 * Hands every frame of `message` to the stream, head and chunk in one `send` (no copy: the list refers to
 * the payload), waiting for 'drain' whenever the stream's buffer is full. `prepare(i)`, when given, runs just
 * before frame i is handed over, once `signal` is checked (a lazily copied payload, message.ts). Throws if the
 * stream closes or `signal` aborts; the caller then aborts the stream, since a partial message must not be
 * followed by another.
 */
export async function writeFrames (stream: Stream, message: EncodedMessage, signal: AbortSignal, prepare?: (index: number) => void): Promise<void> {
  const frames = message.frames
  for (let i = 0; i < frames.length; i++) {
    signal.throwIfAborted()
    prepare?.(i)
    const { head, body } = frames[i]
    const ok = stream.send(body.length === 0 ? head : new Uint8ArrayList(head, body))
    if (!ok) await stream.onDrain({ signal })
  }
}

/** Aborts `stream` when `signal` aborts, until the returned function is called. */
export function abortOnSignal (stream: Stream, signal: AbortSignal): () => void {
  const onAbort = (): void => { stream.abort(signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason))) }
  if (signal.aborted) { onAbort(); return () => {} }
  signal.addEventListener('abort', onAbort, { once: true })
  return () => { signal.removeEventListener('abort', onAbort) }
}
