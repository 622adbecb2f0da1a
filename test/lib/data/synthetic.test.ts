import assert from 'node:assert/strict'
import { syntheticLeastSquares, syntheticLogistic } from '../../../lib/data/index.ts'
import type { LeastSquaresProblem } from '../../../lib/data/index.ts'

/** Aᵀ(Ax − b) / n in float64: the gradient of (1/2n)‖Ax − b‖². */
function gradient (p: LeastSquaresProblem, x: ArrayLike<number>): Float64Array {
  const { samples: n, features: d, a, b } = p
  const g = new Float64Array(d)
  for (let i = 0; i < n; i++) {
    let r = -b[i]
    for (let j = 0; j < d; j++) r += a[i * d + j] * x[j]
    for (let j = 0; j < d; j++) g[j] += a[i * d + j] * r / n
  }
  return g
}

function objective (p: LeastSquaresProblem, x: ArrayLike<number>): number {
  let s = 0
  for (let i = 0; i < p.samples; i++) {
    let r = -p.b[i]
    for (let j = 0; j < p.features; j++) r += p.a[i * p.features + j] * x[j]
    s += r * r
  }
  return s / (2 * p.samples)
}

const norm = (v: ArrayLike<number>): number => Math.sqrt(Array.from(v).reduce((s, x) => s + x * x, 0))

/** Planted class probabilities softmax(W x / noise) of row i, in float64. */
function plantedProbabilities (w: Float32Array, x: Float32Array, i: number, d: number, classes: number, noise: number): number[] {
  const z = Array.from({ length: classes }, (_, c) => {
    let s = 0
    for (let j = 0; j < d; j++) s += w[c * d + j] * x[i * d + j]
    return s / noise
  })
  const top = Math.max(...z)
  const e = z.map((v) => Math.exp(v - top))
  const sum = e.reduce((s, v) => s + v, 0)
  return e.map((v) => v / sum)
}

describe('lib/data synthetic problems', () => {
  describe('least squares', () => {
    it('xStar has zero gradient (to float64 round-off) and is the minimum', () => {
      const p = syntheticLeastSquares({ samples: 400, features: 60, noise: 0.5, seed: 3 })
      assert.equal(p.a.length, 400 * 60)
      assert.equal(p.b.length, 400)
      const g = gradient(p, p.xStar)
      assert.ok(norm(g) < 1e-12 * norm(p.xStar), `‖∇f(x*)‖ = ${norm(g)}`)
      assert.ok(Math.abs(objective(p, p.xStar) - p.fStar) < 1e-12)
      // with noise, x* is not the planted x, and the planted x is worse
      assert.ok(objective(p, p.xPlanted) > p.fStar)
      const nudged = Float64Array.from(p.xStar, (v, j) => v + (j % 2 === 0 ? 1e-3 : -1e-3))
      assert.ok(objective(p, nudged) > p.fStar)
    })

    it('noise 0 gives xStar = xPlanted and f* = 0 (up to float32 storage of b)', () => {
      const p = syntheticLeastSquares({ samples: 300, features: 40, noise: 0, seed: 4 })
      for (let j = 0; j < 40; j++) assert.ok(Math.abs(p.xStar[j] - p.xPlanted[j]) < 1e-5, `coordinate ${j}`)
      assert.ok(p.fStar < 1e-12)
    })

    it('is seeded: same seed same problem; the noise level leaves A and xPlanted unchanged', () => {
      const opts = { samples: 100, features: 10, noise: 0.1, seed: 5 }
      assert.deepEqual(syntheticLeastSquares(opts), syntheticLeastSquares(opts))
      const other = syntheticLeastSquares({ ...opts, seed: 6 })
      assert.notDeepEqual(other.a, syntheticLeastSquares(opts).a)
      const quiet = syntheticLeastSquares({ ...opts, noise: 0 })
      const loud = syntheticLeastSquares({ ...opts, noise: 1 })
      assert.deepEqual(quiet.a, loud.a)
      assert.deepEqual(quiet.xPlanted, loud.xPlanted)
      assert.notDeepEqual(quiet.b, loud.b)
    })

    it('rejects fewer samples than features and bad options with InvalidDataOptionsError', () => {
      for (const opts of [
        { samples: 5, features: 10, noise: 0, seed: 1 },
        { samples: 0, features: 1, noise: 0, seed: 1 },
        { samples: 10, features: 2.5, noise: 0, seed: 1 },
        { samples: 10, features: 2, noise: -1, seed: 1 },
        { samples: 10, features: 2, noise: Number.NaN, seed: 1 }
      ]) assert.throws(() => syntheticLeastSquares(opts), { name: 'InvalidDataOptionsError' }, JSON.stringify(opts))
    })
  })

  describe('logistic (planted softmax)', () => {
    it('noise 0: every label is the planted argmax; planted and Bayes accuracy are 1', () => {
      const p = syntheticLogistic({ samples: 500, features: 8, classes: 4, noise: 0, seed: 1, testSamples: 200 })
      assert.equal(p.train.n, 500)
      assert.equal(p.test.n, 200)
      assert.equal(p.train.x.length, 500 * 8)
      assert.equal(p.wPlanted.length, 4 * 8)
      for (let i = 0; i < 500; i++) {
        const probs = plantedProbabilities(p.wPlanted, p.train.x, i, 8, 4, 1)
        assert.equal(p.train.y[i], probs.indexOf(Math.max(...probs)), `row ${i}`)
      }
      assert.deepEqual(p.plantedAccuracy, { train: 1, test: 1 })
      assert.deepEqual(p.bayesAccuracy, { train: 1, test: 1 })
      const classesSeen = new Set(p.train.y)
      assert.equal(classesSeen.size, 4)
    })

    it('labels follow the planted model: calibrated probabilities, and the planted likelihood beats others', () => {
      const d = 10
      const classes = 3
      const noise = 1
      const p = syntheticLogistic({ samples: 20_000, features: d, classes, noise, seed: 2 })
      const other = syntheticLogistic({ samples: 1, features: d, classes, noise, seed: 99 })
      const bins = Array.from({ length: 10 }, () => ({ count: 0, predicted: 0, observed: 0 }))
      let llPlanted = 0
      let llOther = 0
      for (let i = 0; i < p.train.n; i++) {
        const probs = plantedProbabilities(p.wPlanted, p.train.x, i, d, classes, noise)
        llPlanted += Math.log(probs[p.train.y[i]])
        llOther += Math.log(plantedProbabilities(other.wPlanted, p.train.x, i, d, classes, noise)[p.train.y[i]])
        for (let c = 0; c < classes; c++) {
          const bin = bins[Math.min(9, Math.floor(probs[c] * 10))]
          bin.count++
          bin.predicted += probs[c]
          if (p.train.y[i] === c) bin.observed++
        }
      }
      let checked = 0
      for (const bin of bins) {
        if (bin.count < 500) continue
        const q = bin.predicted / bin.count
        const se = Math.sqrt(q * (1 - q) / bin.count)
        assert.ok(Math.abs(bin.observed / bin.count - q) < 5 * se, `bin: predicted ${q}, observed ${bin.observed / bin.count}`)
        checked++
      }
      assert.ok(checked >= 5, `only ${checked} bins had enough samples`)
      assert.ok(llPlanted > llOther, 'labels fit an unrelated model as well as the planted one')
      assert.ok(llPlanted / p.train.n > Math.log(1 / classes) + 0.05, 'labels no more predictable than uniform')
      // empirical accuracy of the planted argmax agrees with its expectation (binomial, 5 standard errors)
      const q = p.bayesAccuracy.train
      assert.ok(Math.abs(p.plantedAccuracy.train - q) < 5 * Math.sqrt(q * (1 - q) / p.train.n))
      assert.ok(q > 1 / classes && q < 1)
    })

    it('defaults to two classes and as many test as training samples; is seeded; validates options', () => {
      const opts = { samples: 300, features: 5, noise: 0.5, seed: 7 }
      const p = syntheticLogistic(opts)
      assert.equal(p.classes, 2)
      assert.equal(p.test.n, 300)
      assert.deepEqual(syntheticLogistic(opts), p)
      assert.notDeepEqual(syntheticLogistic({ ...opts, seed: 8 }).train.y, p.train.y)
      for (const bad of [{ classes: 1 }, { classes: 257 }, { noise: -0.1 }, { samples: 0 }, { testSamples: 0 }]) {
        assert.throws(() => syntheticLogistic({ ...opts, ...bad }), { name: 'InvalidDataOptionsError' }, JSON.stringify(bad))
      }
    })
  })
})
