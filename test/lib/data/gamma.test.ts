import assert from 'node:assert/strict'
import { createRng } from '../../../lib/random/index.ts'
import { sampleDirichlet, sampleGamma } from '../../../lib/data/index.ts'

describe('lib/data gamma and Dirichlet sampling', () => {
  it('Gamma(a) has mean a and variance a (within 5 standard errors), for a below and above 1', () => {
    for (const shape of [0.2, 0.7, 1, 3.5, 20]) {
      const rng = createRng(100 + shape)
      const n = 40_000
      let s = 0
      let s2 = 0
      for (let i = 0; i < n; i++) {
        const g = sampleGamma(shape, rng)
        assert.ok(g >= 0 && Number.isFinite(g))
        s += g
        s2 += g * g
      }
      const mean = s / n
      const variance = s2 / n - mean * mean
      // sd of the sample mean is sqrt(a / n); of the sample variance about sqrt((E g⁴ − a²) / n), E g⁴ = a(a+1)(a+2)(a+3)
      const varSe = Math.sqrt((shape * (shape + 1) * (shape + 2) * (shape + 3) - shape * shape) / n)
      assert.ok(Math.abs(mean - shape) < 5 * Math.sqrt(shape / n), `a=${shape}: mean ${mean}`)
      assert.ok(Math.abs(variance - shape) < 5 * varSe, `a=${shape}: variance ${variance}`)
    }
  })

  it('Dirichlet draws are probability vectors with mean 1/k, finite even for alpha = 0.001', () => {
    const k = 8
    const out = new Float64Array(k)
    const sums = new Float64Array(k)
    const rng = createRng(5)
    const draws = 5000
    for (let t = 0; t < draws; t++) {
      sampleDirichlet(0.5, rng, out)
      let total = 0
      for (let i = 0; i < k; i++) { assert.ok(out[i] >= 0); total += out[i]; sums[i] += out[i] }
      assert.ok(Math.abs(total - 1) < 1e-12)
    }
    // Var(p_i) = (1/k)(1 − 1/k) / (kα + 1) for a symmetric Dirichlet
    const se = Math.sqrt((1 / k) * (1 - 1 / k) / (k * 0.5 + 1) / draws)
    for (let i = 0; i < k; i++) assert.ok(Math.abs(sums[i] / draws - 1 / k) < 5 * se, `component ${i}: ${sums[i] / draws}`)
  })

  it('a tiny alpha stays finite and puts nearly all mass on one component; alpha = 1 spreads it', () => {
    const p = new Float64Array(100)
    const meanLargest = (alpha: number): number => {
      const rng = createRng(6)
      let sum = 0
      for (let t = 0; t < 200; t++) {
        sampleDirichlet(alpha, rng, p)
        assert.ok(p.every(Number.isFinite), `alpha ${alpha}: non-finite component`)
        assert.ok(Math.abs(p.reduce((a, b) => a + b, 0) - 1) < 1e-12)
        sum += Math.max(...p)
      }
      return sum / 200
    }
    assert.ok(meanLargest(0.001) > 0.8)
    assert.ok(meanLargest(1) < 0.1)
  })

  it('is deterministic for a seed', () => {
    const a = new Float64Array(5)
    const b = new Float64Array(5)
    sampleDirichlet(0.3, createRng(1), a)
    sampleDirichlet(0.3, createRng(1), b)
    assert.deepEqual(a, b)
  })
})
