/**
 * IEEE 754 binary16 conversions on bit patterns. float32 → half rounds to nearest, ties to even, exactly as
 * the IEEE conversion does, except that magnitudes that would round to Infinity (≥ 65520) saturate to
 * ±65504: a codec must never turn a finite model into a non-finite one.
 */

/** largest finite half, as bits (65504) */
export const HALF_MAX_BITS = 0x7bff

/** exponent field all ones: ±Infinity or NaN */
export const HALF_EXP_MASK = 0x7c00

/** Half bits of a finite float32 given by its bits. */
export function halfFromF32Bits (f: number): number {
  const sign = (f >>> 16) & 0x8000
  const abs = f & 0x7fffffff
  // 0x477ff000 is 65520 = 65504 + half an ulp: the tie that IEEE rounds (to even) up to Infinity
  if (abs >= 0x477ff000) return sign | HALF_MAX_BITS
  if (abs >= 0x38800000) {
    // normal half (≥ 2^-14): rebias the exponent (127 → 15, i.e. minus 112 << 23) and drop 13 mantissa bits;
    // a carry out of the mantissa correctly bumps the exponent
    let h = (abs - 0x38000000) >>> 13
    const rem = abs & 0x1fff
    if (rem > 0x1000 || (rem === 0x1000 && (h & 1) !== 0)) h++
    return sign | h
  }
  // below 2^-25 everything rounds to zero (2^-25 itself is a tie and goes to the even 0)
  if (abs < 0x33000000) return sign
  // subnormal half: count of 2^-24 units = mantissa with its hidden bit, shifted by (126 - exponent), 14..24
  const shift = 126 - (abs >>> 23)
  const mant = (abs & 0x7fffff) | 0x800000
  let h = mant >>> shift
  const rem = mant & ((1 << shift) - 1)
  const tie = 1 << (shift - 1)
  if (rem > tie || (rem === tie && (h & 1) !== 0)) h++
  return sign | h
}

let table: Float32Array | undefined

/** All 65,536 half values as float32 (NaN/±Infinity included), built on first use: 256 KiB. */
export function halfTable (): Float32Array {
  if (table !== undefined) return table
  const t = new Float32Array(65536)
  for (let h = 0; h < 65536; h++) {
    const exp = (h >>> 10) & 0x1f
    const man = h & 0x3ff
    let v: number
    if (exp === 0) v = man * 2 ** -24
    else if (exp === 0x1f) v = man === 0 ? Infinity : NaN
    else v = (1024 + man) * 2 ** (exp - 25)
    t[h] = (h & 0x8000) !== 0 ? -v : v
  }
  table = t
  return t
}
