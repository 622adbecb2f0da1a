import assert from 'node:assert/strict'
import fc from 'fast-check'
import { parseCodec } from '../../../lib/compress/index.ts'
import { TopkScratch, selectTopk } from '../../../lib/compress/select.ts'
import { createRng } from '../../../lib/random/index.ts'
import type { Rng } from '../../../lib/random/index.ts'
import { assertThrowsNamed } from './helpers.ts'
import { PreviousTopk } from './topk-previous.ts'

/** fixed fast-check seed: the same cases on every run and machine (change it to explore new ones) */
const RUN = { seed: 0x746f706b, numRuns: 200 }

/** awkward float32 values: signed zeros, subnormals, ties of either sign, the extremes */
const AWKWARD = [0, -0, 1e-45, -1e-45, 1.5e-39, 1, -1, 2.5, -2.5, 3, 3.4028234663852886e38, -3.4028234663852886e38]

const smallVectors = fc.oneof(
  fc.float32Array({ minLength: 1, maxLength: 200, noNaN: true, noDefaultInfinity: true }),
  fc.array(fc.constantFrom(...AWKWARD), { minLength: 1, maxLength: 200 }).map((a) => Float32Array.from(a))
)

/** k in [1, n], with k = 1 and k = n drawn often */
function withK (x: Float32Array): fc.Arbitrary<[Float32Array, number]> {
  return fc.oneof(fc.constant(1), fc.constant(x.length), fc.integer({ min: 1, max: x.length })).map((k) => [x, k])
}

function chosen (bits: Uint32Array, k: number, scratch: TopkScratch): number[] | number {
  const out = new Uint32Array(k)
  const got = selectTopk(bits, k, out, scratch)
  return got >= 0 ? got : Array.from(out)
}

function previousChosen (x: Float32Array, k: number): number[] | number {
  const got = new PreviousTopk().select(x, k)
  return typeof got === 'number' ? got : Array.from(got.subarray(0, k))
}

const bitsOf = (x: Float32Array): Uint32Array => new Uint32Array(x.buffer, x.byteOffset, x.length)

/** Vectors of model size with a shape fast-check picks: the sampled path's estimate meets each of them. */
type Shape = 'gaussian' | 'quantized' | 'levels' | 'zeros' | 'ascending' | 'spikes' | 'constant'
const SHAPES: Shape[] = ['gaussian', 'quantized', 'levels', 'zeros', 'ascending', 'spikes', 'constant']

function build (shape: Shape, d: number, rng: Rng): Float32Array {
  const x = new Float32Array(d)
  for (let i = 0; i < d; i++) {
    switch (shape) {
      case 'gaussian': x[i] = rng.normal() * 1e-3; break
      case 'quantized': x[i] = Math.round(rng.normal() * 64) / 64; break // ties at T, few enough for the sampled path
      case 'levels': x[i] = rng.int(9) - 4; break // magnitudes 0..4: every threshold is a tie
      case 'zeros': x[i] = rng.int(10) === 0 ? rng.normal() : (rng.int(2) === 0 ? 0 : -0); break
      case 'ascending': x[i] = (i % 2 === 0 ? 1 : -1) * i / d; break
      case 'spikes': x[i] = rng.int(1000) === 0 ? 1e6 * rng.normal() : rng.normal() * 1e-30; break
      case 'constant': x[i] = -0.25; break
    }
  }
  return x
}

const FRACTIONS = ['1e-6', '0.001', '0.01', '0.1', '0.3', '1']

describe('lib/compress top-k: the sampled-threshold selection matches the previous radix select exactly', () => {
  it('on small vectors with ties, signed zeros and subnormals, k = 1 ... n, both paths (fast-check)', () => {
    fc.assert(fc.property(smallVectors.chain(withK), ([x, k]) => {
      const expected = previousChosen(x, k)
      assert.deepEqual(chosen(bitsOf(x), k, new TopkScratch()), expected)
      assert.deepEqual(chosen(bitsOf(x), k, new TopkScratch({ sampledFrom: 1 })), expected)
    }), RUN)
  })

  it('writes the same payload bytes as the previous encoder, and decodes them the same, at model sizes (fast-check)', () => {
    const sizes = fc.integer({ min: 1 << 15, max: 90_000 })
    fc.assert(fc.property(fc.constantFrom(...SHAPES), sizes, fc.constantFrom(...FRACTIONS), fc.integer({ min: 0, max: 0xffffffff }), (shape, d, f, seed) => {
      const x = build(shape, d, createRng(seed))
      const codec = parseCodec(`topk:${f}`)
      const k = Math.max(1, Math.ceil(Number(f) * d - 1e-9))
      const previous = new PreviousTopk()
      const bytes = codec.encode(x, createRng(1))
      assert.deepEqual(bytes, previous.encode(x, k), `${shape}, d = ${d}, f = ${f}`)
      const mine = new Float32Array(d).fill(0.5)
      const theirs = new Float32Array(d).fill(0.5)
      codec.addDecoded(bytes, d, mine, -3)
      previous.addDecoded(bytes, d, theirs, -3)
      assert.deepEqual(mine, theirs)
    }), { seed: RUN.seed, numRuns: 60 })
  })

  it('answers from the sample on a Gaussian vector and falls back to the full select when ties flood the candidates', () => {
    const rng = createRng(31)
    const scratch = new TopkScratch()
    const gaussian = build('gaussian', 200_000, rng)
    assert.deepEqual(chosen(bitsOf(gaussian), 2000, scratch), previousChosen(gaussian, 2000))
    assert.equal(scratch.fallbacks, 0)
    const constant = build('constant', 200_000, rng)
    assert.deepEqual(chosen(bitsOf(constant), 2000, scratch), previousChosen(constant, 2000))
    assert.equal(scratch.fallbacks, 1)
  })

  it('reports the first non-finite entry of a large vector, wherever the sample landed', () => {
    const rng = createRng(32)
    const d = 100_000
    for (const [at, bad] of [[0, NaN], [77_777, Infinity], [d - 1, -Infinity]] as const) {
      const x = build('gaussian', d, rng)
      x[at] = bad
      if (at < d - 1) x[d - 1] = NaN // a later one must not be the one reported
      assert.equal(selectTopk(bitsOf(x), 1000, new Uint32Array(1000), new TopkScratch()), at)
      assertThrowsNamed(() => parseCodec('topk:0.01').encode(x, rng), 'NonFiniteInputError')
    }
  })

  it('a non-finite vector of all-equal entries (every path missed) still reports the first bad index', () => {
    const x = new Float32Array(50_000).fill(1)
    x[123] = NaN
    x[40_000] = Infinity
    assert.equal(selectTopk(bitsOf(x), 10, new Uint32Array(10), new TopkScratch()), 123)
  })
})
