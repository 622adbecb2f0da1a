import assert from 'node:assert/strict'
import { softmaxRegression } from '../../../lib/objectives/index.ts'
import { syntheticLogistic } from '../../../lib/data/index.ts'
import { createRng } from '../../../lib/random/index.ts'

describe('lib/objectives softmax regression', () => {
  const data = syntheticLogistic({ samples: 400, features: 5, classes: 3, noise: 0.5, seed: 21, testSamples: 400 })

  it('gradient matches central finite differences (with l2)', () => {
    const f = softmaxRegression({ ...data.train, features: 5, classes: 3, rows: Array.from({ length: 40 }, (_, k) => k), l2: 0.1 })
    const r = createRng(1); const theta = new Float32Array(f.dim).map(() => 0.3 * r.normal())
    const g = new Float32Array(f.dim)
    f.gradient(theta, g)
    for (let i = 0; i < f.dim; i++) {
      const h = 1e-2; const tp = theta.slice(); const tm = theta.slice()
      tp[i] += h; tm[i] -= h
      const fd = (f.evaluate(tp).loss - f.evaluate(tm).loss) / (tp[i] - tm[i])
      assert.ok(Math.abs(fd - g[i]) < 2e-3, `coordinate ${i}: fd ${fd} vs ${g[i]}`)
    }
  })

  it('gradient descent reaches close to the Bayes accuracy of the planted model', () => {
    const f = softmaxRegression({ ...data.train, features: 5, classes: 3 })
    const theta = new Float32Array(f.dim); const g = new Float32Array(f.dim)
    const before = f.evaluate(theta).loss
    for (let s = 0; s < 300; s++) { f.gradient(theta, g); for (let i = 0; i < f.dim; i++) theta[i] -= 0.5 * g[i] }
    const after = f.evaluate(theta)
    assert.ok(after.loss < before)
    assert.ok(after.accuracy > data.bayesAccuracy.train - 0.08, `accuracy ${after.accuracy}, Bayes ${data.bayesAccuracy.train}`)
  })

  it('rejects labels out of range and bad shapes with InvalidObjectiveError', () => {
    assert.throws(() => softmaxRegression({ ...data.train, features: 5, classes: 2 }), (err: Error) => err.name === 'InvalidObjectiveError')
    assert.throws(() => softmaxRegression({ ...data.train, features: 4, classes: 3 }), (err: Error) => err.name === 'InvalidObjectiveError')
  })
})
