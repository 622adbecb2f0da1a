import assert from 'node:assert/strict'
import fc from 'fast-check'
import {
  WEIGHT_SCHEMES, buildGraph, eigenvalues, fromEdgeList, isConnected, localRow, maxDegree, mixingMatrix, squarestFactors,
  validateGraph
} from '../../topologies/index.ts'
import type { Graph } from '../../topologies/index.ts'

const FC = { seed: 20240611, numRuns: 80 }

/** A spec that fits n, chosen from the seed-free parts of the case. */
const connectedGraph = fc.record({
  kind: fc.constantFrom('ring', 'torus', 'erdos-renyi', 'regular', 'exponential', 'complete', 'star', 'hypercube'),
  n: fc.integer({ min: 1, max: 36 }),
  p: fc.double({ min: 0.2, max: 1, noNaN: true }),
  d: fc.integer({ min: 2, max: 7 }),
  seed: fc.nat()
}).map(({ kind, n, p, d, seed }): { spec: string, g: Graph } => {
  let spec: string = kind
  let size = n
  if (kind === 'torus') {
    size = Math.max(n, 4)
    while (squarestFactors(size)[0] === 1) size++
  }
  if (kind === 'hypercube') size = 2 ** Math.floor(Math.log2(n))
  if (kind === 'erdos-renyi') spec = `erdos-renyi:${p}`
  if (kind === 'regular') {
    size = Math.max(n, d + 1)
    if ((size * d) % 2 === 1) size++
    spec = `regular:${d}`
  }
  return { spec: `${spec}@${size}`, g: buildGraph(spec, size, { seed }) }
})

/** Any simple graph, possibly disconnected, from a random edge list. */
const anyGraph = fc.integer({ min: 1, max: 30 }).chain((n) => n === 1
  ? fc.constant(fromEdgeList('', 1))
  : fc.uniqueArray(fc.tuple(fc.nat({ max: n - 1 }), fc.nat({ max: n - 2 })).map(([u, v]) => [u, v >= u ? v + 1 : v]), {
    maxLength: 3 * n,
    selector: ([u, v]) => (u < v ? `${u} ${v}` : `${v} ${u}`)
  }).map((edges) => fromEdgeList(edges.map(([u, v]) => `${u} ${v}`).join('\n'), n)))

function components (g: Graph): number {
  const seen = new Uint8Array(g.n)
  let count = 0
  for (let s = 0; s < g.n; s++) {
    if (seen[s] === 1) continue
    count++
    const stack = [s]
    seen[s] = 1
    while (stack.length > 0) {
      const u = stack.pop() as number
      for (const v of g.adjacency[u]) if (seen[v] === 0) { seen[v] = 1; stack.push(v) }
    }
  }
  return count
}

describe('topologies: properties over random graphs (fast-check)', () => {
  it('builders give valid, connected graphs', () => {
    fc.assert(fc.property(connectedGraph, ({ spec, g }) => {
      validateGraph(g)
      assert.ok(isConnected(g), spec)
    }), FC)
  })

  it('every scheme gives W symmetric, non-negative, rows and columns summing to 1 within 1e-12', () => {
    fc.assert(fc.property(fc.oneof(connectedGraph.map((c) => c.g), anyGraph), fc.constantFrom(...WEIGHT_SCHEMES), (g, scheme) => {
      const { n, data } = mixingMatrix(g, scheme)
      const colSums = new Float64Array(n)
      for (let i = 0; i < n; i++) {
        let rowSum = 0
        for (let j = 0; j < n; j++) {
          const w = data[i * n + j]
          assert.ok(w >= 0, `W(${i}, ${j}) = ${w}`)
          assert.equal(w, data[j * n + i])
          rowSum += w
          colSums[j] += w
        }
        assert.ok(Math.abs(rowSum - 1) <= 1e-12, `row ${i} sums to ${rowSum}`)
      }
      for (let j = 0; j < n; j++) assert.ok(Math.abs(colSums[j] - 1) <= 1e-12, `column ${j} sums to ${colSums[j]}`)
    }), FC)
  })

  it('eigenvalues lie in [−1, 1]; the top one is 1, simple exactly when the graph is connected', () => {
    fc.assert(fc.property(fc.oneof(connectedGraph.map((c) => c.g), anyGraph), fc.constantFrom(...WEIGHT_SCHEMES), (g, scheme) => {
      const values = eigenvalues(mixingMatrix(g, scheme))
      assert.ok(values.every((v) => v >= -1 - 1e-12 && v <= 1 + 1e-12))
      assert.ok(Math.abs(values[0] - 1) < 1e-12, `top eigenvalue ${values[0]}`)
      const ones = values.filter((v) => v > 1 - 1e-9).length
      assert.equal(ones, components(g), 'multiplicity of eigenvalue 1 = number of components')
      if (scheme.startsWith('lazy')) assert.ok(values.every((v) => v >= -1e-12))
    }), FC)
  })

  it('each node\'s row from degrees alone equals its matrix row exactly', () => {
    fc.assert(fc.property(fc.oneof(connectedGraph.map((c) => c.g), anyGraph), fc.constantFrom(...WEIGHT_SCHEMES), (g, scheme) => {
      const W = mixingMatrix(g, scheme)
      const dMax = maxDegree(g)
      for (let i = 0; i < g.n; i++) {
        const nb = g.adjacency[i]
        const row = localRow(scheme, nb.length, nb.map((j) => g.adjacency[j].length), dMax)
        assert.equal(row.self, W.data[i * g.n + i])
        for (let k = 0; k < nb.length; k++) assert.equal(row.neighbours[k], W.data[i * g.n + nb[k]])
      }
    }), FC)
  })

  it('same (spec, n, seed) always rebuilds the same graph', () => {
    fc.assert(fc.property(fc.constantFrom('erdos-renyi:0.4', 'regular:3', 'regular:4'), fc.integer({ min: 6, max: 30 }), fc.nat(), (spec, n, seed) => {
      const size = spec === 'regular:3' && n % 2 === 1 ? n + 1 : n
      assert.deepEqual(buildGraph(spec, size, { seed }), buildGraph(spec, size, { seed }))
    }), { ...FC, numRuns: 40 })
  })
})
