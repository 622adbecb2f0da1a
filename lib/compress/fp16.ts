import type { Codec } from './types.ts'
import { HEADER_BYTES, TAG } from './constants.ts'
import { InvalidPayloadError } from './errors.ts'
import { bitsOf } from './bytes.ts'
import { allocPayload, expectLength, readHeader } from './header.ts'
import { makeCodec, throwNonFinite } from './codec.ts'
import { HALF_EXP_MASK, halfFromF32Bits, halfTable } from './half.ts'

const HALF_HIGH_EXP = HALF_EXP_MASK >>> 8

/**
 * Body: d IEEE binary16 values, u16 little-endian. Round to nearest even; |x| ≥ 65520 saturates to ±65504
 * (documented in FORMAT.md) rather than becoming Infinity. Relative error ≤ 2^-11 in the normal range
 * [2^-14, 65504], absolute error ≤ 2^-25 below it.
 */
export function fp16Codec (): Codec {
  const spec = 'fp16'
  return makeCodec({
    spec,
    lossless: false,
    encode (x) {
      const d = x.length
      const bits = bitsOf(x)
      const bytes = allocPayload(fp16Bytes(d), TAG.fp16, 0, d)
      let p = HEADER_BYTES
      for (let i = 0; i < d; i++) {
        const f = bits[i]
        if ((f & 0x7f800000) === 0x7f800000) throwNonFinite(x, spec)
        const h = halfFromF32Bits(f)
        bytes[p] = h & 0xff
        bytes[p + 1] = h >>> 8
        p += 2
      }
      return bytes
    },
    read (bytes, d, target, alpha, overwrite) {
      readHeader(bytes, TAG.fp16, spec, d, 0)
      expectLength(bytes, fp16Bytes(d), spec)
      // the exponent field sits in bits 2..6 of each high byte; all ones is NaN or ±Infinity
      for (let p = HEADER_BYTES + 1; p < bytes.length; p += 2) {
        if ((bytes[p] & HALF_HIGH_EXP) === HALF_HIGH_EXP) {
          throw new InvalidPayloadError('non-finite', `${spec}: expected finite halves, got NaN or Infinity at value ${(p - HEADER_BYTES - 1) / 2}`)
        }
      }
      const out = target()
      const t = halfTable()
      let p = HEADER_BYTES
      if (overwrite) {
        for (let i = 0; i < d; i++, p += 2) out[i] = t[bytes[p] | (bytes[p + 1] << 8)]
      } else {
        for (let i = 0; i < d; i++, p += 2) out[i] += alpha * t[bytes[p] | (bytes[p + 1] << 8)]
      }
      return out
    }
  })
}

export function fp16Bytes (d: number): number {
  return HEADER_BYTES + 2 * d
}
