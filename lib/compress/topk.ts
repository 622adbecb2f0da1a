import type { Codec } from './types.ts'
import { FLAG_BITMAP, HEADER_BYTES, MAX_VARINT_BYTES, TAG } from './constants.ts'
import { InvalidPayloadError } from './errors.ts'
import { bitsOf, f32Run, f32Window, readU32, writeU32 } from './bytes.ts'
import { allocPayload, expectLength, readHeader } from './header.ts'
import { checkFiniteValues, makeCodec, throwNonFinite } from './codec.ts'
import { countOf } from './fraction.ts'
import type { Fraction } from './fraction.ts'
import { TopkScratch, selectTopk } from './select.ts'
import { gapVarintBytes, writeVarint } from './varint.ts'

/** body before the values: k as u32 */
const TOPK_FIXED = 4

export function bitmapBytes (d: number): number {
  return Math.ceil(d / 8)
}

/** Exact size of a top-k payload with these chosen (increasing) indices: the cheaper index form wins. */
export function topkBytes (d: number, k: number, indices: ArrayLike<number>): number {
  return HEADER_BYTES + TOPK_FIXED + 4 * k + Math.min(gapVarintBytes(indices, k), bitmapBytes(d))
}

/**
 * Top-k sparsification (Stich et al. 2018; Alistarh et al. 2018): the k = max(1, ceil(f·d)) largest
 * magnitudes, ties to the lower index, sent as float32 values in increasing index order followed by the
 * indices as delta-varints (first index, then gaps ≥ 1) or as a d-bit bitmap, whichever is fewer bytes
 * (varints on a tie); flags bit 0 says which.
 */
export function topkCodec (fraction: Fraction): Codec {
  const spec = `topk:${fraction.text}`
  const scratch = new TopkScratch()
  let indices = new Uint32Array(0)
  let cachedD = 0
  let cachedK = 0
  const kOf = (d: number): number => {
    if (d !== cachedD) { cachedK = countOf(fraction, d); cachedD = d }
    return cachedK
  }
  const indexBuffer = (k: number): Uint32Array => {
    if (indices.length < k) indices = new Uint32Array(k)
    return indices
  }

  return makeCodec({
    spec,
    lossless: false,
    encode (x) {
      const d = x.length
      const k = kOf(d)
      const chosen = indexBuffer(k)
      const bad = selectTopk(bitsOf(x), k, chosen, scratch)
      if (bad >= 0) throwNonFinite(x, spec)
      const varintBytes = gapVarintBytes(chosen, k)
      const useBitmap = bitmapBytes(d) < varintBytes
      const indexBytes = useBitmap ? bitmapBytes(d) : varintBytes
      const bytes = allocPayload(HEADER_BYTES + TOPK_FIXED + 4 * k + indexBytes, TAG.topk, useBitmap ? FLAG_BITMAP : 0, d)
      writeU32(bytes, HEADER_BYTES, k)
      const w = f32Window(bytes, HEADER_BYTES + TOPK_FIXED, k)
      for (let j = 0; j < k; j++) w.values[j] = x[chosen[j]]
      w.commit()
      const start = HEADER_BYTES + TOPK_FIXED + 4 * k
      if (useBitmap) {
        for (let j = 0; j < k; j++) bytes[start + (chosen[j] >>> 3)] |= 1 << (chosen[j] & 7)
      } else {
        let p = start
        let prev = 0
        for (let j = 0; j < k; j++) { p = writeVarint(bytes, p, chosen[j] - prev); prev = chosen[j] }
      }
      return bytes
    },
    read (bytes, d, target, alpha, overwrite) {
      const flags = readHeader(bytes, TAG.topk, spec, d, FLAG_BITMAP)
      const k = kOf(d)
      const valuesAt = HEADER_BYTES + TOPK_FIXED
      if (bytes.length < valuesAt) throw new InvalidPayloadError('length', `${spec}: expected at least ${valuesAt} bytes, got ${bytes.length}`)
      const got = readU32(bytes, HEADER_BYTES)
      if (got !== k) throw new InvalidPayloadError('parameter', `${spec}: expected k = ${k} for d = ${d}, payload says ${got}`)
      const indexAt = valuesAt + 4 * k
      const bitmap = (flags & FLAG_BITMAP) !== 0
      if (bitmap) {
        expectLength(bytes, indexAt + bitmapBytes(d), spec)
      } else if (bytes.length < indexAt + k || bytes.length > indexAt + MAX_VARINT_BYTES * k) {
        throw new InvalidPayloadError('length', `${spec}: expected ${indexAt + k} to ${indexAt + MAX_VARINT_BYTES * k} bytes, got ${bytes.length}`)
      }
      // the length now vouches for k: the index buffer is no larger than the payload
      const chosen = indexBuffer(k)
      if (bitmap) readBitmap(bytes, indexAt, d, k, chosen, spec)
      else readGaps(bytes, indexAt, d, k, chosen, spec)
      const values = f32Run(bytes, valuesAt, k)
      checkFiniteValues(values, spec)
      const out = target()
      if (overwrite) {
        out.fill(0)
        for (let j = 0; j < k; j++) out[chosen[j]] = values[j]
      } else {
        for (let j = 0; j < k; j++) out[chosen[j]] += alpha * values[j]
      }
      return out
    }
  })
}

/**
 * Parses exactly k gap varints ending exactly at the end of bytes into increasing indices below d. Gaps
 * below 128 (one byte, the common case: top-1 % of a model has a mean gap of about 100) take the short
 * path; longer ones run the per-byte checks.
 */
function readGaps (bytes: Uint8Array, p: number, d: number, k: number, out: Uint32Array, spec: string): void {
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
function readBitmap (bytes: Uint8Array, p: number, d: number, k: number, out: Uint32Array, spec: string): void {
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
