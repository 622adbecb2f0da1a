import assert from 'node:assert/strict'
import { buildGraph, describe as describeTopology, describeSparse, eigenvalues, lambda2Sparse, mixingMatrix } from '../../topologies/index.ts'
import { assertThrowsNamed } from './helpers.ts'

describe('topologies/lanczos: lambda2Sparse', () => {
  it('agrees with the dense solver on λ₂, λₙ and max(|λ₂|, |λₙ|) to 1e-9', () => {
    const cases: Array<[string, number]> = [['regular:4', 200], ['exponential', 150], ['erdos-renyi:0.1', 120], ['ring', 40],
      ['star', 30], ['torus', 64], ['complete', 20], ['hypercube', 64], ['ring', 2], ['ring', 3]]
    for (const [spec, n] of cases) {
      const g = buildGraph(spec, n, { seed: 5 })
      for (const scheme of ['metropolis', 'lazy-max-degree']) {
        const dense = eigenvalues(mixingMatrix(g, scheme))
        const sparse = lambda2Sparse(g, scheme)
        const where = `${spec} n=${n} ${scheme}`
        assert.ok(Math.abs(sparse.second - dense[1]) < 1e-9, `${where}: λ₂ ${sparse.second} vs ${dense[1]}`)
        assert.ok(Math.abs(sparse.last - dense[n - 1]) < 1e-9, `${where}: λₙ ${sparse.last} vs ${dense[n - 1]}`)
        assert.ok(Math.abs(sparse.lambda2 - Math.max(Math.abs(dense[1]), Math.abs(dense[n - 1]))) < 1e-9, where)
      }
    }
    assert.equal(lambda2Sparse(buildGraph('ring', 1)).lambda2, 0)
  })

  it('n = 4,096 exponential graph: λ₂ = 1 − 2/log₂ n = 5/6 within a second or two', function () {
    this.timeout(30_000)
    const g = buildGraph('exponential', 4096)
    const t0 = performance.now()
    const { lambda2 } = lambda2Sparse(g)
    const ms = performance.now() - t0
    console.log(`      lambda2Sparse(exponential, n = 4096): ${ms.toFixed(0)} ms`)
    assert.ok(Math.abs(lambda2 - 5 / 6) < 1e-9, `${lambda2}`)
    assert.ok(ms < 10_000)
  })

  it('describeSparse matches describe apart from the eigenvalue list', () => {
    const g = buildGraph('regular:5', 120, { seed: 2 })
    const dense = describeTopology(g)
    const sparse = describeSparse(g)
    assert.equal(sparse.n, dense.n)
    assert.equal(sparse.edges, dense.edges)
    assert.deepEqual(sparse.degree, dense.degree)
    assert.ok(Math.abs(sparse.lambda2 - dense.lambda2) < 1e-9)
    assert.ok(Math.abs(sparse.normIminusW - dense.normIminusW) < 1e-9)
    assert.equal(sparse.mixingTime, dense.mixingTime)
  })

  it('throws EigenConvergenceError when the ends stay crowded, InvalidGraphError on a broken graph', () => {
    assertThrowsNamed(() => lambda2Sparse(buildGraph('ring', 2000), 'metropolis', { maxIterations: 30, method: 'lanczos' }), 'EigenConvergenceError')
    assertThrowsNamed(() => lambda2Sparse({ n: 3, adjacency: [[1], [], []] }), 'InvalidGraphError')
    assertThrowsNamed(() => lambda2Sparse(buildGraph('ring', 5), 'best'), 'InvalidWeightSchemeError')
  })
})
