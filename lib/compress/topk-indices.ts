/**
 * The two index encodings of a top-k payload (FORMAT.md, "topk"): gap varints (first index, then gaps
 * ≥ 1, unsigned LEB128) and the d-bit LSB-first bitmap. Writers take the chosen indices increasing; readers
 * validate everything a decoder must reject before the caller writes a coordinate.
 */
import { MAX_VARINT_BYTES } from './constants.ts'
import { InvalidPayloadError } from './errors.ts'

export function bitmapBytes (d: number): number {
  return Math.ceil(d / 8)
}

/** Bytes of the gap varints of indices[0..k), increasing (gapVarintBytes of varint.ts, typed for the hot path). */
export function gapBytes (indices: Uint32Array, k: number): number {
  let total = k
  let prev = 0
  for (let j = 0; j < k; j++) {
    const gap = indices[j] - prev
    prev = indices[j]
    // one byte each is counted above; longer gaps are rare at the fractions top-k is used with
    if (gap >= 0x80) total += gap < 0x4000 ? 1 : gap < 0x200000 ? 2 : gap < 0x10000000 ? 3 : 4
  }
  return total
}

/** Writes the gap varints of indices[0..k) at bytes[p] and returns the position after them. */
export function writeGaps (bytes: Uint8Array, p: number, indices: Uint32Array, k: number): number {
  let prev = 0
  for (let j = 0; j < k; j++) {
    let gap = indices[j] - prev
    prev = indices[j]
    while (gap >= 0x80) {
      bytes[p++] = (gap & 0x7f) | 0x80
      gap >>>= 7
    }
    bytes[p++] = gap
  }
  return p
}

/** Sets bit i of the bitmap at bytes[p] for each chosen index (the bytes start zeroed). */
export function writeBitmap (bytes: Uint8Array, p: number, indices: Uint32Array, k: number): void {
  for (let j = 0; j < k; j++) bytes[p + (indices[j] >>> 3)] |= 1 << (indices[j] & 7)
}

/**
 * Parses exactly k gap varints ending exactly at the end of bytes into increasing indices below d. Gaps
 * below 128 (one byte, the common case: top-1 % of a model has a mean gap of about 100) take the short
 * path; longer ones run the per-byte checks.
 */
export function readGaps (bytes: Uint8Array, p: number, d: number, k: number, out: Uint32Array, spec: string): void {
  const end = bytes.length
  // one past the previous index: a gap of 0 after the first index is a repeat, caught as index < next
  let next = 0
  for (let j = 0; j < k; j++) {
    if (p >= end) throw new InvalidPayloadError('length', `${spec}: index ${j} of ${k} runs past the end of the payload`)
    let gap = bytes[p++]
    if (gap >= 0x80) {
      gap &= 0x7f
      let scale = 0x80
      for (let n = 1; ; n++) {
        if (p >= end) throw new InvalidPayloadError('length', `${spec}: index ${j} of ${k} runs past the end of the payload`)
        const byte = bytes[p++]
        // the fifth byte holds bits 28..31 only: more, or a continuation bit, would exceed 2^32 - 1
        if (n === MAX_VARINT_BYTES - 1 && byte > 0x0f) throw new InvalidPayloadError('varint', `${spec}: index gap ${j} exceeds 2^32 - 1`)
        if (byte === 0) throw new InvalidPayloadError('varint', `${spec}: index gap ${j} has an overlong encoding`)
        gap += (byte & 0x7f) * scale
        if (byte < 0x80) break
        scale *= 0x80
      }
    }
    const index = j === 0 ? gap : next - 1 + gap
    if (index < next) throw new InvalidPayloadError('index', `${spec}: index ${j} repeats index ${next - 1}`)
    if (index >= d) throw new InvalidPayloadError('index', `${spec}: expected indices below ${d}, got ${index} at ${j}`)
    out[j] = index
    next = index + 1
  }
  if (p !== end) throw new InvalidPayloadError('length', `${spec}: expected the payload to end after ${k} indices at byte ${p}, got ${end} bytes`)
}

/** Reads a d-bit LSB-first bitmap with exactly k bits set and zero padding into increasing indices. */
export function readBitmap (bytes: Uint8Array, p: number, d: number, k: number, out: Uint32Array, spec: string): void {
  const full = d >>> 3
  const tail = d & 7
  if (tail !== 0 && (bytes[p + full] >>> tail) !== 0) {
    throw new InvalidPayloadError('index', `${spec}: bitmap sets bits at or beyond d = ${d}`)
  }
  let m = 0
  const nbytes = bitmapBytes(d)
  for (let b = 0; b < nbytes; b++) {
    let v = bytes[p + b]
    while (v !== 0) {
      if (m === k) throw new InvalidPayloadError('index', `${spec}: expected ${k} bitmap bits set, got more`)
      const low = v & -v
      out[m++] = b * 8 + (31 - Math.clz32(low))
      v ^= low
    }
  }
  if (m !== k) throw new InvalidPayloadError('index', `${spec}: expected ${k} bitmap bits set, got ${m}`)
}
