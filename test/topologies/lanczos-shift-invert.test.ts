import assert from 'node:assert/strict'
import { buildGraph, eigenvalues, lambda2Sparse, mixingMatrix } from '../../topologies/index.ts'
import { BandMatrix, reverseCuthillMcKee } from '../../topologies/banded.ts'
import { createRng } from '../../lib/random/index.ts'

/** Ring of n with Metropolis weights 1/3: eigenvalues 1/3 + 2/3·cos(2πk/n) (DESIGN.md, "what the literature gives") */
const ringLambda2 = (n: number): number => 1 / 3 + (2 / 3) * Math.cos(2 * Math.PI / n)
/** r×c torus (r, c ≥ 3) with weights 1/5: 1/5 + 2/5·cos(2πa/r) + 2/5·cos(2πb/c), the largest below 1 at (a, b) = (0, 1) for r ≤ c */
const torusLambda2 = (r: number, c: number): number => 1 / 5 + 2 / 5 + (2 / 5) * Math.cos(2 * Math.PI / Math.max(r, c))

describe('topologies/lanczos: shift-and-invert', () => {
  it('reverseCuthillMcKee gives a permutation whose bandwidth is 2 on a ring and at most 2·side on a square torus', () => {
    for (const [spec, n, most] of [['ring', 101, 2], ['ring', 4096, 2], ['torus', 64, 16], ['torus:2x50', 100, 6]] as Array<[string, number, number]>) {
      const o = reverseCuthillMcKee(buildGraph(spec, n))
      assert.deepEqual([...o.order].sort((a, b) => a - b), Array.from({ length: n }, (_, i) => i), `${spec}: a permutation`)
      for (let p = 0; p < n; p++) assert.equal(o.pos[o.order[p]], p)
      assert.ok(o.bandwidth <= most, `${spec} n=${n}: bandwidth ${o.bandwidth} > ${most}`)
    }
  })

  it('BandMatrix: cholesky + solve inverts a random banded SPD matrix; refuses an indefinite one', () => {
    const rng = createRng(3)
    const m = 40; const b = 3
    const dense = Array.from({ length: m }, () => new Float64Array(m))
    const a = new BandMatrix(m, b)
    for (let i = 0; i < m; i++) {
      for (let j = Math.max(0, i - b); j < i; j++) { const v = rng.normal(); dense[i][j] = v; dense[j][i] = v; a.add(i, j, v) }
      dense[i][i] = 2 * b + 2; a.add(i, i, 2 * b + 2) // diagonally dominant: positive definite
    }
    const x = Float64Array.from({ length: m }, () => rng.normal())
    const rhs = new Float64Array(m)
    for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) rhs[i] += dense[i][j] * x[j]
    assert.ok(a.cholesky())
    a.solve(rhs)
    for (let i = 0; i < m; i++) assert.ok(Math.abs(rhs[i] - x[i]) < 1e-12, `x[${i}]`)
    const bad = new BandMatrix(2, 1)
    bad.add(0, 0, 1); bad.add(1, 0, 2); bad.add(1, 1, 1)
    assert.equal(bad.cholesky(), false)
  })

  it('forced shift-invert agrees with the dense solver to 1e-9 (λ₂ always; λₙ where it converged)', () => {
    const cases: Array<[string, number]> = [['ring', 40], ['ring', 3], ['torus', 64], ['regular:4', 120], ['exponential', 64], ['star', 30], ['complete', 12]]
    for (const [spec, n] of cases) {
      const g = buildGraph(spec, n, { seed: 4 })
      for (const scheme of ['metropolis', 'lazy-max-degree']) {
        const dense = eigenvalues(mixingMatrix(g, scheme))
        const r = lambda2Sparse(g, scheme, { method: 'shift-invert' })
        const where = `${spec} n=${n} ${scheme}`
        assert.equal(r.method, 'shift-invert')
        assert.ok(Math.abs(r.second - dense[1]) < 1e-9, `${where}: λ₂ ${r.second} vs ${dense[1]}`)
        assert.ok(Math.abs(r.lambda2 - Math.max(Math.abs(dense[1]), Math.abs(dense[n - 1]))) < 1e-9, where)
        if (r.lastExact) assert.ok(Math.abs(r.last - dense[n - 1]) < 1e-9, `${where}: λₙ ${r.last} vs ${dense[n - 1]}`)
        else assert.ok(r.last >= dense[n - 1] - 1e-12, `${where}: an inexact λₙ is an upper bound`)
      }
    }
  })

  // n = 4,096 is timed by scripts/bench/sim.ts (npm run bench); n = 1,024 keeps this test fast
  it('n = 1,024: ring and 32×32 torus match their closed forms (1 − λ₂ to 1e-6 relative), without the full spectrum', function () {
    this.timeout(20_000)
    const ring = lambda2Sparse(buildGraph('ring', 1024), 'metropolis', { maxIterations: 100 })
    assert.equal(ring.method, 'shift-invert')
    assert.ok(Math.abs((1 - ring.lambda2) / (1 - ringLambda2(1024)) - 1) < 1e-6, `ring: ${ring.lambda2} vs ${ringLambda2(1024)}`)
    const torus = lambda2Sparse(buildGraph('torus', 1024))
    assert.ok(Math.abs((1 - torus.lambda2) / (1 - torusLambda2(32, 32)) - 1) < 1e-6, `torus: ${torus.lambda2} vs ${torusLambda2(32, 32)}`)
  })
})
