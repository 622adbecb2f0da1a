import assert from 'node:assert/strict'
import { createRng } from '../../lib/random/index.ts'
import { buildGraph, degrees, edgeCount, erdosRenyi, isConnected, randomRegular, validateGraph } from '../../topologies/index.ts'
import { assertThrowsNamed, edgeSet } from './helpers.ts'

describe('topologies/random graphs', () => {
  it('regular:d is simple, connected and exactly d-regular for many (n, d, seed)', () => {
    for (const [n, d] of [[4, 3], [6, 3], [8, 3], [10, 4], [20, 3], [21, 4], [30, 5], [40, 8], [64, 10], [12, 11], [9, 2]]) {
      for (let seed = 0; seed < 4; seed++) {
        const g = buildGraph(`regular:${d}`, n, { seed })
        validateGraph(g)
        assert.ok(isConnected(g), `regular:${d} n=${n} seed=${seed} disconnected`)
        assert.ok(degrees(g).every((x) => x === d), `regular:${d} n=${n} seed=${seed}`)
        assert.equal(edgeCount(g), (n * d) / 2)
      }
    }
  })

  it('regular:d is randomised away from its circulant start', () => {
    // The start joins i to i±1, i±2; after the swaps only about a d/n fraction of its edges should remain.
    const n = 60
    const g = buildGraph('regular:4', n, { seed: 3 })
    const edges = edgeSet(g)
    let kept = 0
    for (let i = 0; i < n; i++) {
      for (const hop of [1, 2]) {
        const j = (i + hop) % n
        if (edges.has(i < j ? `${i}-${j}` : `${j}-${i}`)) kept++
      }
    }
    assert.ok(kept < 0.2 * 2 * n, `${kept} of ${2 * n} circulant edges kept`)
  })

  it('regular:2 is a single Hamiltonian cycle through a random order', () => {
    const g = buildGraph('regular:2', 25, { seed: 11 })
    assert.ok(isConnected(g))
    assert.ok(degrees(g).every((x) => x === 2))
    assert.notDeepEqual(edgeSet(g), edgeSet(buildGraph('ring', 25)))
  })

  it('erdos-renyi:p is connected, simple, and has about p·n(n−1)/2 edges', () => {
    const n = 40
    const p = 0.5
    const pairs = (n * (n - 1)) / 2
    const sd = Math.sqrt(pairs * p * (1 - p))
    let total = 0
    for (let seed = 0; seed < 10; seed++) {
      const g = buildGraph(`erdos-renyi:${p}`, n, { seed })
      validateGraph(g)
      assert.ok(isConnected(g))
      total += edgeCount(g)
    }
    const mean = total / 10
    assert.ok(Math.abs(mean - p * pairs) < 4 * sd / Math.sqrt(10), `mean edges ${mean}, expected ${p * pairs}`)
    assert.equal(edgeCount(buildGraph('erdos-renyi:1', 12, { seed: 1 })), 66)
  })

  it('erdos-renyi near the connectivity threshold still returns only connected graphs', () => {
    const n = 50
    const p = Math.log(n) / n
    for (let seed = 0; seed < 5; seed++) assert.ok(isConnected(buildGraph(`erdos-renyi:${p}`, n, { seed })))
  })

  it('is deterministic: same (spec, n, seed) gives the same graph, other seeds give others', () => {
    for (const spec of ['erdos-renyi:0.2', 'regular:3', 'regular:2']) {
      const a = buildGraph(spec, 30, { seed: 42 })
      const b = buildGraph(spec, 30, { seed: 42 })
      assert.deepEqual(a.adjacency, b.adjacency)
      const others = [1, 2, 3].map((seed) => JSON.stringify(buildGraph(spec, 30, { seed }).adjacency))
      for (const o of others) assert.notEqual(o, JSON.stringify(a.adjacency), spec)
    }
    // the direct builders are deterministic in the generator state
    assert.deepEqual(erdosRenyi(20, 0.3, createRng(5)).adjacency, erdosRenyi(20, 0.3, createRng(5)).adjacency)
    assert.deepEqual(randomRegular(20, 3, createRng(5)).adjacency, randomRegular(20, 3, createRng(5)).adjacency)
  })

  it('refuses impossible parameters with InvalidTopologyError and hopeless p with TopologyConstructionError', () => {
    const rng = createRng(1)
    for (const [n, d] of [[10, 10], [10, -1], [7, 3], [10, 2.5], [10, 0], [10, 1]]) {
      assertThrowsNamed(() => randomRegular(n, d, rng), 'InvalidTopologyError')
    }
    for (const p of [0, -0.1, 1.5, NaN]) assertThrowsNamed(() => erdosRenyi(10, p, rng), 'InvalidTopologyError')
    assertThrowsNamed(() => buildGraph('erdos-renyi:0.001', 60, { seed: 1 }), 'TopologyConstructionError')
    // tiny cases that are trivially fine
    assert.deepEqual(randomRegular(2, 1, rng).adjacency, [[1], [0]])
    assert.deepEqual(randomRegular(1, 0, rng).adjacency, [[]])
  })

  it('a disconnected regular:d names a degree that exists for its n (d = 1 on two nodes, not d ≥ 2)', () => {
    const rng = createRng(1)
    assert.throws(() => randomRegular(2, 0, rng), (err: Error) => err.name === 'InvalidTopologyError' && /use d = 1$/.test(err.message))
    assert.throws(() => randomRegular(4, 0, rng), (err: Error) => /use d ≥ 2$/.test(err.message))
    assert.throws(() => randomRegular(4, 1, rng), (err: Error) => /use d ≥ 2$/.test(err.message))
  })
})
