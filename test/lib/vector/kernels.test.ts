import assert from 'node:assert/strict'
import fc from 'fast-check'
import { allocFramed, allocVector, isKernelVector, linearCombination, meanAndSpread, sgdStep } from '../../../lib/vector/index.ts'
import { sgdStepJs } from '../../../lib/vector/sgd.ts'
import { FreeList } from '../../../lib/vector/free-list.ts'
import { createRng } from '../../../lib/random/index.ts'

const FC = { seed: 20240602, numRuns: 60 }
/** lengths around the kernels' pair loop (2 and 4 elements a step), odd tails and the 2048-element blocks */
const LENGTHS = [1, 2, 3, 4, 5, 6, 7, 9, 2047, 2048, 2049, 4099]

function fillNormal (x: Float32Array, seed: number, scale = 1): Float32Array {
  const r = createRng(seed)
  for (let i = 0; i < x.length; i++) x[i] = scale * r.normal()
  return x
}

/** m vectors of length d in kernel memory and the same values in ordinary arrays */
function pair (m: number, d: number, seed: number): { kernel: Float32Array[], plain: Float32Array[] } {
  const kernel = Array.from({ length: m }, (_, k) => fillNormal(allocVector(d), seed * 31 + k))
  return { kernel, plain: kernel.map((v) => v.slice()) }
}

function sameBits (a: Float32Array, b: Float32Array): boolean {
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length)
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length)
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false
  return true
}

describe('lib/vector kernels', () => {
  it('allocVector and allocFramed give zeroed kernel vectors, the values 8-aligned right after the header', () => {
    const x = allocVector(1001)
    assert.equal(isKernelVector(x), true)
    assert.equal(isKernelVector(new Float32Array(1001)), false)
    assert.ok(x.every((v) => v === 0))
    const { bytes, values } = allocFramed(5, 24)
    assert.equal(bytes.length, 24 + 20)
    assert.equal(values.byteOffset, bytes.byteOffset + 24)
    assert.equal(values.byteOffset % 8, 0)
    values[0] = 1
    assert.equal(new Float32Array(bytes.buffer, bytes.byteOffset + 24, 1)[0], 1)
    assert.equal(allocVector(0).length, 0)
  })

  it('refuses impossible allocations with InvalidAllocationError', () => {
    for (const f of [() => allocVector(-1), () => allocVector(1.5), () => allocFramed(4, 12), () => allocFramed(4, -8)]) {
      assert.throws(f, (err: Error) => err.name === 'InvalidAllocationError')
    }
  })

  it('linearCombination: the SIMD kernels and the JavaScript twins write identical bits (1..9 inputs, tails, blocks)', () => {
    for (const d of LENGTHS) {
      for (let m = 1; m <= 9; m++) {
        const { kernel, plain } = pair(m, d, d * 10 + m)
        const r = createRng(m + d); const c = Array.from({ length: m }, () => r.next() - 0.2)
        const fast = allocVector(d); const slow = new Float32Array(d)
        assert.equal(linearCombination(fast, c, kernel), true)
        assert.equal(linearCombination(slow, c, plain), true)
        assert.ok(sameBits(fast, slow), `d = ${d}, m = ${m}`)
        // and the float64 reference, rounded once
        for (let i = 0; i < d; i++) {
          let s = 0
          for (let k = 0; k < m; k++) s += c[k] * plain[k][i]
          assert.equal(slow[i], Math.fround(s))
        }
      }
    }
  })

  it('linearCombination returns false exactly when some output is NaN or ±∞ (float32 overflow included), on both paths', () => {
    fc.assert(fc.property(fc.constantFrom(...LENGTHS), fc.integer({ min: 1, max: 6 }), fc.nat(), fc.constantFrom(NaN, Infinity, -Infinity, 3e38), (d, m, at, bad) => {
      const { kernel, plain } = pair(m, d, at)
      const c = new Array<number>(m).fill(1)
      const i = at % d
      for (const xs of [kernel, plain]) {
        const out = xs === kernel ? allocVector(d) : new Float32Array(d)
        assert.equal(linearCombination(out, c, xs), true)
        // 3e38 in every input sums past float32's largest value (3.4e38) only when m ≥ 2
        for (const v of xs) v[i] = bad
        const finite = bad === 3e38 && m === 1
        assert.equal(linearCombination(out, c, xs), finite, `d = ${d}, m = ${m}, at ${i}, ${bad}`)
      }
    }), FC)
  })

  it('meanAndSpread: the SIMD kernels and the JavaScript twin give identical bits (mean and spread)', () => {
    for (const d of LENGTHS) {
      for (const m of [1, 2, 5, 9, 13, 20]) {
        const { kernel, plain } = pair(m, d, d + 100 * m)
        const a = new Float32Array(d); const b = new Float32Array(d)
        const fast = meanAndSpread(kernel, a)
        const slow = meanAndSpread(plain, b)
        assert.ok(Object.is(fast, slow), `d = ${d}, m = ${m}: ${fast} vs ${slow}`)
        assert.ok(sameBits(a, b), `mean, d = ${d}, m = ${m}`)
      }
    }
  })

  it('meanAndSpread measures a consensus distance 1e-12 of ‖x̄‖² to 1e-9, where E‖x‖² − ‖x̄‖² in float64 does not', () => {
    const d = 5000; const m = 16
    const centre = fillNormal(new Float32Array(d), 1)
    const { kernel, plain } = pair(m, d, 2)
    for (const xs of [kernel, plain]) {
      for (let k = 0; k < m; k++) {
        for (let i = 0; i < d; i++) xs[k][i] = Math.fround(centre[i] + 1e-6 * xs[k][i])
      }
    }
    // reference: two passes, deviations from the float64 mean of the stored float32 values
    let ref = 0; let naive = 0; let meanSq = 0
    for (let i = 0; i < d; i++) {
      let s = 0
      for (let k = 0; k < m; k++) s += plain[k][i]
      const mu = s / m
      meanSq += mu * mu
      for (let k = 0; k < m; k++) { ref += (plain[k][i] - mu) ** 2; naive += plain[k][i] * plain[k][i] }
    }
    ref /= m
    naive = naive / m - meanSq
    assert.ok(ref / meanSq < 1e-11, 'the spread is tiny compared with the mean')
    assert.ok(Math.abs(naive - ref) / ref > 1e-3, `the naive formula should be visibly off: ${naive} vs ${ref}`)
    for (const xs of [kernel, plain]) {
      const spread = meanAndSpread(xs, new Float32Array(d))
      assert.ok(Math.abs(spread - ref) / ref < 1e-9, `${spread} vs ${ref}`)
    }
  })

  it('sgdStep: the SIMD kernels and the JavaScript twin write identical bits (plain, weight decay, momentum; 20 steps)', () => {
    const settings = [[0.05, 0, 0], [0.05, 0, 5e-4], [0.05, 0.9, 0], [0.1, 0.9, 1e-3], [0.3, 0.5, 0.01]]
    for (const d of LENGTHS) {
      for (const [lr, mu, wd] of settings) {
        const { kernel: [x, v], plain: [xs, vs] } = pair(2, d, d + Math.round(1000 * (lr + mu + wd)))
        const g = allocVector(d); const gs = new Float32Array(d)
        for (let step = 0; step < 20; step++) {
          fillNormal(g, 7 * step + d, 0.1); gs.set(g)
          sgdStep(x, g, mu > 0 ? v : new Float32Array(0), lr, mu, wd)
          sgdStepJs(xs, gs, mu > 0 ? vs : new Float32Array(0), lr, mu, wd)
        }
        assert.ok(sameBits(x, xs), `x: d = ${d}, lr ${lr}, mu ${mu}, wd ${wd}`)
        if (mu > 0) assert.ok(sameBits(v, vs), `v: d = ${d}, lr ${lr}, mu ${mu}, wd ${wd}`)
      }
    }
  })

  it('sgdStep follows torch.optim.SGD: v ← mu·v + g + wd·x, x ← x − lr·v (checked against float64 on a few values)', () => {
    for (const kernel of [true, false]) {
      const make = (values: number[]): Float32Array => { const a = kernel ? allocVector(values.length) : new Float32Array(values.length); a.set(values); return a }
      const x = make([1, -2, 0.5]); const g = make([0.25, 0.5, -1]); const v = make([0.1, 0, -0.2])
      sgdStep(x, g, v, 0.1, 0.9, 0.01)
      const v1 = [0.9 * 0.1 + 0.25 + 0.01, 0 + 0.5 - 0.02, 0.9 * -0.2 - 1 + 0.005].map(Math.fround)
      assert.deepEqual([...v], v1)
      assert.deepEqual([...x], [1 - 0.1 * v1[0], -2 - 0.1 * v1[1], 0.5 - 0.1 * v1[2]].map(Math.fround))
      const y = make([1, 2]); const h = make([10, -10])
      sgdStep(y, h, new Float32Array(0), 0.5, 0, 0)
      assert.deepEqual([...y], [-4, 7])
      sgdStep(y, h, new Float32Array(0), 0.5, 0, 0.5)
      assert.deepEqual([...y], [Math.fround(-4 - 0.5 * (10 - 2)), Math.fround(7 - 0.5 * (-10 + 3.5))])
      assert.throws(() => { sgdStep(y, make([1]), new Float32Array(0), 0.5, 0, 0) }, (err: Error) => err.name === 'DimensionMismatchError')
      assert.throws(() => { sgdStep(y, h, new Float32Array(1), 0.5, 0.9, 0) }, (err: Error) => err.name === 'DimensionMismatchError')
    }
  })

  it('FreeList: taken ranges never overlap, and releasing all of them in any order leaves one range', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 40 }), fc.nat(), (sizes, seed) => {
      const list = new FreeList(64, 64 + 1000)
      const taken: Array<[number, number]> = []
      for (const size of sizes) {
        const at = list.take(size)
        if (at < 0) continue
        for (const [s, e] of taken) assert.ok(at + size <= s || at >= e, 'overlap')
        assert.ok(at >= 64 && at + size <= 1064)
        taken.push([at, at + size])
      }
      const r = createRng(seed)
      for (let k = taken.length - 1; k > 0; k--) { const j = Math.floor(r.next() * (k + 1)); [taken[k], taken[j]] = [taken[j], taken[k]] }
      for (const [s, e] of taken) list.release(s, e - s)
      assert.deepEqual(list.ranges(), [[64, 1064]])
    }), FC)
    const list = new FreeList(0, 100)
    assert.equal(list.take(101), -1)
    assert.equal(list.take(100), 0)
    assert.deepEqual(list.ranges(), [])
  })
})
