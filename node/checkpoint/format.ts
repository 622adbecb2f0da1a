/**
 * The checkpoint file format, pure: a plain-data object (numbers, strings, booleans, null, arrays,
 * objects and Float32Arrays) to bytes and back, with a SHA-256 over everything so a torn or corrupted
 * file is detected instead of loaded.
 *
 *   offset 0   8 bytes  magic "MRMRCKPT"
 *          8   u32 LE   format version (1)
 *         12   u32 LE   header length H
 *         16   H bytes  header: UTF-8 JSON; each Float32Array is replaced by {"$f32": [offset, length]},
 *                       offset in bytes from the start of the blob area
 *   16+H, padded to 4   blob area: the Float32Arrays, little-endian, each 4-byte aligned
 *   end − 32            SHA-256 of every byte before it
 */
import { createHash } from 'node:crypto'

export const CHECKPOINT_MAGIC = 'MRMRCKPT'
export const CHECKPOINT_VERSION = 1
const MAX_HEADER_BYTES = 16 * 1024 * 1024

/** A checkpoint file that is truncated, corrupted, of another version or otherwise unusable. */
export class InvalidCheckpointError extends Error {
  static override name = 'InvalidCheckpointError'
  readonly reason: string
  constructor (reason: string, message: string) {
    super(message)
    this.name = 'InvalidCheckpointError'
    this.reason = reason
  }
}

export function encodeCheckpoint (value: unknown): Uint8Array {
  const blobs: Float32Array[] = []
  let blobBytes = 0
  const header = JSON.stringify(value, (_key, v) => {
    if (v instanceof Float32Array) {
      const ref = { $f32: [blobBytes, v.length] }
      blobs.push(v)
      blobBytes += v.byteLength
      return ref
    }
    if (ArrayBuffer.isView(v)) throw new TypeError(`checkpoints hold Float32Array only, got ${v.constructor.name}`)
    if (typeof v === 'number' && !Number.isFinite(v)) throw new TypeError(`checkpoints hold finite numbers only, got ${v}`)
    return v
  })
  const headerBytes = new TextEncoder().encode(header)
  const blobStart = align4(16 + headerBytes.length)
  const total = blobStart + blobBytes + 32
  const out = new Uint8Array(total)
  const view = new DataView(out.buffer)
  out.set(new TextEncoder().encode(CHECKPOINT_MAGIC), 0)
  view.setUint32(8, CHECKPOINT_VERSION, true)
  view.setUint32(12, headerBytes.length, true)
  out.set(headerBytes, 16)
  let off = blobStart
  for (const b of blobs) {
    out.set(new Uint8Array(b.buffer, b.byteOffset, b.byteLength), off)
    off += b.byteLength
  }
  out.set(createHash('sha256').update(out.subarray(0, total - 32)).digest(), total - 32)
  return out
}

export function decodeCheckpoint (bytes: Uint8Array): unknown {
  if (bytes.length < 16 + 32) throw new InvalidCheckpointError('length', `a checkpoint has at least 48 bytes, got ${bytes.length}`)
  const magic = new TextDecoder().decode(bytes.subarray(0, 8))
  if (magic !== CHECKPOINT_MAGIC) throw new InvalidCheckpointError('magic', 'not a murmur checkpoint (bad magic)')
  const digest = createHash('sha256').update(bytes.subarray(0, bytes.length - 32)).digest()
  const stored = bytes.subarray(bytes.length - 32)
  for (let i = 0; i < 32; i++) if (digest[i] !== stored[i]) throw new InvalidCheckpointError('checksum', 'checkpoint checksum mismatch: the file is truncated or corrupted')
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const version = view.getUint32(8, true)
  if (version !== CHECKPOINT_VERSION) throw new InvalidCheckpointError('version', `checkpoint format version ${version}; this murmur reads version ${CHECKPOINT_VERSION}`)
  const headerLength = view.getUint32(12, true)
  if (headerLength > MAX_HEADER_BYTES || 16 + headerLength > bytes.length - 32) throw new InvalidCheckpointError('length', `header length ${headerLength} does not fit the file`)
  const blobStart = align4(16 + headerLength)
  const blobEnd = bytes.length - 32
  let header: unknown
  // every reference is copied out, so together they may not claim more than the blob area holds: a writer stores
  // each vector once, and a file that names one blob many times would make a small file allocate without bound
  let referenced = 0
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(16, 16 + headerLength)), (_key, v) => {
      if (v !== null && typeof v === 'object' && Array.isArray(v.$f32)) {
        const [offset, length] = v.$f32 as [number, number]
        if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || length < 0 || offset % 4 !== 0 || blobStart + offset + 4 * length > blobEnd) {
          throw new InvalidCheckpointError('blob', `vector reference [${offset}, ${length}] is outside the file`)
        }
        referenced += 4 * length
        if (referenced > blobEnd - blobStart) {
          throw new InvalidCheckpointError('blob', `the vector references claim more than the ${blobEnd - blobStart} bytes of vectors the file holds (a vector named twice?)`)
        }
        // copy into an aligned buffer of its own
        const out = new Float32Array(length)
        new Uint8Array(out.buffer).set(bytes.subarray(blobStart + offset, blobStart + offset + 4 * length))
        return out
      }
      return v
    })
  } catch (err) {
    if (err instanceof InvalidCheckpointError) throw err
    throw new InvalidCheckpointError('header', `checkpoint header is not valid JSON: ${(err as Error).message}`)
  }
  return header
}

function align4 (n: number): number {
  return (n + 3) & ~3
}
