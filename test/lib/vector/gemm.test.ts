import assert from 'node:assert/strict'
import fc from 'fast-check'
import { allocVector, gemm, gemmOnKernels } from '../../../lib/vector/index.ts'
import type { GemmArgs } from '../../../lib/vector/index.ts'
import { gemmJs } from '../../../lib/vector/gemm.ts'
import { createRng } from '../../../lib/random/index.ts'

const FC = { seed: 20261124, numRuns: 80 }

function sameBits (a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length)
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length)
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false
  return true
}

interface Case { m: number, n: number, k: number, transposed: boolean, bias: boolean, relu: boolean, padC: number, seed: number }

/** The operands of a case, in kernel memory (kernel: true) or ordinary arrays, with the same values. */
function operands (c: Case, kernel: boolean): GemmArgs {
  const rng = createRng(c.seed)
  const alloc = (n: number): Float32Array => kernel ? allocVector(n) : new Float32Array(n)
  const fill = (v: Float32Array): Float32Array => { for (let i = 0; i < v.length; i++) v[i] = rng.normal(); return v }
  const ldc = c.n + c.padC
  // A stored m × k (read along rows) or k × m (read down columns, as a transposed operand)
  const a = fill(alloc(c.m * c.k))
  const [ars, ats] = c.transposed ? [1, c.m] : [c.k, 1]
  const b = fill(alloc(c.k * c.n))
  const init = fill(alloc(c.bias ? c.n : c.m * ldc))
  const out = fill(alloc(c.m * ldc))
  return { m: c.m, n: c.n, k: c.k, out, ldc, a, ars, ats, b, ldb: c.n, init, irs: c.bias ? 0 : ldc, floor: c.relu ? 0 : -Infinity }
}

const caseArb = fc.record({
  m: fc.integer({ min: 1, max: 11 }),
  n: fc.integer({ min: 1, max: 6 }).map((q) => 4 * q),
  k: fc.integer({ min: 0, max: 40 }),
  transposed: fc.boolean(),
  bias: fc.boolean(),
  relu: fc.boolean(),
  padC: fc.integer({ min: 0, max: 5 }),
  seed: fc.integer({ min: 1, max: 1e6 })
})

describe('lib/vector gemm', () => {
  it('the WebAssembly tiles give the same bits as the JavaScript twin (every tile shape, transposed A, bias or full init, ReLU)', () => {
    fc.assert(fc.property(caseArb, (c) => {
      const k = operands(c, true)
      const j = operands(c, false)
      assert.equal(gemmOnKernels(k), true)
      assert.equal(gemmOnKernels(j), false)
      gemm(k)
      gemm(j)
      return sameBits(k.out, j.out)
    }), FC)
  })

  it('computes max(init + A·B, floor): within float32 round-off of a float64 product, pad columns of out untouched', () => {
    fc.assert(fc.property(caseArb, (c) => {
      const g = operands(c, true)
      const before = g.out.slice()
      gemm(g)
      for (let r = 0; r < c.m; r++) {
        for (let col = 0; col < g.ldc; col++) {
          const got = g.out[r * g.ldc + col]
          if (col >= c.n) { assert.equal(got, before[r * g.ldc + col], 'a pad column was written'); continue }
          let s = g.init[r * g.irs + col]; let scale = Math.abs(s)
          for (let t = 0; t < c.k; t++) { const p = g.a[r * g.ars + t * g.ats] * g.b[t * g.ldb + col]; s += p; scale += Math.abs(p) }
          const want = Math.max(s, g.floor)
          assert.ok(Math.abs(got - want) <= 1e-5 * (scale + 1), `(${r}, ${col}): ${got} vs ${want}`)
        }
      }
      return true
    }), { ...FC, numRuns: 40 })
  })

  it('NaN stays NaN through the ReLU floor; −0 with no floor stays −0, and a ReLU makes it +0, as Math.max', () => {
    for (const kernel of [true, false]) {
      const v = (xs: number[]): Float32Array => { const out = kernel ? allocVector(xs.length) : new Float32Array(xs.length); out.set(xs); return out }
      const g: GemmArgs = { m: 1, n: 4, k: 1, out: v([9, 9, 9, 9]), ldc: 4, a: v([1]), ars: 1, ats: 1, b: v([NaN, -0, -2, 3]), ldb: 4, init: v([0, -0, 0, 0]), irs: 0, floor: 0 }
      gemm(g)
      assert.ok(Number.isNaN(g.out[0]))
      assert.ok(Object.is(g.out[1], 0), `kernel ${kernel}: relu(−0) is ${g.out[1]}`)
      assert.deepEqual([g.out[2], g.out[3]], [0, 3])
      gemm({ ...g, floor: -Infinity })
      assert.ok(Object.is(g.out[1], -0), `kernel ${kernel}: −0 + (−0) is ${g.out[1]}`)
      assert.equal(g.out[2], -2)
    }
  })

  it('in place: init may be out itself (out ← out + A·B)', () => {
    const c: Case = { m: 6, n: 8, k: 5, transposed: false, bias: false, relu: false, padC: 0, seed: 7 }
    const k = operands(c, true)
    const j = operands(c, false)
    gemm({ ...k, init: k.out, irs: k.ldc })
    gemmJs({ ...j, init: j.out, irs: j.ldc })
    assert.ok(sameBits(k.out, j.out))
  })

  it('n not a multiple of 4, or operands in different memories, run the twin with the same result', () => {
    const c: Case = { m: 5, n: 8, k: 9, transposed: true, bias: true, relu: true, padC: 2, seed: 11 }
    const k = operands(c, true)
    const reference = operands(c, false)
    gemmJs(reference)
    const mixed = { ...k, b: reference.b.slice() }
    assert.equal(gemmOnKernels(mixed), false)
    gemm(mixed)
    assert.ok(sameBits(mixed.out, reference.out))
    const odd = operands({ ...c, n: 8 }, true)
    const narrow = { ...odd, n: 7 }
    const narrowRef = { ...operands({ ...c, n: 8 }, false), n: 7 }
    assert.equal(gemmOnKernels(narrow), false)
    gemm(narrow)
    gemmJs(narrowRef)
    assert.ok(sameBits(narrow.out, narrowRef.out))
  })

  it('refuses, before any work, a shape or stride that would reach past a view, and an out that overlaps an input', () => {
    const c: Case = { m: 4, n: 8, k: 6, transposed: false, bias: true, relu: false, padC: 0, seed: 3 }
    const g = operands(c, true)
    const untouched = g.out.slice()
    const bad: Array<[string, Partial<GemmArgs>, RegExp]> = [
      ['m too large for out', { m: 5 }, /out reaches index/],
      ['k too large for a', { k: 7 }, /a reaches index/],
      ['ldb too large for b', { ldb: 9 }, /b reaches index/],
      ['a bias row too short', { init: g.init.subarray(0, 7) }, /init reaches index/],
      ['negative stride', { ats: -1 }, /ats must be an integer/],
      ['fractional size', { n: 4.5 }, /n must be an integer/],
      ['ldc below n', { ldc: 4 }, /ldc 4 is smaller/],
      ['out overlapping a', { out: g.a, ldc: 8, m: 3 }, /overlaps/]
    ]
    for (const [what, change, message] of bad) {
      assert.throws(() => { gemm({ ...g, ...change }) }, (err: Error) => err.name === 'DimensionMismatchError' && message.test(err.message), what)
    }
    assert.ok(sameBits(g.out, untouched), 'nothing written')
  })

  it('a view inside a larger kernel vector: the tiles read and write only their own rows', () => {
    const big = allocVector(4 * 8 + 64)
    big.fill(5)
    const out = big.subarray(16, 16 + 32)
    const a = allocVector(4 * 3).fill(1)
    const b = allocVector(3 * 8).fill(2)
    const init = allocVector(8)
    gemm({ m: 4, n: 8, k: 3, out, ldc: 8, a, ars: 3, ats: 1, b, ldb: 8, init, irs: 0, floor: -Infinity })
    assert.ok(out.every((x) => x === 6))
    assert.ok(big.subarray(0, 16).every((x) => x === 5) && big.subarray(48).every((x) => x === 5), 'neighbours untouched')
  })
})
