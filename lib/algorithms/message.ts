/**
 * The algorithm-level frame each peer sends to its neighbours once a round (the body of a transport
 * message). Little-endian, 24-byte header, the payload at offset 24 (4-aligned, so a raw float32 payload
 * is readable in place), then the resync requests:
 *
 *   0  u8   magic 0x6d ('m')
 *   1  u8   format version (1)
 *   2  u8   kind: 0 model (gossip, D-PSGD), 1 delta (CHOCO q_i), 2 full (CHOCO x̂_i at full precision)
 *   3  u8   encoding: 0 raw float32 LE, 1 lib/compress codec bytes
 *   4  u32  round r of the sender
 *   8  u32  base: the sender's copy version a delta applies to (0 for other kinds)
 *  12  u32  dimension d
 *  16  u32  payload length L (raw: exactly 4·d)
 *  20  u16  number R of resync requests
 *  22  u16  reserved, 0
 *  24  L bytes payload
 *  24+L  R × (u8 length ≥ 1, UTF-8 peer id): neighbours the sender needs a full copy from
 *
 * `decodeFrame` trusts nothing: every field is range-checked, the lengths must add up to the byte count
 * exactly, and ids must be valid UTF-8.
 */

import {
  FRAME_HEADER_BYTES, FRAME_MAGIC, FRAME_VERSION, MAX_FRAME_DIM, MAX_PEER_ID_BYTES, MAX_RESYNC_IDS
} from './constants.ts'
import { InvalidMessageError, UnsupportedMessageVersionError } from './errors.ts'
import { allocFramed } from '../vector/index.ts'
import { maxBytes } from '../compress/index.ts'

export const FRAME_KIND = { model: 0, delta: 1, full: 2 } as const
export type FrameKind = 'model' | 'delta' | 'full'
const KIND_NAMES: readonly FrameKind[] = ['model', 'delta', 'full']

export const FRAME_ENCODING = { raw: 0, codec: 1 } as const
export type FrameEncoding = 'raw' | 'codec'
const ENCODING_NAMES: readonly FrameEncoding[] = ['raw', 'codec']

export interface FrameFields {
  kind: FrameKind
  encoding: FrameEncoding
  round: number
  base: number
  dim: number
  resync: readonly string[]
}

export interface Frame extends FrameFields {
  /** a view into the decoded bytes (not a copy) */
  payload: Uint8Array
}

const utf8 = new TextEncoder()
const strictUtf8 = new TextDecoder('utf-8', { fatal: true })

function checkU32 (v: number, what: string): void {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new InvalidMessageError(`${what} must be a u32, got ${String(v)}`)
}

function encodeIds (ids: readonly string[]): Uint8Array[] {
  if (ids.length > MAX_RESYNC_IDS) throw new InvalidMessageError(`at most ${MAX_RESYNC_IDS} resync requests fit a frame, got ${ids.length}`)
  return ids.map((id) => {
    const b = utf8.encode(id)
    if (b.length < 1 || b.length > MAX_PEER_ID_BYTES) throw new InvalidMessageError(`peer ids must be 1 to ${MAX_PEER_ID_BYTES} UTF-8 bytes, got ${b.length} for ${JSON.stringify(id)}`)
    return b
  })
}

function writeHeader (view: DataView, f: FrameFields, payloadLength: number, resyncCount: number): void {
  checkU32(f.round, 'round'); checkU32(f.base, 'base')
  if (!Number.isInteger(f.dim) || f.dim < 1 || f.dim > MAX_FRAME_DIM) throw new InvalidMessageError(`dimension must be in [1, ${MAX_FRAME_DIM}], got ${String(f.dim)}`)
  if (f.encoding === 'raw' && payloadLength !== 4 * f.dim) throw new InvalidMessageError(`a raw payload must be 4·d = ${4 * f.dim} bytes, got ${payloadLength}`)
  view.setUint8(0, FRAME_MAGIC)
  view.setUint8(1, FRAME_VERSION)
  view.setUint8(2, FRAME_KIND[f.kind])
  view.setUint8(3, FRAME_ENCODING[f.encoding])
  view.setUint32(4, f.round, true)
  view.setUint32(8, f.base, true)
  view.setUint32(12, f.dim, true)
  view.setUint32(16, payloadLength, true)
  view.setUint16(20, resyncCount, true)
  view.setUint16(22, 0, true)
}

function writeIds (bytes: Uint8Array, at: number, ids: Uint8Array[]): number {
  for (const b of ids) {
    bytes[at++] = b.length
    bytes.set(b, at)
    at += b.length
  }
  return at
}

function idsLength (ids: Uint8Array[]): number {
  let n = 0
  for (const b of ids) n += 1 + b.length
  return n
}

/** A new frame holding a copy of `payload`. */
export function encodeFrame (fields: FrameFields, payload: Uint8Array): Uint8Array {
  const ids = encodeIds(fields.resync)
  const bytes = new Uint8Array(FRAME_HEADER_BYTES + payload.length + idsLength(ids))
  writeHeader(new DataView(bytes.buffer), fields, payload.length, ids.length)
  bytes.set(payload, FRAME_HEADER_BYTES)
  writeIds(bytes, FRAME_HEADER_BYTES + payload.length, ids)
  return bytes
}

/**
 * A reusable frame whose raw float32 payload is a live view (`values`): the caller writes its vector
 * straight into the frame (or keeps its parameters there), and `seal` writes the header around it and
 * returns the bytes to send without copying the payload. A frame with resync requests (rare: CHOCO-SGD
 * recovering from a loss) is assembled in a new buffer instead.
 */
export class RawFrame {
  readonly values: Float32Array
  private readonly bytes: Uint8Array
  private readonly dim: number

  constructor (dim: number) {
    this.dim = dim
    // in lib/vector's kernel memory, so mixing straight from frames runs the SIMD kernels
    const { bytes, values } = allocFramed(dim, FRAME_HEADER_BYTES)
    this.bytes = bytes
    this.values = values
  }

  seal (fields: Omit<FrameFields, 'encoding' | 'dim'>): Uint8Array {
    const full: FrameFields = { ...fields, encoding: 'raw', dim: this.dim }
    if (fields.resync.length > 0) return encodeFrame(full, this.bytes.subarray(FRAME_HEADER_BYTES))
    writeHeader(new DataView(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength), full, 4 * this.dim, 0)
    return this.bytes
  }
}

/** Parses a frame; throws InvalidMessageError or UnsupportedMessageVersionError on anything malformed. */
export function decodeFrame (bytes: Uint8Array): Frame {
  if (!(bytes instanceof Uint8Array)) throw new InvalidMessageError(`expected a Uint8Array, got ${typeof bytes}`)
  if (bytes.length < FRAME_HEADER_BYTES) throw new InvalidMessageError(`a frame needs at least ${FRAME_HEADER_BYTES} bytes, got ${bytes.length}`)
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const magic = view.getUint8(0)
  if (magic !== FRAME_MAGIC) throw new InvalidMessageError(`expected magic byte 0x${FRAME_MAGIC.toString(16)}, got 0x${magic.toString(16)}`)
  const version = view.getUint8(1)
  if (version !== FRAME_VERSION) throw new UnsupportedMessageVersionError(version, `expected frame version ${FRAME_VERSION}, got ${version}`)
  const kind = KIND_NAMES[view.getUint8(2)]
  if (kind === undefined) throw new InvalidMessageError(`expected a kind in 0..${KIND_NAMES.length - 1}, got ${view.getUint8(2)}`)
  const encoding = ENCODING_NAMES[view.getUint8(3)]
  if (encoding === undefined) throw new InvalidMessageError(`expected an encoding in 0..${ENCODING_NAMES.length - 1}, got ${view.getUint8(3)}`)
  const round = view.getUint32(4, true)
  const base = view.getUint32(8, true)
  const dim = view.getUint32(12, true)
  if (dim < 1 || dim > MAX_FRAME_DIM) throw new InvalidMessageError(`expected a dimension in [1, ${MAX_FRAME_DIM}], got ${dim}`)
  const payloadLength = view.getUint32(16, true)
  if (encoding === 'raw' && payloadLength !== 4 * dim) throw new InvalidMessageError(`a raw payload must be 4·d = ${4 * dim} bytes, got ${payloadLength}`)
  const count = view.getUint16(20, true)
  if (count > MAX_RESYNC_IDS) throw new InvalidMessageError(`expected at most ${MAX_RESYNC_IDS} resync requests, got ${count}`)
  if (view.getUint16(22, true) !== 0) throw new InvalidMessageError(`expected the reserved field to be 0, got ${view.getUint16(22, true)}`)
  const payloadEnd = FRAME_HEADER_BYTES + payloadLength
  if (payloadEnd > bytes.length) throw new InvalidMessageError(`the payload of ${payloadLength} bytes runs past the frame's ${bytes.length} bytes`)
  const resync: string[] = []
  let at = payloadEnd
  for (let k = 0; k < count; k++) {
    if (at >= bytes.length) throw new InvalidMessageError(`resync request ${k} of ${count} starts past the end of the frame`)
    const len = bytes[at++]
    if (len < 1) throw new InvalidMessageError(`resync request ${k}: expected an id of 1 to ${MAX_PEER_ID_BYTES} bytes, got 0`)
    if (at + len > bytes.length) throw new InvalidMessageError(`resync request ${k}: an id of ${len} bytes runs past the end of the frame`)
    try {
      resync.push(strictUtf8.decode(bytes.subarray(at, at + len)))
    } catch {
      throw new InvalidMessageError(`resync request ${k}: the id is not valid UTF-8`)
    }
    at += len
  }
  if (at !== bytes.length) throw new InvalidMessageError(`expected the frame to end at byte ${at}, got ${bytes.length - at} trailing bytes`)
  return { kind, encoding, round, base, dim, resync, payload: bytes.subarray(FRAME_HEADER_BYTES, payloadEnd) }
}

/**
 * The largest frame a peer of dimension d sends with this codec: a header, the larger of a raw fp32 model
 * (model and full frames) and the codec's largest payload (delta frames), and up to `maxResync` resync
 * requests. Receivers bound their reads with it.
 */
export function maxFrameBytes (codec: string, d: number, maxResync = 64): number {
  return FRAME_HEADER_BYTES + Math.max(4 * d, maxBytes(codec, d)) + Math.min(maxResync, MAX_RESYNC_IDS) * (1 + MAX_PEER_ID_BYTES)
}
