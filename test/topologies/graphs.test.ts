import assert from 'node:assert/strict'
import {
  complete, degrees, edgeCount, exponential, hasEdge, hypercube, isConnected, maxDegree, ring, squarestFactors,
  star, torus, validateGraph
} from '../../topologies/index.ts'
import type { Graph } from '../../topologies/index.ts'
import { assertThrowsNamed, edgeSet } from './helpers.ts'

describe('topologies/graphs: deterministic builders', () => {
  it('ring: n ≥ 3 is a 2-regular cycle i ~ i±1; n = 2 is one edge, n = 1 a lone node', () => {
    for (let n = 3; n <= 40; n++) {
      const g = ring(n)
      validateGraph(g)
      assert.equal(edgeCount(g), n)
      assert.ok(degrees(g).every((d) => d === 2))
      for (let i = 0; i < n; i++) assert.ok(hasEdge(g, i, (i + 1) % n))
      assert.ok(isConnected(g))
    }
    assert.deepEqual(ring(2).adjacency, [[1], [0]])
    assert.deepEqual(ring(1).adjacency, [[]])
  })

  it('squarestFactors picks the most square r ≤ c with r·c = n', () => {
    assert.deepEqual(squarestFactors(16), [4, 4])
    assert.deepEqual(squarestFactors(12), [3, 4])
    assert.deepEqual(squarestFactors(18), [3, 6])
    assert.deepEqual(squarestFactors(13), [1, 13])
    assert.deepEqual(squarestFactors(1), [1, 1])
  })

  it('torus r×c (r, c ≥ 3) is 4-regular with wrap-around neighbours of row·c + col', () => {
    for (const [r, c] of [[3, 3], [3, 5], [4, 4], [4, 6], [6, 7]]) {
      const g = torus(r * c, r)
      validateGraph(g)
      assert.equal(edgeCount(g), 2 * r * c)
      assert.ok(degrees(g).every((d) => d === 4))
      for (let i = 0; i < r; i++) {
        for (let j = 0; j < c; j++) {
          const u = i * c + j
          assert.ok(hasEdge(g, u, i * c + (j + 1) % c), `right of ${u}`)
          assert.ok(hasEdge(g, u, ((i + 1) % r) * c + j), `below ${u}`)
        }
      }
    }
  })

  it('torus without rows uses the most square shape; small sides merge coinciding neighbours', () => {
    assert.deepEqual(edgeSet(torus(12)), edgeSet(torus(12, 3)))
    assert.notDeepEqual(edgeSet(torus(12)), edgeSet(torus(12, 2)))
    // 2×4: the neighbour above and below coincide, so degree 3 instead of 4
    const g = torus(8, 2)
    validateGraph(g)
    assert.ok(degrees(g).every((d) => d === 3))
    // rows = 1 is asked for explicitly and is a ring
    assert.deepEqual(torus(7, 1).adjacency, ring(7).adjacency)
  })

  it('exponential: i ~ i ± 2^k mod n for 2^k ≤ n − 1, undirected', () => {
    for (const n of [2, 3, 5, 8, 16, 17, 31, 64, 100]) {
      const g = exponential(n)
      validateGraph(g)
      const expected = new Set<string>()
      for (let hop = 1; hop <= n - 1; hop *= 2) {
        for (let i = 0; i < n; i++) {
          const j = (i + hop) % n
          if (i !== j) expected.add(i < j ? `${i}-${j}` : `${j}-${i}`)
        }
      }
      assert.deepEqual(edgeSet(g), expected, `n = ${n}`)
    }
    // n = 16: hops ±1, ±2, ±4 and 8 (+8 ≡ −8): degree 7
    assert.ok(degrees(exponential(16)).every((d) => d === 7))
  })

  it('complete, star and hypercube have their textbook shapes', () => {
    const k = complete(9)
    validateGraph(k)
    assert.equal(edgeCount(k), 36)
    const s = star(9)
    validateGraph(s)
    assert.equal(s.adjacency[0].length, 8)
    assert.ok(s.adjacency.slice(1).every((nb) => nb.length === 1 && nb[0] === 0))
    for (const n of [1, 2, 4, 32]) {
      const h = hypercube(n)
      validateGraph(h)
      const dim = Math.log2(n)
      assert.ok(degrees(h).every((d) => d === dim))
      for (let u = 0; u < n; u++) for (const v of h.adjacency[u]) assert.equal(popcount(u ^ v), 1)
    }
  })

  it('helpers: degrees, maxDegree, edgeCount and isConnected', () => {
    const g: Graph = { n: 5, adjacency: [[1], [0, 2], [1], [4], [3]] }
    assert.deepEqual(Array.from(degrees(g)), [1, 2, 1, 1, 1])
    assert.equal(maxDegree(g), 2)
    assert.equal(edgeCount(g), 3)
    assert.equal(isConnected(g), false)
    assert.equal(isConnected({ n: 1, adjacency: [[]] }), true)
    assert.equal(isConnected({ n: 2, adjacency: [[], []] }), false)
    assert.equal(isConnected(star(10)), true)
  })

  it('validateGraph rejects each broken invariant with InvalidGraphError', () => {
    const bad: Graph[] = [
      { n: 0, adjacency: [] },
      { n: 2, adjacency: [[1]] },
      { n: 2, adjacency: [[1], []] },
      { n: 2, adjacency: [[0], []] },
      { n: 3, adjacency: [[2, 1], [0], [0]] },
      { n: 3, adjacency: [[1, 1], [0], []] },
      { n: 2, adjacency: [[5], [0]] },
      { n: 2, adjacency: [[0.5], [0]] }
    ]
    for (const g of bad) assertThrowsNamed(() => { validateGraph(g) }, 'InvalidGraphError')
  })

  it('builders refuse n outside [1, MAX_NODES] and hypercube a non-power of two', () => {
    for (const build of [ring, complete, star, exponential, (n: number) => torus(n, 1)]) {
      for (const n of [0, -1, 2.5, NaN, 1e9]) assertThrowsNamed(() => build(n), 'InvalidTopologyError')
    }
    for (const n of [3, 6, 12, 100]) assertThrowsNamed(() => hypercube(n), 'InvalidTopologyError')
    for (const n of [7, 13, 101]) assertThrowsNamed(() => torus(n), 'InvalidTopologyError')
    assertThrowsNamed(() => torus(12, 5), 'InvalidTopologyError')
  })
})

function popcount (x: number): number {
  let c = 0
  for (; x !== 0; x &= x - 1) c++
  return c
}
