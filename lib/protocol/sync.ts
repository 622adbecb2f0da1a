/**
 * The body of a sync response (the payload of a `syncResponse` message): a peer's model in full precision.
 *
 *   0  u32  dimension d ≥ 1
 *   4  u32  state length S (0: no state)
 *   8  4·d bytes  parameters, float32 little-endian
 *   8+4d  S bytes  opaque algorithm state (e.g. optimizer momentum), passed through unread
 *
 * The round travels in the envelope.
 */

import { SYNC_BODY_HEADER_BYTES } from './constants.ts'
import { InvalidFrameError, InvalidProtocolArgumentError } from './errors.ts'

export interface SyncBody {
  params: Float32Array
  state?: Uint8Array
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1

/** Bytes of a sync body for dimension d and a state of `stateBytes`. */
export function syncBodyBytes (d: number, stateBytes = 0): number {
  return SYNC_BODY_HEADER_BYTES + 4 * d + stateBytes
}

export function encodeSyncBody (body: SyncBody): Uint8Array {
  const d = body.params.length
  if (d < 1) throw new InvalidProtocolArgumentError('params: expected at least one parameter, got 0')
  const stateBytes = body.state?.length ?? 0
  const total = syncBodyBytes(d, stateBytes)
  if (total > 0xffffffff) throw new InvalidProtocolArgumentError(`a sync body holds at most 2^32 − 1 bytes, got ${total}`)
  const out = new Uint8Array(total)
  const view = new DataView(out.buffer)
  view.setUint32(0, d, true)
  view.setUint32(4, stateBytes, true)
  if (LITTLE_ENDIAN) {
    out.set(new Uint8Array(body.params.buffer, body.params.byteOffset, 4 * d), SYNC_BODY_HEADER_BYTES)
  } else {
    for (let i = 0; i < d; i++) view.setFloat32(SYNC_BODY_HEADER_BYTES + 4 * i, body.params[i], true)
  }
  if (body.state !== undefined) out.set(body.state, SYNC_BODY_HEADER_BYTES + 4 * d)
  return out
}

/**
 * Parses a sync body; the parameters are a view into `bytes` when it is 4-aligned on a little-endian host,
 * else a copy. Throws InvalidFrameError('body') when the fields do not add up to the byte count, the
 * dimension differs from `expectedDim`, or a parameter is NaN or infinite.
 */
export function decodeSyncBody (bytes: Uint8Array, expectedDim?: number): SyncBody {
  if (bytes.length < SYNC_BODY_HEADER_BYTES) throw new InvalidFrameError('body', `a sync body needs at least ${SYNC_BODY_HEADER_BYTES} bytes, got ${bytes.length}`)
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const d = view.getUint32(0, true)
  const stateBytes = view.getUint32(4, true)
  if (d < 1) throw new InvalidFrameError('body', 'expected a dimension ≥ 1, got 0')
  if (expectedDim !== undefined && d !== expectedDim) throw new InvalidFrameError('body', `expected a model of dimension ${expectedDim}, got ${d}`)
  const expected = syncBodyBytes(d, stateBytes)
  if (expected !== bytes.length) throw new InvalidFrameError('body', `dimension ${d} and a state of ${stateBytes} bytes make ${expected} bytes, got ${bytes.length}`)
  const start = bytes.byteOffset + SYNC_BODY_HEADER_BYTES
  let params: Float32Array
  if (LITTLE_ENDIAN && start % 4 === 0) {
    params = new Float32Array(bytes.buffer, start, d)
  } else {
    params = new Float32Array(d)
    for (let i = 0; i < d; i++) params[i] = view.getFloat32(SYNC_BODY_HEADER_BYTES + 4 * i, true)
  }
  // a model to start from: NaN or infinity would only make the joiner's first round fail
  for (let i = 0; i < d; i++) {
    if (!Number.isFinite(params[i])) throw new InvalidFrameError('body', `expected finite parameters, got ${params[i]} at index ${i}`)
  }
  const body: SyncBody = { params }
  if (stateBytes > 0) body.state = bytes.subarray(SYNC_BODY_HEADER_BYTES + 4 * d)
  return body
}
