import assert from 'node:assert/strict'
import fc from 'fast-check'
import { canonicalAggregate, createAggregator, parseAggregateRule } from '../../../lib/algorithms/index.ts'
import { createRng } from '../../../lib/random/index.ts'
import { linearCombination } from '../../../lib/vector/index.ts'

/** self + m neighbours of dimension d, seeded; weights a Metropolis-like row (self and neighbours sum to 1) */
function instance (seed: number, m: number, d: number, spread = 1): { self: Float32Array, vectors: Float32Array[], selfWeight: number, weights: number[] } {
  const rng = createRng(seed)
  const self = new Float32Array(d)
  for (let i = 0; i < d; i++) self[i] = rng.normal()
  const vectors: Float32Array[] = []
  const weights: number[] = []
  let used = 0
  for (let j = 0; j < m; j++) {
    const v = new Float32Array(d)
    for (let i = 0; i < d; i++) v[i] = self[i] + spread * rng.normal()
    vectors.push(v)
    const w = 1 / (1 + m + rng.int(3))
    weights.push(w)
    used += w
  }
  return { self, vectors, selfWeight: 1 - used, weights }
}

function norm (a: Float32Array, b: Float32Array): number {
  let s = 0
  for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2
  return Math.sqrt(s)
}

function maxAbsDiff (a: Float32Array, b: Float32Array): number {
  let m = 0
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]))
  return m
}

function weightedMean (x: ReturnType<typeof instance>): Float32Array {
  const out = new Float32Array(x.self.length)
  linearCombination(out, [x.selfWeight, ...x.weights], [x.self, ...x.vectors])
  return out
}

const cases = fc.record({ seed: fc.integer({ min: 0, max: 1e6 }), m: fc.integer({ min: 0, max: 9 }), d: fc.integer({ min: 1, max: 40 }) })

describe('lib/algorithms aggregate: specs', () => {
  it('parses and canonicalises every form', () => {
    assert.deepEqual(parseAggregateRule('mean'), { kind: 'mean' })
    assert.deepEqual(parseAggregateRule('clip:0.5'), { kind: 'clip', tau: 0.5 })
    assert.deepEqual(parseAggregateRule('clip:auto'), { kind: 'clip-auto', fraction: 0.25 })
    assert.deepEqual(parseAggregateRule('clip:auto:0.4'), { kind: 'clip-auto', fraction: 0.4 })
    assert.deepEqual(parseAggregateRule('trimmed:2'), { kind: 'trimmed', b: 2 })
    assert.equal(canonicalAggregate(' CLIP:auto:0.25 '), 'clip:auto')
    assert.equal(canonicalAggregate('clip:1e-1'), 'clip:0.1')
  })

  for (const spec of ['', 'median', 'clip', 'clip:0', 'clip:-1', 'clip:inf', 'clip:auto:0', 'clip:auto:1', 'trimmed:-1', 'trimmed:1.5', 'trimmed:', 'mean:1']) {
    it(`rejects ${JSON.stringify(spec)} naming the field`, () => {
      assert.throws(() => parseAggregateRule(spec), (err: Error & { field?: string }) => err.name === 'InvalidAlgorithmConfigError' && err.field === 'aggregate')
    })
  }
})

describe('lib/algorithms aggregate: laws (fast-check)', () => {
  it('mean is the weighted sum of the mixing step, bit for bit', () => {
    const agg = createAggregator('mean')
    fc.assert(fc.property(cases, ({ seed, m, d }) => {
      const x = instance(seed, m, d)
      const out = new Float32Array(d)
      assert.equal(agg.combine(out, x.self, x.selfWeight, x.weights, x.vectors), true)
      assert.deepEqual(out, weightedMean(x))
    }), { seed: 1, numRuns: 200 })
  })

  it('clip with τ = ∞ equals mean (bit for bit: nothing is clipped, the coefficients are the same)', () => {
    const agg = createAggregator({ kind: 'clip', tau: Infinity })
    fc.assert(fc.property(cases, ({ seed, m, d }) => {
      const x = instance(seed, m, d)
      const out = new Float32Array(d)
      agg.combine(out, x.self, x.selfWeight, x.weights, x.vectors)
      assert.deepEqual(out, weightedMean(x))
      assert.equal(agg.last.clipped, 0)
    }), { seed: 2, numRuns: 200 })
  })

  it('clip with a τ above every distance equals mean within 1e-6', () => {
    const agg = createAggregator('clip:1000')
    fc.assert(fc.property(cases, ({ seed, m, d }) => {
      const x = instance(seed, m, d)
      const out = new Float32Array(d)
      agg.combine(out, x.self, x.selfWeight, x.weights, x.vectors)
      assert.ok(maxAbsDiff(out, weightedMean(x)) <= 1e-6)
    }), { seed: 3, numRuns: 100 })
  })

  it('trimmed with B = 0 equals the weighted mean', () => {
    const agg = createAggregator('trimmed:0')
    fc.assert(fc.property(cases, ({ seed, m, d }) => {
      const x = instance(seed, m, d)
      const out = new Float32Array(d)
      agg.combine(out, x.self, x.selfWeight, x.weights, x.vectors)
      assert.deepEqual(out, weightedMean(x))
    }), { seed: 4, numRuns: 100 })
  })

  it('a single outlier of any size moves clip:τ by at most W_ij·τ', () => {
    fc.assert(fc.property(cases, fc.double({ min: 1e-3, max: 10, noNaN: true }), fc.double({ min: -1e30, max: 1e30, noNaN: true }), ({ seed, m, d }, tau, size) => {
      if (m === 0) return
      const agg = createAggregator({ kind: 'clip', tau })
      const x = instance(seed, m, d)
      const j = seed % m
      // the outlier's term vanishes when it sends x_i itself: compare with that
      const base = new Float32Array(d)
      x.vectors[j] = x.self.slice()
      agg.combine(base, x.self, x.selfWeight, x.weights, x.vectors)
      const far = x.self.slice()
      for (let i = 0; i < d; i++) far[i] += size * (i % 2 === 0 ? 1 : -0.5)
      x.vectors[j] = far
      const out = new Float32Array(d)
      assert.equal(agg.combine(out, x.self, x.selfWeight, x.weights, x.vectors), true)
      // float32 rounding of each coordinate adds at most a few ulps of the values involved
      assert.ok(norm(out, base) <= x.weights[j] * tau * (1 + 1e-6) + 1e-5 * Math.sqrt(d), `moved ${norm(out, base)} > ${x.weights[j] * tau}`)
    }), { seed: 5, numRuns: 200 })
  })

  it('every rule gives finite output for finite input, even with huge outliers', () => {
    const specs = ['mean', 'clip:0.5', 'clip:auto', 'clip:auto:0.5', 'trimmed:1', 'trimmed:3']
    fc.assert(fc.property(cases, fc.constantFrom(...specs), fc.double({ min: -3e38, max: 3e38, noNaN: true }), ({ seed, m, d }, spec, big) => {
      const x = instance(seed, m, d)
      if (m > 0) x.vectors[0].fill(Math.fround(big))
      const out = new Float32Array(d)
      const agg = createAggregator(spec)
      // mean of float32 values near ±3e38 may overflow to ±Infinity when summed with others only in float32: not here (float64 sums)
      assert.equal(agg.combine(out, x.self, x.selfWeight, x.weights, x.vectors), true)
      for (const v of out) assert.ok(Number.isFinite(v))
    }), { seed: 6, numRuns: 200 })
  })

  it('every rule reports a non-finite input (NaN, ±Infinity) as false, so the caller can drop and count it', () => {
    for (const spec of ['mean', 'clip:0.5', 'clip:auto', 'trimmed:1']) {
      for (const bad of [NaN, Infinity, -Infinity]) {
        const x = instance(7, 4, 10)
        x.vectors[2][3] = bad
        assert.equal(createAggregator(spec).combine(new Float32Array(10), x.self, x.selfWeight, x.weights, x.vectors), false, `${spec} ${bad}`)
      }
    }
  })
})

describe('lib/algorithms aggregate: clip:auto (the adaptive radius)', () => {
  it('clips the farthest neighbours up to a quarter of the neighbour weight, τ = the next distance', () => {
    // seven neighbours of weight 1/8 at distances 1..7 along one axis: a quarter of 7/8 takes two of them
    const d = 3
    const self = new Float32Array(d)
    const vectors = [1, 7, 2, 6, 3, 5, 4].map((r) => Float32Array.from([r, 0, 0]))
    const weights = vectors.map(() => 1 / 8)
    const agg = createAggregator('clip:auto')
    const out = new Float32Array(d)
    agg.combine(out, self, 1 / 8, weights, vectors)
    assert.equal(agg.last.clipped, 2)
    assert.equal(agg.last.tau, 5)
    // (1 + 2 + 3 + 4 + 5 + 5 + 5) / 8
    assert.ok(Math.abs(out[0] - 25 / 8) < 1e-6)
  })

  it('never clips a single neighbour (as the reference) and leaves at least one unclipped', () => {
    const agg = createAggregator('clip:auto:0.99')
    const out = new Float32Array(1)
    agg.combine(out, new Float32Array(1), 0.5, [0.5], [Float32Array.from([10])])
    assert.equal(agg.last.clipped, 0)
    assert.equal(out[0], 5)
    agg.combine(out, new Float32Array(1), 0.2, [0.4, 0.4], [Float32Array.from([10]), Float32Array.from([2])])
    assert.equal(agg.last.clipped, 1)
    assert.equal(agg.last.tau, 2)
  })

  it('an outlier of any size pulls by at most its weight times the largest honest distance', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 1e6 }), fc.integer({ min: 4, max: 9 }), fc.double({ min: 1, max: 1e30, noNaN: true }), (seed, m, size) => {
      const x = instance(seed, m, 16)
      let honestMax = 0
      for (const v of x.vectors) honestMax = Math.max(honestMax, norm(v, x.self))
      const outlier = x.self.map((v, i) => v + (i === 0 ? size : 0))
      const vectors = [...x.vectors, outlier]
      const weights = [...x.weights.map((w) => w * 0.9), 0.1]
      const selfWeight = 1 - weights.reduce((a, b) => a + b, 0)
      const out = new Float32Array(16)
      const agg = createAggregator('clip:auto')
      agg.combine(out, x.self, selfWeight, weights, vectors)
      assert.ok(agg.last.tau <= honestMax * (1 + 1e-9), 'τ is an honest distance')
      let bound = 0.1 * honestMax
      for (let j = 0; j < m; j++) bound += weights[j] * norm(x.vectors[j], x.self)
      assert.ok(norm(out, x.self) <= bound * (1 + 1e-5) + 1e-5)
    }), { seed: 8, numRuns: 100 })
  })
})

describe('lib/algorithms aggregate: trimmed mean', () => {
  it('drops the B largest and smallest values per coordinate and renormalises the weights of the rest', () => {
    const agg = createAggregator('trimmed:1')
    const out = new Float32Array(2)
    const self = Float32Array.from([0, 5])
    const vectors = [Float32Array.from([1, -100]), Float32Array.from([2, 6]), Float32Array.from([1000, 7])]
    agg.combine(out, self, 0.25, [0.25, 0.25, 0.25], vectors)
    // coordinate 0: {0, 1, 2, 1000} → {1, 2}; coordinate 1: {5, −100, 6, 7} → {5, 6}
    assert.deepEqual([...out], [1.5, 5.5])
    assert.equal(agg.last.trimmed, 2)
  })

  it('lowers B so that at least one value remains', () => {
    const agg = createAggregator('trimmed:5')
    const out = new Float32Array(1)
    agg.combine(out, Float32Array.from([3]), 0.5, [0.25, 0.25], [Float32Array.from([-9]), Float32Array.from([9])])
    assert.equal(out[0], 3)
    assert.equal(agg.last.trimmed, 2)
  })
})
