import { createRng } from '../random/index.ts'
import type { Codec } from './types.ts'
import { HEADER_BYTES, TAG } from './constants.ts'
import { InvalidPayloadError, NonFiniteInputError } from './errors.ts'
import { f32Run, f32Window, readU32, writeU32 } from './bytes.ts'
import { allocPayload, expectLength, readHeader } from './header.ts'
import { assertFinite, checkFiniteValues, makeCodec, scatterSparse } from './codec.ts'
import { countOf } from './fraction.ts'
import type { Fraction } from './fraction.ts'
import { RadixScratch, radixSortU32 } from './sort.ts'

/** body before the values: the index seed (u32), then k (u32) */
const RANDK_FIXED = 8

export function randkBytes (k: number): number {
  return HEADER_BYTES + RANDK_FIXED + 4 * k
}

/**
 * Random-k sparsification (Stich et al. 2018, "Sparsified SGD with Memory", rand_k): k = max(1, ceil(f·d))
 * distinct coordinates drawn uniformly, so each is kept with probability k/d; the values are sent scaled by
 * d/k, which makes the decoded vector an unbiased estimate of x. Only a 32-bit seed travels: both ends
 * regenerate the index set from it (`sampleIndices`, specified in FORMAT.md).
 */
export function randkCodec (fraction: Fraction): Codec {
  const spec = `randk:${fraction.text}`
  const sampler = new IndexSampler()
  return makeCodec({
    spec,
    lossless: false,
    encode (x, rng) {
      assertFinite(x, spec)
      const d = x.length
      const k = countOf(fraction, d)
      const seed = rng.nextU32()
      const chosen = sampler.sample(seed, d, k)
      const bytes = allocPayload(randkBytes(k), TAG.randk, 0, d)
      writeU32(bytes, HEADER_BYTES, seed)
      writeU32(bytes, HEADER_BYTES + 4, k)
      const w = f32Window(bytes, HEADER_BYTES + RANDK_FIXED, k)
      const scale = d / k
      for (let j = 0; j < k; j++) w.values[j] = x[chosen[j]] * scale
      for (let j = 0; j < k; j++) {
        if (!Number.isFinite(w.values[j])) {
          throw new NonFiniteInputError(chosen[j], `${spec}: expected x[${chosen[j]}] · d/k to fit float32, got ${x[chosen[j]]} · ${scale}`)
        }
      }
      w.commit()
      return bytes
    },
    read (bytes, d, target, alpha, overwrite) {
      readHeader(bytes, TAG.randk, spec, d, 0)
      const k = countOf(fraction, d)
      expectLength(bytes, randkBytes(k), spec)
      const got = readU32(bytes, HEADER_BYTES + 4)
      if (got !== k) throw new InvalidPayloadError('parameter', `${spec}: expected k = ${k} for d = ${d}, payload says ${got}`)
      const values = f32Run(bytes, HEADER_BYTES + RANDK_FIXED, k)
      checkFiniteValues(values, spec)
      const chosen = sampler.sample(readU32(bytes, HEADER_BYTES), d, k)
      return scatterSparse(target(), chosen, values, k, alpha, overwrite)
    }
  })
}

/** Floyd's algorithm with reusable buffers: a membership mark per coordinate, cleared after each draw. */
class IndexSampler {
  private marks = new Uint8Array(0)
  private chosen = new Uint32Array(0)
  private readonly sort = new RadixScratch()

  /** The k indices of `sampleIndices(seed, d, k)`, increasing, in a buffer reused by the next call. */
  sample (seed: number, d: number, k: number): Uint32Array {
    if (this.marks.length < d) this.marks = new Uint8Array(d)
    if (this.chosen.length !== k) this.chosen = new Uint32Array(k)
    sampleIndices(seed, d, k, this.chosen, this.marks, this.sort)
    return this.chosen
  }
}

/**
 * k distinct indices of [0, d), uniformly among all k-subsets, by Floyd's algorithm (Bentley & Floyd 1987,
 * "A sample of brilliance"): for j = d − k, ..., d − 1 draw t = rng.int(j + 1); take t unless already taken,
 * else take j. rng is lib/random's xoshiro128** seeded with `seed`. The result is sorted increasing.
 * `marks` (length ≥ d, all zero) is left all zero; `sort` holds the sort's buffers.
 */
export function sampleIndices (seed: number, d: number, k: number, out: Uint32Array, marks: Uint8Array, sort: RadixScratch): void {
  const rng = createRng(seed)
  let m = 0
  for (let j = d - k; j < d; j++) {
    let t = rng.int(j + 1)
    if (marks[t] !== 0) t = j
    marks[t] = 1
    out[m++] = t
  }
  for (let i = 0; i < k; i++) marks[out[i]] = 0
  radixSortU32(out, k, d - 1, sort)
}
