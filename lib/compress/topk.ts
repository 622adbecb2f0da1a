import type { Codec } from './types.ts'
import { FLAG_BITMAP, HEADER_BYTES, MAX_VARINT_BYTES, TAG } from './constants.ts'
import { InvalidPayloadError } from './errors.ts'
import { bitsOf, f32Run, f32Window, readU32, writeU32 } from './bytes.ts'
import { allocPayload, expectLength, readHeader } from './header.ts'
import { checkFiniteValues, makeCodec, scatterSparse, throwNonFinite } from './codec.ts'
import { countOf } from './fraction.ts'
import type { Fraction } from './fraction.ts'
import { TopkScratch, selectTopk } from './select.ts'
import { gapVarintBytes } from './varint.ts'
import { bitmapBytes, gapBytes, readBitmap, readGaps, writeBitmap, writeGaps } from './topk-indices.ts'

export { bitmapBytes } from './topk-indices.ts'

/** body before the values: k as u32 */
const TOPK_FIXED = 4

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
      const varintBytes = gapBytes(chosen, k)
      const useBitmap = bitmapBytes(d) < varintBytes
      const indexBytes = useBitmap ? bitmapBytes(d) : varintBytes
      const bytes = allocPayload(HEADER_BYTES + TOPK_FIXED + 4 * k + indexBytes, TAG.topk, useBitmap ? FLAG_BITMAP : 0, d)
      writeU32(bytes, HEADER_BYTES, k)
      const w = f32Window(bytes, HEADER_BYTES + TOPK_FIXED, k)
      const values = w.values
      for (let j = 0; j < k; j++) values[j] = x[chosen[j]]
      w.commit()
      const start = HEADER_BYTES + TOPK_FIXED + 4 * k
      if (useBitmap) writeBitmap(bytes, start, chosen, k)
      else writeGaps(bytes, start, chosen, k)
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
      return scatterSparse(target(), chosen, values, k, alpha, overwrite)
    }
  })
}
