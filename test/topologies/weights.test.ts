import assert from 'node:assert/strict'
import {
  WEIGHT_SCHEMES, buildGraph, checkDoublyStochastic, edgeWeight, localRow, maxDegree, mixingMatrix,
  needsMaxDegree, parseWeightScheme, selfWeight, star
} from '../../topologies/index.ts'
import type { Graph } from '../../topologies/index.ts'
import { assertThrowsNamed } from './helpers.ts'

describe('topologies/weights', () => {
  it('metropolis on a ring is 1/3 everywhere; on a star 1/n on edges and 1/n at the hub', () => {
    const W = mixingMatrix(buildGraph('ring', 7))
    for (let i = 0; i < 7; i++) {
      assert.equal(W.data[i * 7 + i], 1 - 2 / 3)
      assert.equal(W.data[i * 7 + (i + 1) % 7], 1 / 3)
      assert.equal(W.data[i * 7 + (i + 3) % 7], 0)
    }
    const n = 6
    const S = mixingMatrix(star(n), 'metropolis')
    assert.equal(S.data[1], 1 / n)
    assert.ok(Math.abs(S.data[0] - 1 / n) < 1e-15)
    assert.ok(Math.abs(S.data[n + 1] - (1 - 1 / n)) < 1e-15)
  })

  it('metropolis uses the larger endpoint degree: W_ij = 1 / (1 + max(d_i, d_j))', () => {
    // path 0-1-2-3 plus a chord 1-3: degrees 1, 3, 2, 2
    const g: Graph = { n: 4, adjacency: [[1], [0, 2, 3], [1, 3], [1, 2]] }
    const W = mixingMatrix(g)
    assert.equal(W.data[0 * 4 + 1], 1 / 4)
    assert.equal(W.data[2 * 4 + 3], 1 / 3)
    assert.equal(W.data[1 * 4 + 2], 1 / 4)
    assert.ok(Math.abs(W.data[0] - 3 / 4) < 1e-15)
    assert.ok(Math.abs(W.data[2 * 4 + 2] - (1 - 1 / 4 - 1 / 3)) < 1e-15)
  })

  it('max-degree gives every edge 1/(d_max + 1); lazy variants are (W + I)/2', () => {
    const g = buildGraph('erdos-renyi:0.3', 15, { seed: 2 })
    const dMax = maxDegree(g)
    const M = mixingMatrix(g, 'max-degree')
    for (let i = 0; i < g.n; i++) for (const j of g.adjacency[i]) assert.equal(M.data[i * g.n + j], 1 / (dMax + 1))
    for (const [lazy, base] of [['lazy-metropolis', 'metropolis'], ['lazy-max-degree', 'max-degree']]) {
      const L = mixingMatrix(g, lazy)
      const B = mixingMatrix(g, base)
      for (let i = 0; i < g.n; i++) {
        for (let j = 0; j < g.n; j++) {
          const expected = (B.data[i * g.n + j] + (i === j ? 1 : 0)) / 2
          assert.ok(Math.abs(L.data[i * g.n + j] - expected) < 1e-15, `${lazy} (${i}, ${j})`)
        }
      }
    }
  })

  it('a peer row from degrees alone equals the matrix row bit for bit, for every scheme', () => {
    for (const spec of ['ring', 'star', 'erdos-renyi:0.25', 'regular:5', 'exponential']) {
      const g = buildGraph(spec, 23 + (spec === 'regular:5' ? 1 : 0), { seed: 9 })
      const dMax = maxDegree(g)
      for (const scheme of WEIGHT_SCHEMES) {
        const W = mixingMatrix(g, scheme)
        for (let i = 0; i < g.n; i++) {
          const nbDeg = g.adjacency[i].map((j) => g.adjacency[j].length)
          const row = localRow(scheme, nbDeg.length, nbDeg, dMax)
          assert.equal(row.self, W.data[i * g.n + i], `${spec} ${scheme} self ${i}`)
          g.adjacency[i].forEach((j, k) => { assert.equal(row.neighbours[k], W.data[i * g.n + j], `${spec} ${scheme} ${i}-${j}`) })
          assert.equal(selfWeight(scheme, nbDeg.length, nbDeg, dMax), row.self)
        }
      }
    }
  })

  it('a missing neighbour leaves its weight with the peer', () => {
    const full = selfWeight('metropolis', 3, [2, 4, 3])
    const partial = selfWeight('metropolis', 3, [2, 3])
    assert.ok(Math.abs(partial - (full + 1 / 5)) < 1e-15)
  })

  it('parses the scheme specs and rejects others', () => {
    for (const s of WEIGHT_SCHEMES) assert.equal(parseWeightScheme(s), s)
    assert.equal(needsMaxDegree('max-degree'), true)
    assert.equal(needsMaxDegree('lazy-metropolis'), false)
    for (const s of ['', 'metropolis-hastings', 'lazy', 'lazy:metropolis', 'uniform', 'Metropolis']) {
      assertThrowsNamed(() => parseWeightScheme(s), 'InvalidWeightSchemeError')
    }
    assertThrowsNamed(() => mixingMatrix(buildGraph('ring', 5), 'best'), 'InvalidWeightSchemeError')
  })

  it('edgeWeight and selfWeight refuse arguments a scheme cannot use', () => {
    assertThrowsNamed(() => edgeWeight('max-degree', 2, 3), 'InvalidWeightSchemeError')
    assertThrowsNamed(() => edgeWeight('max-degree', 2, 3, 2), 'InvalidWeightSchemeError')
    assertThrowsNamed(() => edgeWeight('metropolis', 0, 3), 'InvalidWeightSchemeError')
    assertThrowsNamed(() => edgeWeight('metropolis', 1.5, 3), 'InvalidWeightSchemeError')
    assertThrowsNamed(() => edgeWeight('nope' as 'metropolis', 1, 1), 'InvalidWeightSchemeError')
    assertThrowsNamed(() => selfWeight('metropolis', 1, [1, 1]), 'InvalidWeightSchemeError')
    assert.equal(selfWeight('metropolis', 0, []), 1)
  })

  it('checkDoublyStochastic locates each kind of failure with InvalidWeightsError', () => {
    const good = mixingMatrix(buildGraph('ring', 4)).data
    checkDoublyStochastic(good, 4)
    const cases: Array<{ edit: (w: Float64Array) => void, row?: number, col?: number }> = [
      { edit: (w) => { w[1] = -0.1; w[0] += 0.1 + 1 / 3; w[4] = 1 / 3 - 0.1 }, row: 0, col: 1 },
      { edit: (w) => { w[2 * 4 + 3] += 0.01; w[2 * 4 + 2] -= 0.01 }, row: 2, col: 3 },
      { edit: (w) => { w[3 * 4 + 3] += 1e-9 }, row: 3 },
      { edit: (w) => { w[5] = NaN }, row: 1, col: 1 }
    ]
    for (const { edit, row, col } of cases) {
      const w = Float64Array.from(good)
      edit(w)
      assert.throws(() => { checkDoublyStochastic(w, 4) }, (err: unknown) => {
        assert.ok(err instanceof Error)
        assert.equal(err.name, 'InvalidWeightsError')
        const e = err as Error & { row?: number, col?: number }
        assert.equal(e.row, row)
        assert.equal(e.col, col)
        return true
      })
    }
    // a valid matrix of a disconnected graph passes; a wrong length does not
    checkDoublyStochastic(new Float64Array([0.5, 0.5, 0, 0.5, 0.5, 0, 0, 0, 1]), 3)
    assertThrowsNamed(() => { checkDoublyStochastic(new Float64Array(8), 3) }, 'InvalidWeightsError')
    // rows sum to 1 and each pair differs by 0.15 (inside a loose symmetry tolerance of 0.2), but node 0's
    // two pairs lean the same way, so column 0 sums to 0.7: only the column check can catch it
    const cols = new Float64Array([0.4, 0.3, 0.3, 0.15, 0.85, 0, 0.15, 0, 0.85])
    assert.throws(() => { checkDoublyStochastic(cols, 3, 0.2) }, (err: unknown) => {
      const e = err as Error & { row?: number, col?: number }
      return e.name === 'InvalidWeightsError' && e.col === 0 && e.row === undefined
    })
    assertThrowsNamed(() => { checkDoublyStochastic(cols, 3) }, 'InvalidWeightsError')
  })
})
