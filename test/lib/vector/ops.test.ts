import assert from 'node:assert/strict'
import fc from 'fast-check'
import {
  copy, fill, scale, axpy, axpby, sub, dot, norm2sq, dist2sq, allFinite, mean, meanAndSpread, linearCombination
} from '../../../lib/vector/index.ts'
import { createRng } from '../../../lib/random/index.ts'

const FC = { seed: 20240601, numRuns: 200 }

/** finite float32 arrays of a fixed length, moderate magnitude so float64 references are exact enough */
function vec (len: number): fc.Arbitrary<Float32Array> {
  return fc.float32Array({ minLength: len, maxLength: len, min: -1e3, max: 1e3, noNaN: true, noDefaultInfinity: true })
}

function randomVec (d: number, seed: number): Float32Array {
  const r = createRng(seed); const x = new Float32Array(d)
  for (let i = 0; i < d; i++) x[i] = r.normal()
  return x
}

describe('lib/vector', () => {
  it('copy, fill, scale, sub do what they say coordinate by coordinate', () => {
    const x = randomVec(37, 1); const y = new Float32Array(37)
    copy(y, x)
    assert.deepEqual(y, x)
    scale(y, 2)
    for (let i = 0; i < 37; i++) assert.equal(y[i], Math.fround(2 * x[i]))
    const z = new Float32Array(37)
    sub(z, y, x)
    for (let i = 0; i < 37; i++) assert.equal(z[i], Math.fround(y[i] - x[i]))
    fill(z, 3.5)
    assert.ok(z.every((v) => v === 3.5))
  })

  it('axpy and axpby match a float64 reference to float32 rounding', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 64 }).chain((n) => fc.tuple(vec(n), vec(n))), fc.double({ min: -4, max: 4, noNaN: true }), fc.double({ min: -4, max: 4, noNaN: true }),
      ([x, y0], a, b) => {
        const y = y0.slice()
        axpy(y, a, x)
        for (let i = 0; i < x.length; i++) assert.equal(y[i], Math.fround(y0[i] + a * x[i]))
        const z = y0.slice()
        axpby(z, a, x, b)
        for (let i = 0; i < x.length; i++) assert.equal(z[i], Math.fround(a * x[i] + b * y0[i]))
      }), FC)
  })

  it('dot, norm2sq and dist2sq are float64 sums; ‖x−y‖² = ‖x‖² − 2x·y + ‖y‖²', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 64 }).chain((n) => fc.tuple(vec(n), vec(n))), ([x, y]) => {
      let ref = 0
      for (let i = 0; i < x.length; i++) ref += x[i] * y[i]
      assert.equal(dot(x, y), ref)
      const lhs = dist2sq(x, y)
      const rhs = norm2sq(x) - 2 * dot(x, y) + norm2sq(y)
      assert.ok(Math.abs(lhs - rhs) <= 1e-9 * (norm2sq(x) + norm2sq(y) + 1), `${lhs} vs ${rhs}`)
      assert.ok(lhs >= 0)
    }), FC)
  })

  it('reductions keep float64 precision where float32 accumulation would not', () => {
    const x = new Float32Array(1 << 20).fill(0.1)
    const exact = (1 << 20) * Math.fround(0.1) * Math.fround(0.1)
    assert.ok(Math.abs(norm2sq(x) - exact) / exact < 1e-10)
    let f32 = Math.fround(0)
    for (let i = 0; i < x.length; i++) f32 = Math.fround(f32 + Math.fround(x[i] * x[i]))
    assert.ok(Math.abs(f32 - exact) / exact > 1e-4, 'the float32 reference should be visibly off')
  })

  it('allFinite finds a single NaN or ±Infinity anywhere, including past the first block', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 5000 }), fc.nat(), fc.constantFrom(NaN, Infinity, -Infinity), (n, at, bad) => {
      const x = randomVec(n, n)
      assert.equal(allFinite(x), true)
      x[at % n] = bad
      assert.equal(allFinite(x), false)
    }), { ...FC, numRuns: 60 })
  })

  it('mean and meanAndSpread agree with a float64 reference; spread = (1/m)Σ‖x_k − x̄‖²', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 5000 }), fc.nat(), (m, d, seed) => {
      const xs = Array.from({ length: m }, (_, k) => randomVec(d, seed + k))
      const out = new Float32Array(d); const out2 = new Float32Array(d)
      mean(xs, out)
      const spread = meanAndSpread(xs, out2)
      let ref = 0
      for (let i = 0; i < d; i++) {
        let s = 0
        for (const x of xs) s += x[i]
        const mu = s / m
        assert.equal(out[i], Math.fround(mu))
        assert.equal(out2[i], Math.fround(mu))
        for (const x of xs) ref += (x[i] - mu) ** 2
      }
      ref /= m
      assert.ok(Math.abs(spread - ref) <= 1e-12 * (ref + 1), `${spread} vs ${ref}`)
    }), { ...FC, numRuns: 40 })
  })

  it('meanAndSpread is not floored by float32 rounding of the mean (tiny spreads are measured)', () => {
    const d = 1000; const base = randomVec(d, 9)
    for (let i = 0; i < d; i++) base[i] += 100
    const a = base.slice(); const b = base.slice()
    a[0] = Math.fround(a[0] + 2 ** -16) // one ulp-scale difference at magnitude 100
    const spread = meanAndSpread([a, b], new Float32Array(d))
    const diff = a[0] - b[0]
    assert.equal(spread, diff * diff / 4)
  })

  it('linearCombination equals the float64 sum for 1..9 inputs (fused and blocked paths)', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 4100 }), fc.nat(), (m, d, seed) => {
      const xs = Array.from({ length: m }, (_, k) => randomVec(d, seed * 7 + k))
      const r = createRng(seed); const c = Array.from({ length: m }, () => r.next())
      const out = new Float32Array(d)
      linearCombination(out, c, xs)
      for (let i = 0; i < d; i++) {
        let s = 0
        for (let k = 0; k < m; k++) s += c[k] * xs[k][i]
        assert.equal(out[i], Math.fround(s))
      }
    }), { ...FC, numRuns: 60 })
  })

  it('throws DimensionMismatchError on unequal lengths', () => {
    const a = new Float32Array(3); const b = new Float32Array(4)
    for (const f of [() => copy(a, b), () => axpy(a, 1, b), () => axpby(a, 1, b, 1), () => dot(a, b), () => dist2sq(a, b),
      () => sub(a, a, b), () => mean([a, b], a), () => meanAndSpread([], a), () => linearCombination(a, [1], [b]),
      () => linearCombination(a, [], [a])]) {
      assert.throws(f, (err: Error) => err.name === 'DimensionMismatchError')
    }
  })
})
