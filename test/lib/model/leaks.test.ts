import assert from 'node:assert/strict'
import * as tf from '@tensorflow/tfjs'
import { createModel, initBackend } from '../../../lib/model/index.ts'
import type { ModelSpec } from '../../../lib/model/index.ts'
import { randomBatch } from './helpers.ts'

const SPECS: ModelSpec[] = [
  { kind: 'softmax', features: 10, classes: 3 },
  { kind: 'mlp', features: 10, classes: 3, hidden: [6, 5] },
  { kind: 'cnn', features: 36, classes: 3, imageShape: [6, 6, 1], filters: [2, 2], hidden: 3 }
]

describe('lib/model memory and non-finite values', () => {
  before(async () => { await initBackend('cpu') })

  for (const spec of SPECS) {
    it(`${spec.kind}: lossAndGradient and evaluate leave tf.memory().numTensors unchanged`, () => {
      const model = createModel(spec)
      const params = model.init(1)
      const grad = new Float32Array(model.dim)
      const data = randomBatch(25, spec.features, spec.classes, 2)
      const before = tf.memory().numTensors
      for (let i = 0; i < 3; i++) model.lossAndGradient(params, data.x.subarray(0, 8 * spec.features), data.y.subarray(0, 8), 8, grad)
      model.evaluate(params, data, { batchSize: 7 }) // four chunks, the last partial
      model.evaluate(params, data, { limit: 5 })
      assert.throws(() => model.lossAndGradient(params, data.x, data.y, 3, grad), { name: 'ShapeMismatchError' })
      assert.equal(tf.memory().numTensors, before)
      model.dispose()
      assert.equal(tf.memory().numTensors, before)
    })
  }

  it('evaluate gives the same result whatever the chunk size, and limit takes the first samples', () => {
    const spec = SPECS[1]
    const model = createModel(spec)
    const params = model.init(3)
    const data = randomBatch(50, spec.features, spec.classes, 4)
    const whole = model.evaluate(params, data)
    const chunked = model.evaluate(params, data, { batchSize: 7 })
    assert.equal(whole.samples, 50)
    assert.ok(Math.abs(whole.loss - chunked.loss) < 1e-12)
    assert.equal(whole.accuracy, chunked.accuracy)
    const first = model.evaluate(params, data, { limit: 10 })
    const head = model.evaluate(params, { n: 10, x: data.x.subarray(0, 10 * spec.features), y: data.y.subarray(0, 10) })
    assert.deepEqual(first, head)
    assert.equal(model.evaluate(params, data, { limit: 1000 }).samples, 50)
  })

  it('evaluate matches the loss lossAndGradient reports for the same batch', () => {
    const spec = SPECS[2]
    const model = createModel(spec)
    const params = model.init(5)
    const data = randomBatch(9, spec.features, spec.classes, 6)
    const loss = model.lossAndGradient(params, data.x, data.y, 9, new Float32Array(model.dim))
    assert.ok(Math.abs(model.evaluate(params, data).loss - loss) < 1e-5 * loss)
  })

  it('non-finite parameters give a NaN loss (and gradient) instead of throwing, without leaking', () => {
    const spec = SPECS[1]
    const model = createModel(spec)
    const data = randomBatch(4, spec.features, spec.classes, 7)
    const before = tf.memory().numTensors
    for (const bad of [NaN, Infinity]) {
      const params = model.init(8)
      params[0] = bad
      const grad = new Float32Array(model.dim)
      const loss = model.lossAndGradient(params, data.x, data.y, 4, grad)
      assert.ok(Number.isNaN(loss), `loss with a ${bad} parameter is ${loss}`)
      assert.ok(grad.some(g => !Number.isFinite(g)), 'the gradient shows it too')
      assert.ok(Number.isNaN(model.evaluate(params, data).loss))
    }
    assert.equal(tf.memory().numTensors, before)
  })
})
