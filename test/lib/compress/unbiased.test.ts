import assert from 'node:assert/strict'
import { parseCodec } from '../../../lib/compress/index.ts'
import { createRng } from '../../../lib/random/index.ts'
import type { Rng } from '../../../lib/random/index.ts'

const DRAWS = 2000

/** Coordinates whose sample mean of `draw()` misses x by more than 3 standard errors (estimated from the
 *  samples); a coordinate whose samples never vary must equal x exactly. */
function biasedCoordinates (x: Float32Array, draw: () => Float32Array): number[] {
  const d = x.length
  const sum = new Float64Array(d)
  const sumsq = new Float64Array(d)
  for (let n = 0; n < DRAWS; n++) {
    const y = draw()
    for (let i = 0; i < d; i++) { sum[i] += y[i]; sumsq[i] += y[i] * y[i] }
  }
  const bad: number[] = []
  for (let i = 0; i < d; i++) {
    const mean = sum[i] / DRAWS
    const variance = Math.max(0, sumsq[i] / DRAWS - mean * mean) * DRAWS / (DRAWS - 1)
    const se = Math.sqrt(variance / DRAWS)
    if (Math.abs(mean - x[i]) > Math.max(3 * se, 1e-6 * Math.abs(x[i]))) bad.push(i)
  }
  return bad
}

/** QSGD's rounding of |x_i| / ‖x‖ · s to a level, by the given rule: what a biased encoder would send. */
function qsgdVariant (x: Float32Array, s: number, round: (r: number, rng: Rng) => number, rng: Rng): Float32Array {
  const norm = Math.hypot(...x)
  return x.map((v) => Math.sign(v) * round(Math.abs(v) / norm * s, rng) * norm / s)
}

describe('lib/compress unbiasedness (mean of 2,000 encodes within 3 standard errors per coordinate)', () => {
  // entries between levels (norm ≈ 1.8, s = 2: level spacing ≈ 0.9), so rounding matters everywhere
  const x = Float32Array.from([0.3, -0.7, 1.1, -0.05, 0.9, 0.45, -1.25])

  it('qsgd:2 decodes to x on average', () => {
    const codec = parseCodec('qsgd:2')
    const rng = createRng(11)
    assert.deepEqual(biasedCoordinates(x, () => codec.decode(codec.encode(x, rng), x.length)), [])
  })

  it('qsgd:5 decodes to x on average', () => {
    const codec = parseCodec('qsgd:5')
    const rng = createRng(12)
    assert.deepEqual(biasedCoordinates(x, () => codec.decode(codec.encode(x, rng), x.length)), [])
  })

  it('the same check rejects deterministic (nearest, floor) and wrongly weighted stochastic rounding', () => {
    const rng = createRng(13)
    const nearest = biasedCoordinates(x, () => qsgdVariant(x, 2, (r) => Math.round(r), rng))
    const floor = biasedCoordinates(x, () => qsgdVariant(x, 2, (r) => Math.floor(r), rng))
    const coin = biasedCoordinates(x, () => qsgdVariant(x, 2, (r, g) => Math.floor(r) + (g.next() < 0.5 ? 1 : 0), rng))
    assert.ok(nearest.length >= 4, `nearest rounding flagged only ${nearest.length} coordinates`)
    assert.equal(floor.length, x.length)
    assert.ok(coin.length >= 4, `fair-coin rounding flagged only ${coin.length} coordinates`)
  })

  it('randk:0.3 decodes to x on average (values scaled by d/k)', () => {
    const y = Float32Array.from([0.5, -1, 2, 0.25, -0.75, 1.5, -2.5, 0.1, 3, -0.3])
    const codec = parseCodec('randk:0.3')
    const rng = createRng(14)
    assert.deepEqual(biasedCoordinates(y, () => codec.decode(codec.encode(y, rng), y.length)), [])
  })

  it('the same check rejects random-k without the d/k scale', () => {
    const y = Float32Array.from([0.5, -1, 2, 0.25, -0.75, 1.5, -2.5, 0.1, 3, -0.3])
    const codec = parseCodec('randk:0.3')
    const rng = createRng(15)
    const unscaled = biasedCoordinates(y, () => codec.decode(codec.encode(y, rng), y.length).map((v) => v * 0.3))
    assert.ok(unscaled.length >= 8, `unscaled random-k flagged only ${unscaled.length} coordinates`)
  })

  it('randk keeps every coordinate equally often (k/d), as Floyd sampling promises', () => {
    const d = 20
    const codec = parseCodec('randk:0.25')
    const rng = createRng(16)
    const ones = new Float32Array(d).fill(1)
    const hits = new Float64Array(d)
    for (let n = 0; n < DRAWS; n++) {
      const y = codec.decode(codec.encode(ones, rng), d)
      for (let i = 0; i < d; i++) if (y[i] !== 0) hits[i]++
    }
    const p = 0.25
    const se = Math.sqrt(p * (1 - p) / DRAWS)
    for (let i = 0; i < d; i++) assert.ok(Math.abs(hits[i] / DRAWS - p) <= 3.5 * se, `coordinate ${i} kept ${hits[i]} times`)
  })
})
