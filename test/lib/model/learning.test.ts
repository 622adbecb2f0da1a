import assert from 'node:assert/strict'
import { createModel, initBackend } from '../../../lib/model/index.ts'
import type { Model, ModelSpec } from '../../../lib/model/index.ts'
import type { Split } from '../../../lib/data/index.ts'
import { barImages, gaussianBlobs, rows } from './helpers.ts'

/** Plain SGD written out here (lib/algorithms owns the real optimiser): x ← x − η·g over cyclic batches. */
function train (model: Model, params: Float32Array, data: Split, opts: { steps: number, batch: number, lr: number }): number[] {
  const grad = new Float32Array(model.dim)
  const losses: number[] = []
  const batches = Math.floor(data.n / opts.batch)
  for (let s = 0; s < opts.steps; s++) {
    const b = rows(data, (s % batches) * opts.batch, opts.batch, model.spec.features)
    losses.push(model.lossAndGradient(params, b.x, b.y, opts.batch, grad))
    for (let i = 0; i < params.length; i++) params[i] -= opts.lr * grad[i]
  }
  return losses
}

function mean (xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length
}

describe('lib/model learning', () => {
  before(async () => { await initBackend('cpu') })

  const blobs: Array<{ spec: ModelSpec, lr: number }> = [
    { spec: { kind: 'softmax', features: 20, classes: 5 }, lr: 0.2 },
    { spec: { kind: 'mlp', features: 20, classes: 5, hidden: [16] }, lr: 0.1 }
  ]
  for (const { spec, lr } of blobs) {
    it(`${spec.kind} learns separable Gaussian blobs: held-out accuracy far above chance (1/5)`, () => {
      const trainSet = gaussianBlobs(1024, 20, 5, 1.2, 31, 32)
      const testSet = gaussianBlobs(1000, 20, 5, 1.2, 31, 33)
      const model = createModel(spec)
      const params = model.init(34)
      const before = model.evaluate(params, testSet)
      const losses = train(model, params, trainSet, { steps: 300, batch: 32, lr })
      const after = model.evaluate(params, testSet)
      assert.ok(before.accuracy < 0.5, `an untrained model is near chance: ${before.accuracy}`)
      assert.ok(after.accuracy > 0.9, `accuracy ${after.accuracy}`)
      assert.ok(after.loss < before.loss / 3, `loss ${before.loss} -> ${after.loss}`)
      assert.ok(mean(losses.slice(-20)) < mean(losses.slice(0, 20)) / 3, 'training loss falls')
    })
  }

  it('cnn learns bar images (horizontal vs vertical, by position)', () => {
    const spec: ModelSpec = { kind: 'cnn', features: 64, classes: 4, imageShape: [8, 8, 1], filters: [4, 8], hidden: 16 }
    const trainSet = barImages(512, 8, 4, 41)
    const testSet = barImages(500, 8, 4, 42)
    const model = createModel(spec)
    const params = model.init(43)
    const before = model.evaluate(params, testSet)
    train(model, params, trainSet, { steps: 80, batch: 16, lr: 0.1 })
    const after = model.evaluate(params, testSet)
    assert.ok(before.accuracy < 0.6, `an untrained model is near chance: ${before.accuracy}`)
    assert.ok(after.accuracy > 0.9, `accuracy ${after.accuracy}`)
    assert.ok(after.loss < before.loss / 3, `loss ${before.loss} -> ${after.loss}`)
  })
})
