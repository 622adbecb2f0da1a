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
import type { AlgorithmName } from './config.ts'
import { allFinite, allocFramed } from '../vector/index.ts'
import { InvalidPayloadError, maxBytes, parseCodec } from '../compress/index.ts'
import type { Codec } from '../compress/index.ts'

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

/** The frame kinds each algorithm mixes (mixing.ts: model; choco.ts: delta and full). */
export const ACCEPTED_FRAME_KINDS: Readonly<Record<AlgorithmName, readonly FrameKind[]>> = {
  gossip: ['model'], dpsgd: ['model'], choco: ['delta', 'full']
}

/** Why a frame cannot be mixed by a peer of a given model and codec; one value per check, in check order. */
export type FrameRejection =
  | 'payload' // not a well-formed frame: bad magic, kind, encoding, lengths, reserved bytes, resync ids (InvalidMessageError)
  | 'payloadVersion' // a frame format version this code does not speak (UnsupportedMessageVersionError)
  | 'roundMismatch' // the frame's round differs from the round of the message that carried it
  | 'dimension' // the frame's (or its codec payload's) dimension differs from the model's
  | 'kind' // a kind the algorithm does not mix, or a kind with the wrong encoding (delta raw, full codec)
  | 'codec' // a codec payload written by another codec, or with another s or k (lib/compress 'tag', 'parameter')
  | 'nonFinite' // a NaN or ±Infinity value, norm or scale

export type FrameCheck =
  | { ok: true, frame: Frame }
  | { ok: false, reason: FrameRejection, detail: string }

export interface FrameExpectation {
  /** the model's dimension */
  dim: number
  /** the run's codec spec (the receiver decodes with it) */
  codec: string
  /** the kinds the algorithm mixes (ACCEPTED_FRAME_KINDS[algo]); any kind when absent */
  kinds?: readonly FrameKind[]
}

/**
 * Checks a whole frame against the receiver's model before it reaches an algorithm, the way it will be
 * read: structure (decodeFrame), round, dimension, kind, and the payload itself: a raw payload must be
 * finite, a codec payload must decode under the run's codec to finite values. Returns a verdict instead of
 * throwing (a hostile peer's frames are the expected case here, not an exception). Allocates one vector
 * of the model's dimension, once, as the decode target; nothing per call beyond the frame's views.
 */
export class FrameChecker {
  readonly dim: number
  private readonly codec: Codec
  private readonly kinds: ReadonlySet<FrameKind> | undefined
  private scratch: Float32Array | undefined

  constructor (expect: FrameExpectation) {
    if (!Number.isInteger(expect.dim) || expect.dim < 1 || expect.dim > MAX_FRAME_DIM) throw new InvalidMessageError(`dimension must be in [1, ${MAX_FRAME_DIM}], got ${String(expect.dim)}`)
    this.dim = expect.dim
    // ef(...) decodes with its inner codec and keeps no state on the decoding side
    this.codec = parseCodec(expect.codec)
    this.kinds = expect.kinds === undefined ? undefined : new Set(expect.kinds)
  }

  /** The verdict on `bytes`, carried by a message of round `round`. */
  check (bytes: Uint8Array, round: number): FrameCheck {
    let frame: Frame
    try {
      frame = decodeFrame(bytes)
    } catch (err) {
      const reason = err instanceof UnsupportedMessageVersionError ? 'payloadVersion' : 'payload'
      if (!(err instanceof InvalidMessageError) && reason === 'payload') throw err
      return { ok: false, reason, detail: (err as Error).message }
    }
    if (frame.round !== round) return { ok: false, reason: 'roundMismatch', detail: `a frame of round ${frame.round} in a message of round ${round}` }
    if (frame.dim !== this.dim) return { ok: false, reason: 'dimension', detail: `expected dimension ${this.dim}, got ${frame.dim}` }
    if (this.kinds !== undefined && !this.kinds.has(frame.kind)) return { ok: false, reason: 'kind', detail: `expected a frame of kind ${[...this.kinds].join(' or ')}, got ${frame.kind}` }
    if ((frame.kind === 'delta' && frame.encoding !== 'codec') || (frame.kind === 'full' && frame.encoding !== 'raw')) {
      return { ok: false, reason: 'kind', detail: `a ${frame.kind} frame must be ${frame.kind === 'delta' ? 'codec' : 'raw'}-encoded, got ${frame.encoding}` }
    }
    const out = this.target()
    if (frame.encoding === 'raw') {
      const p = frame.payload
      let values: Float32Array
      if (p.byteOffset % 4 === 0) {
        values = new Float32Array(p.buffer, p.byteOffset, this.dim)
      } else {
        new Uint8Array(out.buffer, out.byteOffset, 4 * this.dim).set(p)
        values = out
      }
      return allFinite(values) ? { ok: true, frame } : { ok: false, reason: 'nonFinite', detail: 'the raw payload holds NaN or ±Infinity' }
    }
    try {
      this.codec.decodeInto(frame.payload, this.dim, out)
    } catch (err) {
      if (!(err instanceof InvalidPayloadError)) throw err
      return { ok: false, reason: PAYLOAD_FAULTS[err.reason] ?? 'payload', detail: err.message }
    }
    return { ok: true, frame }
  }

  private target (): Float32Array {
    this.scratch ??= new Float32Array(this.dim)
    return this.scratch
  }
}

/** lib/compress faults that have a reason of their own; every other fault is a malformed payload. */
const PAYLOAD_FAULTS: Partial<Record<InvalidPayloadError['reason'], FrameRejection>> = {
  tag: 'codec', parameter: 'codec', dimension: 'dimension', 'non-finite': 'nonFinite'
}
