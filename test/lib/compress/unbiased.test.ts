import assert from 'node:assert/strict'
import { parseCodec, unbiasedVariance } from '../../../lib/compress/index.ts'
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

describe('lib/compress unbiasedVariance: E‖Q(x) − x‖² ≤ ω‖x‖², the ω by which CHOCO-SGD rescales', () => {
  /** the mean of ‖Q(x) − x‖² over DRAWS encodes, over ‖x‖² */
  function errorRatio (spec: string, x: Float32Array, seed: number): number {
    const codec = parseCodec(spec)
    const rng = createRng(seed)
    let sum = 0
    for (let n = 0; n < DRAWS; n++) {
      const y = codec.decode(codec.encode(x, rng), x.length)
      for (let i = 0; i < x.length; i++) sum += (y[i] - x[i]) ** 2
    }
    return sum / DRAWS / x.reduce((s, v) => s + v * v, 0)
  }

  it('randk: ω = d/k − 1 exactly (the mean error ratio within 10 % of it)', () => {
    const x = Float32Array.from({ length: 40 }, (_, i) => Math.sin(i + 1))
    for (const [spec, k] of [['randk:0.1', 4], ['randk:0.5', 20], ['randk:0.26', 11]] as const) {
      const omega = unbiasedVariance(spec, 40)
      assert.equal(omega, 40 / k - 1, spec)
      const ratio = errorRatio(spec, x, 3)
      assert.ok(Math.abs(ratio - omega) < 0.1 * omega, `${spec}: measured ${ratio}, ω ${omega}`)
    }
  })

  it('qsgd: min(d/s², √d/s) bounds the mean error ratio, for spread and for spiky vectors', () => {
    const spread = Float32Array.from({ length: 64 }, (_, i) => Math.cos(3 * i))
    const spiky = Float32Array.from({ length: 64 }, (_, i) => (i === 5 ? 10 : 0.01 * (i % 3)))
    for (const s of [1, 2, 8]) {
      const omega = unbiasedVariance(`qsgd:${s}`, 64)
      assert.equal(omega, Math.min(64 / (s * s), 8 / s))
      for (const x of [spread, spiky]) assert.ok(errorRatio(`qsgd:${s}`, x, s) <= omega, `qsgd:${s}: ω ${omega}`)
    }
  })

  it('0 for lossless and contractive codecs; ef(...) is judged by what it wraps', () => {
    for (const spec of ['none', 'fp16', 'sign', 'topk:0.1']) assert.equal(unbiasedVariance(spec, 100), 0, spec)
    assert.equal(unbiasedVariance('ef(randk:0.5)', 100), 1)
  })
})
