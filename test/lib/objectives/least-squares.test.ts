import assert from 'node:assert/strict'
import { leastSquares } from '../../../lib/objectives/index.ts'
import { syntheticLeastSquares } from '../../../lib/data/index.ts'
import { createRng } from '../../../lib/random/index.ts'
import { norm2sq } from '../../../lib/vector/index.ts'

const problem = syntheticLeastSquares({ samples: 120, features: 8, noise: 0.1, seed: 11 })
const xStar = Float32Array.from(problem.xStar)

describe('lib/objectives least squares', () => {
  it('has a (numerically) zero full-batch gradient at lib/data\'s xStar and a positive one elsewhere', () => {
    const f = leastSquares({ a: problem.a, b: problem.b, features: 8 })
    const g = new Float32Array(8)
    const loss = f.gradient(xStar, g)
    assert.ok(Math.sqrt(norm2sq(g)) < 1e-5, `‖∇f(x*)‖ = ${Math.sqrt(norm2sq(g))}`)
    assert.ok(Math.abs(loss - problem.fStar) < 1e-6 * (1 + problem.fStar), `${loss} vs f* ${problem.fStar}`)
    const x = xStar.slice(); x[3] += 0.5
    f.gradient(x, g)
    assert.ok(Math.sqrt(norm2sq(g)) > 1e-2)
    assert.ok(f.loss(x) > loss)
  })

  it('gradient matches central finite differences of the loss on a row subset', () => {
    const rows = Array.from({ length: 30 }, (_, k) => 4 * k)
    const f = leastSquares({ a: problem.a, b: problem.b, features: 8, rows })
    const r = createRng(3); const x = new Float32Array(8).map(() => r.normal())
    const g = new Float32Array(8)
    f.gradient(x, g)
    for (let i = 0; i < 8; i++) {
      const h = 1e-2; const xp = x.slice(); const xm = x.slice()
      xp[i] += h; xm[i] -= h
      const fd = (f.loss(xp) - f.loss(xm)) / (xp[i] - xm[i])
      assert.ok(Math.abs(fd - g[i]) < 1e-3 * (1 + Math.abs(g[i])), `coordinate ${i}: fd ${fd} vs ${g[i]}`)
    }
  })

  it('minibatch gradients over one epoch average to the full-batch gradient (each row once per epoch)', () => {
    const rows = Array.from({ length: 60 }, (_, k) => k + 30)
    const full = leastSquares({ a: problem.a, b: problem.b, features: 8, rows })
    const mini = leastSquares({ a: problem.a, b: problem.b, features: 8, rows, batchSize: 12, rng: createRng(5) })
    const x = new Float32Array(8).fill(0.3)
    const g = new Float32Array(8); const acc = new Float64Array(8); const gFull = new Float32Array(8)
    full.gradient(x, gFull)
    for (let s = 0; s < 5; s++) { mini.gradient(x, g); for (let i = 0; i < 8; i++) acc[i] += g[i] / 5 }
    for (let i = 0; i < 8; i++) assert.ok(Math.abs(acc[i] - gFull[i]) < 1e-5 * (1 + Math.abs(gFull[i])), `${acc[i]} vs ${gFull[i]}`)
    // the second epoch is a different order: its first batch differs from the first epoch's
    const again = leastSquares({ a: problem.a, b: problem.b, features: 8, rows, batchSize: 12, rng: createRng(5) })
    const first = new Float32Array(8); again.gradient(x, first)
    const sixth = new Float32Array(8); mini.gradient(x, sixth)
    assert.notDeepEqual(first, sixth)
  })

  it('exportState/importState resumes the same minibatch stream; same seed, same stream', () => {
    const make = () => leastSquares({ a: problem.a, b: problem.b, features: 8, batchSize: 7, rng: createRng(9) })
    const a = make(); const x = new Float32Array(8).fill(-0.2); const g = new Float32Array(8)
    for (let s = 0; s < 23; s++) a.gradient(x, g)
    const saved = a.exportState!()
    assert.equal(saved.steps, 23)
    const b = make()
    b.importState!(saved)
    const ga = new Float32Array(8); const gb = new Float32Array(8)
    for (let s = 0; s < 30; s++) {
      assert.equal(a.gradient(x, ga), b.gradient(x, gb))
      assert.deepEqual(ga, gb)
    }
  })

  it('rejects inconsistent options with InvalidObjectiveError', () => {
    const bad = [
      { a: problem.a, b: problem.b, features: 7 },
      { a: problem.a, b: problem.b, features: 8, rows: [] },
      { a: problem.a, b: problem.b, features: 8, rows: [0, 120] },
      { a: problem.a, b: problem.b, features: 8, batchSize: 0 },
      { a: problem.a, b: problem.b, features: 8, batchSize: 4 } // minibatches without an rng
    ]
    for (const init of bad) assert.throws(() => leastSquares(init), (err: Error) => err.name === 'InvalidObjectiveError')
  })
})
