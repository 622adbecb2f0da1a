import type { Codec } from './types.ts'
import { HEADER_BYTES, TAG } from './constants.ts'
import { InvalidPayloadError, NonFiniteInputError } from './errors.ts'
import { bitsOf, readF32, readU32, writeF32, writeU32 } from './bytes.ts'
import { allocPayload, expectLength, readHeader } from './header.ts'
import { makeCodec, throwNonFinite } from './codec.ts'

/** 2^-32: a u32 draw times this is uniform in [0, 1) */
const TWO_POW_M32 = 2 ** -32

/** entries quantized per block before packing: a fixed 16 KiB scratch per codec instance */
const BLOCK = 4096

/** body before the packed entries: ‖x‖₂ as float32, then s as u32 */
const QSGD_FIXED = 8

/** bits of one packed entry: a sign bit and ceil(log2(s + 1)) level bits (the bit length of s) */
export function qsgdEntryBits (s: number): number {
  return 1 + (32 - Math.clz32(s))
}

export function qsgdBytes (s: number, d: number): number {
  return HEADER_BYTES + QSGD_FIXED + Math.ceil((d * qsgdEntryBits(s)) / 8)
}

/**
 * QSGD (Alistarh et al. 2017, "QSGD: Communication-Efficient SGD via Gradient Quantization", eq. 1):
 * Q_s(x)_i = ‖x‖₂ · sgn(x_i) · ξ_i / s with ξ_i = l + 1 with probability |x_i| s / ‖x‖₂ − l, else l, where
 * l = floor(|x_i| s / ‖x‖₂). E[Q_s(x)] = x. The norm is rounded *up* to float32 so every |x_i| / norm ≤ 1;
 * the decoder uses the same float32 norm, so the estimate stays unbiased.
 * Entries are packed LSB-first, each (level << 1) | sign with sign = 1 for a negative x_i and level > 0.
 * One uniform draw from the caller's rng per entry, in index order.
 */
export function qsgdCodec (s: number): Codec {
  const spec = `qsgd:${s}`
  const b = qsgdEntryBits(s)
  const mask = (1 << b) - 1
  const codes = new Uint32Array(BLOCK)
  return makeCodec({
    spec,
    lossless: false,
    encode (x, rng) {
      const d = x.length
      let sumsq = 0
      for (let i = 0; i < d; i++) sumsq += x[i] * x[i]
      if (!Number.isFinite(sumsq)) throwNonFinite(x, spec)
      const norm = roundUpToF32(Math.sqrt(sumsq))
      if (norm === Infinity) throw new NonFiniteInputError(-1, `${spec}: expected a vector whose 2-norm fits float32, got ${Math.sqrt(sumsq)}`)
      const bytes = allocPayload(qsgdBytes(s, d), TAG.qsgd, 0, d)
      writeF32(bytes, HEADER_BYTES, norm)
      writeU32(bytes, HEADER_BYTES + 4, s)
      if (norm === 0) return bytes
      const scale = s / norm
      const bits = bitsOf(x)
      // two tight loops per block (quantize, then pack) run faster than one loop doing both
      let p = HEADER_BYTES + QSGD_FIXED
      let acc = 0
      let nbits = 0
      for (let block = 0; block < d; block += BLOCK) {
        const n = Math.min(BLOCK, d - block)
        for (let j = 0; j < n; j++) {
          const i = block + j
          // floor(r + u), u uniform in [0, 1), is l + 1 with probability r − l: the stochastic rounding of
          // eq. 1 without a data-dependent branch (| 0 is the floor: the sum is non-negative, below 2^31)
          let level = (Math.abs(x[i]) * scale + rng.nextU32() * TWO_POW_M32) | 0
          // r exceeds s by at most an ulp (rounding of s / norm) for the largest entry
          level = level > s ? s : level
          // the sign bit, kept only for a non-zero level ((-level) >>> 31 is 1 exactly when level > 0)
          codes[j] = (level << 1) | ((bits[i] >>> 31) & ((-level) >>> 31))
        }
        // entries accumulate LSB-first in a 32-bit word, flushed as 4 little-endian bytes when full
        for (let j = 0; j < n; j++) {
          const code = codes[j]
          acc |= code << nbits
          nbits += b
          if (nbits >= 32) {
            bytes[p] = acc
            bytes[p + 1] = acc >>> 8
            bytes[p + 2] = acc >>> 16
            bytes[p + 3] = acc >>> 24
            p += 4
            nbits -= 32
            acc = code >>> (b - nbits)
          }
        }
      }
      for (; nbits > 0; nbits -= 8) { bytes[p++] = acc; acc >>>= 8 }
      return bytes
    },
    read (bytes, d, target, alpha, overwrite) {
      readHeader(bytes, TAG.qsgd, spec, d, 0)
      expectLength(bytes, qsgdBytes(s, d), spec)
      const norm = readF32(bytes, HEADER_BYTES)
      if (!Number.isFinite(norm)) throw new InvalidPayloadError('non-finite', `${spec}: expected a finite norm, got ${norm}`)
      if (norm < 0) throw new InvalidPayloadError('value', `${spec}: expected a norm >= 0, got ${norm}`)
      const levels = readU32(bytes, HEADER_BYTES + 4)
      if (levels !== s) throw new InvalidPayloadError('parameter', `${spec}: expected s = ${s}, payload says ${levels}`)
      const start = HEADER_BYTES + QSGD_FIXED
      // pass 1: every level within s and the padding bits of the last byte zero, before touching out
      let p = start
      let acc = 0
      let nbits = 0
      let maxLevel = 0
      for (let i = 0; i < d; i++) {
        while (nbits < b) { acc |= bytes[p++] << nbits; nbits += 8 }
        const level = (acc & mask) >>> 1
        if (level > maxLevel) maxLevel = level
        acc >>>= b
        nbits -= b
      }
      if (maxLevel > s) throw new InvalidPayloadError('level', `${spec}: expected levels <= ${s}, got ${maxLevel}`)
      if (acc !== 0) throw new InvalidPayloadError('value', `${spec}: expected zero padding bits, got 0x${acc.toString(16)}`)
      const out = target()
      const unit = norm / s
      p = start
      acc = 0
      nbits = 0
      for (let i = 0; i < d; i++) {
        while (nbits < b) { acc |= bytes[p++] << nbits; nbits += 8 }
        const code = acc & mask
        acc >>>= b
        nbits -= b
        // the decoded entry is a float32; addDecoded adds alpha times exactly that value
        const v = Math.fround((code >>> 1) * unit)
        const signed = (code & 1) !== 0 ? -v : v
        if (overwrite) out[i] = signed
        else out[i] += alpha * signed
      }
      return out
    }
  })
}

const f32 = new Float32Array(1)
const u32 = new Uint32Array(f32.buffer)

/** The smallest float32 ≥ v (v ≥ 0 and finite), or Infinity when v exceeds the float32 range. */
function roundUpToF32 (v: number): number {
  f32[0] = v
  if (f32[0] >= v) return f32[0]
  u32[0]++
  return f32[0]
}
