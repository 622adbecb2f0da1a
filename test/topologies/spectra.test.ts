import assert from 'node:assert/strict'
import {
  buildGraph, describe as describeTopology, describeSparse, eigenvalues, fromEdgeList, lambda2, lambda2FromEigenvalues, mixingMatrix,
  mixingTime, normIminusW, spectralGap, summarizeSpectrum, torus
} from '../../topologies/index.ts'
import { assertThrowsNamed, maxAbsDiff, sortedDescending } from './helpers.ts'

describe('topologies/spectra: closed forms', () => {
  it('ring of n = 3…64 with weights 1/3 has eigenvalues 1/3 + 2/3·cos(2πk/n)', () => {
    for (let n = 3; n <= 64; n++) {
      const W = mixingMatrix(buildGraph('ring', n))
      assert.equal(W.data[1], 1 / 3)
      const expected = sortedDescending(Array.from({ length: n }, (_, k) => 1 / 3 + (2 / 3) * Math.cos(2 * Math.PI * k / n)))
      assert.ok(maxAbsDiff(eigenvalues(W), expected) < 1e-12, `ring n = ${n}`)
    }
  })

  it('ring gap approaches 4π²/(3n²) for large n', () => {
    const n = 200
    const gap = spectralGap(mixingMatrix(buildGraph('ring', n)))
    assert.ok(Math.abs(gap / (4 * Math.PI ** 2 / (3 * n * n)) - 1) < 1e-3, `gap ${gap}`)
  })

  it('torus r×c (r, c ≥ 3) with weights 1/5 has eigenvalues 1/5 + 2/5·cos(2πa/r) + 2/5·cos(2πb/c)', () => {
    for (const [r, c] of [[3, 3], [3, 4], [4, 4], [5, 6], [6, 8], [8, 8]]) {
      const W = mixingMatrix(torus(r * c, r))
      assert.equal(W.data[1], 1 / 5)
      const expected: number[] = []
      for (let a = 0; a < r; a++) for (let b = 0; b < c; b++) expected.push(1 / 5 + (2 / 5) * Math.cos(2 * Math.PI * a / r) + (2 / 5) * Math.cos(2 * Math.PI * b / c))
      assert.ok(maxAbsDiff(eigenvalues(W), sortedDescending(expected)) < 1e-12, `torus ${r}×${c}`)
    }
  })

  it('complete graph with weights 1/n: λ₂ = 0, gap 1, ‖I − W‖ = 1', () => {
    // up to 256: a cluster of n − 1 zero eigenvalues once stalled the QL iteration (n = 64 failed)
    for (const n of [2, 3, 5, 8, 11, 17, 26, 33, 40, 64, 100, 128, 256]) {
      const W = mixingMatrix(buildGraph('complete', n))
      assert.ok(Math.abs(W.data[1] - 1 / n) < 1e-16)
      assert.ok(lambda2(W) < 1e-12, `n = ${n}`)
      assert.ok(Math.abs(spectralGap(W) - 1) < 1e-12)
      assert.ok(Math.abs(normIminusW(W) - 1) < 1e-12)
    }
  })

  it('hypercube of dimension d with weights 1/(d+1) has eigenvalues 1 − 2j/(d+1) with multiplicity C(d, j)', () => {
    for (const d of [1, 2, 3, 5, 7]) {
      const expected: number[] = []
      for (let j = 0; j <= d; j++) for (let k = 0; k < binomial(d, j); k++) expected.push(1 - 2 * j / (d + 1))
      const W = mixingMatrix(buildGraph('hypercube', 2 ** d))
      assert.ok(maxAbsDiff(eigenvalues(W), sortedDescending(expected)) < 1e-12, `d = ${d}`)
    }
  })

  it('exponential graph: gap shrinks like 1/log₂ n (gap·log₂ n stays in a constant band, gap decreasing)', () => {
    let previous = Infinity
    for (let n = 16; n <= 512; n *= 2) {
      const gap = spectralGap(mixingMatrix(buildGraph('exponential', n)))
      const scaled = gap * Math.log2(n)
      assert.ok(scaled > 1.5 && scaled < 2.5, `n = ${n}: gap·log2 n = ${scaled}`)
      assert.ok(gap < previous, `n = ${n}: gap ${gap} did not shrink from ${previous}`)
      previous = gap
    }
    // n = 2^k exactly: degree 2k − 1, weights 1/(2k); the Fourier mode m = n/2 gives λ = (2k − 4)/(2k) = 1 − 2/k
    for (let k = 4; k <= 9; k++) {
      const values = eigenvalues(mixingMatrix(buildGraph('exponential', 2 ** k)))
      assert.ok(Math.abs(values[1] - (1 - 2 / k)) < 1e-12, `n = 2^${k}: λ₂ = ${values[1]}`)
    }
    // and far above a ring's 4π²/(3n²) of the same size
    assert.ok(spectralGap(mixingMatrix(buildGraph('exponential', 100))) > 50 * spectralGap(mixingMatrix(buildGraph('ring', 100))))
  })

  it('even ring: λₙ = −1/3 so ‖I − W‖ = 4/3; the lazy weights move it to 1/3 and every eigenvalue into [0, 1]', () => {
    const g = buildGraph('ring', 10)
    assert.ok(Math.abs(normIminusW(mixingMatrix(g)) - 4 / 3) < 1e-12)
    const lazy = eigenvalues(mixingMatrix(g, 'lazy-metropolis'))
    assert.ok(lazy.every((v) => v > -1e-12 && v < 1 + 1e-12))
    assert.ok(Math.abs(lazy[lazy.length - 1] - 1 / 3) < 1e-12)
  })
})

describe('topologies/spectra: derived quantities', () => {
  it('lambda2 takes the larger modulus of λ₂ and λₙ', () => {
    assert.equal(lambda2FromEigenvalues([1, 0.5, -0.7]), 0.7)
    assert.equal(lambda2FromEigenvalues([1, 0.5, -0.2]), 0.5)
    assert.equal(lambda2FromEigenvalues([1]), 0)
  })

  it('mixingTime = ⌈ln(1/ε)/gap⌉, Infinity without a gap, RangeError for ε outside (0, 1)', () => {
    assert.equal(mixingTime(0.5), Math.ceil(Math.log(1000) / 0.5))
    assert.equal(mixingTime(0.5), 14)
    assert.equal(mixingTime(0.01, 0.01), Math.ceil(Math.log(100) / 0.01))
    assert.equal(mixingTime(0), Infinity)
    assert.equal(mixingTime(-1e-17), Infinity)
    for (const eps of [0, 1, -0.5, NaN]) assertThrowsNamed(() => mixingTime(0.3, eps), 'RangeError')
    assertThrowsNamed(() => mixingTime(NaN), 'RangeError')
  })

  it('describe summarises a ring consistently with the separate functions', () => {
    const g = buildGraph('ring', 12)
    const W = mixingMatrix(g)
    const s = describeTopology(g)
    assert.equal(s.n, 12)
    assert.equal(s.edges, 12)
    assert.equal(s.connected, true)
    assert.deepEqual(s.degree, { min: 2, mean: 2, max: 2 })
    assert.equal(s.scheme, 'metropolis')
    assert.equal(s.eigenvalues.length, 12)
    assert.ok(Array.isArray(s.eigenvalues))
    assert.ok(Math.abs(s.eigenvalues[0] - 1) < 1e-12)
    assert.equal(s.lambda2, lambda2(W))
    assert.equal(s.spectralGap, 1 - lambda2(W))
    assert.equal(s.normIminusW, normIminusW(W))
    assert.equal(s.mixingTime, mixingTime(s.spectralGap))
    const lazy = describeTopology(g, mixingMatrix(g, 'lazy-max-degree'))
    assert.equal(lazy.scheme, 'lazy-max-degree')
    assert.ok(lazy.spectralGap < s.spectralGap)
    assert.doesNotThrow(() => JSON.stringify(s))
  })

  it('a disconnected graph has λ₂ = 1, gap 0 and an infinite mixing time', () => {
    const g = fromEdgeList('0 1\n1 2\n2 0\n3 4\n4 5\n5 3\n')
    const s = describeTopology(g)
    assert.equal(s.connected, false)
    assert.ok(Math.abs(s.lambda2 - 1) < 1e-12)
    assert.equal(s.spectralGap, 0)
    assert.equal(s.mixingTime, Infinity)
    assert.deepEqual(summarizeSpectrum([1, 1, 0.2]).mixingTime, Infinity)
  })

  it('mixing time: 0 rounds for one peer, 1 when lambda2 = 0 (W = 11ᵀ/n averages exactly), the bound otherwise', () => {
    // the bound ⌈ln(1/ε)/gap⌉ is 7 at gap 1, but a W whose non-consensus eigenvalues are all 0 is 11ᵀ/n
    assert.equal(mixingTime(1), 1)
    assert.equal(mixingTime(1 - 1e-13), 1)
    assert.equal(mixingTime(0.999), 7)
    for (const spec of ['ring', 'complete', 'star', 'hypercube', 'exponential']) {
      const one = describeTopology(buildGraph(spec, 1))
      assert.equal(one.mixingTime, 0, `${spec} of 1`)
      assert.equal(one.lambda2 + one.spectralGap, 1)
      assert.equal(describeSparse(buildGraph(spec, 1)).mixingTime, 0, `${spec} of 1, sparse`)
      const two = describeTopology(buildGraph(spec, 2))
      assert.equal(two.mixingTime, 1, `${spec} of 2`)
      assert.equal(describeSparse(buildGraph(spec, 2)).mixingTime, 1, `${spec} of 2, sparse`)
    }
    // ring of 3 and complete graphs under Metropolis weights: W = J/n
    assert.equal(describeTopology(buildGraph('ring', 3)).mixingTime, 1)
    assert.equal(describeTopology(buildGraph('complete', 9)).mixingTime, 1)
    assert.equal(summarizeSpectrum([1]).mixingTime, 0)
    // lazy weights halve the gap of J/n: the bound applies again
    assert.equal(describeTopology(buildGraph('complete', 4), mixingMatrix(buildGraph('complete', 4), 'lazy-metropolis')).mixingTime, 14)
  })

  it('a gap snapped to 0 reports lambda2 = 1 exactly, so lambda2 + gap = 1', () => {
    const s = describeTopology(fromEdgeList('0 1\n2 3\n'))
    assert.equal(s.lambda2, 1)
    assert.equal(s.spectralGap, 0)
    assert.equal(summarizeSpectrum([1, 0.9999999999999999, 0]).lambda2, 1)
  })

  it('describe refuses a W of another size', () => {
    assertThrowsNamed(() => describeTopology(buildGraph('ring', 5), mixingMatrix(buildGraph('ring', 6))), 'InvalidMatrixError')
  })
})

function binomial (n: number, k: number): number {
  let r = 1
  for (let i = 1; i <= k; i++) r = r * (n - k + i) / i
  return Math.round(r)
}
