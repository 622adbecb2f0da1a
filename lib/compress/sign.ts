import type { Codec } from './types.ts'
import { HEADER_BYTES, TAG } from './constants.ts'
import { InvalidPayloadError } from './errors.ts'
import { readF32, writeF32 } from './bytes.ts'
import { allocPayload, expectLength, readHeader } from './header.ts'
import { makeCodec, throwNonFinite } from './codec.ts'

/** body before the sign bits: the scale ‖x‖₁ / d as float32 */
const SIGN_FIXED = 4

export function signBytes (d: number): number {
  return HEADER_BYTES + SIGN_FIXED + Math.ceil(d / 8)
}

/**
 * Scaled sign (Karimireddy et al. 2019, "Error Feedback Fixes SignSGD", the compressor ‖x‖₁/d · sign(x)):
 * one bit an entry, LSB-first, set when x_i < 0; zeros decode to +scale (a 1-bit code has no zero).
 */
export function signCodec (): Codec {
  const spec = 'sign'
  return makeCodec({
    spec,
    lossless: false,
    encode (x) {
      const d = x.length
      let l1 = 0
      for (let i = 0; i < d; i++) l1 += Math.abs(x[i])
      if (!Number.isFinite(l1)) throwNonFinite(x, spec)
      const bytes = allocPayload(signBytes(d), TAG.sign, 0, d)
      writeF32(bytes, HEADER_BYTES, l1 / d)
      let p = HEADER_BYTES + SIGN_FIXED
      let i = 0
      for (; i + 8 <= d; i += 8) {
        bytes[p++] = (x[i] < 0 ? 1 : 0) | (x[i + 1] < 0 ? 2 : 0) | (x[i + 2] < 0 ? 4 : 0) | (x[i + 3] < 0 ? 8 : 0) |
          (x[i + 4] < 0 ? 16 : 0) | (x[i + 5] < 0 ? 32 : 0) | (x[i + 6] < 0 ? 64 : 0) | (x[i + 7] < 0 ? 128 : 0)
      }
      let last = 0
      for (let bit = 0; i < d; i++, bit++) if (x[i] < 0) last |= 1 << bit
      if ((d & 7) !== 0) bytes[p] = last
      return bytes
    },
    read (bytes, d, target, alpha, overwrite) {
      readHeader(bytes, TAG.sign, spec, d, 0)
      expectLength(bytes, signBytes(d), spec)
      const scale = readF32(bytes, HEADER_BYTES)
      if (!Number.isFinite(scale)) throw new InvalidPayloadError('non-finite', `${spec}: expected a finite scale, got ${scale}`)
      if (scale < 0) throw new InvalidPayloadError('value', `${spec}: expected a scale >= 0, got ${scale}`)
      const start = HEADER_BYTES + SIGN_FIXED
      if ((d & 7) !== 0 && (bytes[start + (d >>> 3)] >>> (d & 7)) !== 0) {
        throw new InvalidPayloadError('value', `${spec}: expected zero padding bits after d = ${d} signs`)
      }
      const out = target()
      const pos = (overwrite ? 1 : alpha) * scale
      const neg = -pos
      for (let i = 0; i < d; i++) {
        const v = ((bytes[start + (i >>> 3)] >>> (i & 7)) & 1) !== 0 ? neg : pos
        if (overwrite) out[i] = v
        else out[i] += v
      }
      return out
    }
  })
}
