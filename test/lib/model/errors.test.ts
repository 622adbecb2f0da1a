import assert from 'node:assert/strict'
import { createModel, initBackend } from '../../../lib/model/index.ts'
import type { Model, ModelSpec } from '../../../lib/model/index.ts'
import { randomBatch } from './helpers.ts'

const SPEC: ModelSpec = { kind: 'mlp', features: 4, classes: 3, hidden: [5] }

describe('lib/model input checks', () => {
  before(async () => { await initBackend('cpu') })

  it('lossAndGradient names every mismatch before touching tfjs', () => {
    const model = createModel(SPEC)
    const params = model.init(1)
    const grad = new Float32Array(model.dim)
    const { x, y } = randomBatch(6, 4, 3, 2)
    const cases: Array<{ id: string, call: (m: Model) => unknown, expectedError: string }> = [
      { id: 'params too short', call: m => m.lossAndGradient(params.subarray(1), x, y, 6, grad), expectedError: 'ShapeMismatchError' },
      { id: 'params not a Float32Array', call: m => m.lossAndGradient(Float64Array.from(params) as unknown as Float32Array, x, y, 6, grad), expectedError: 'ShapeMismatchError' },
      { id: 'grad too long', call: m => m.lossAndGradient(params, x, y, 6, new Float32Array(model.dim + 1)), expectedError: 'ShapeMismatchError' },
      { id: 'x shorter than batch × features', call: m => m.lossAndGradient(params, x.subarray(4), y, 6, grad), expectedError: 'ShapeMismatchError' },
      { id: 'batch larger than the data', call: m => m.lossAndGradient(params, x, y, 7, grad), expectedError: 'ShapeMismatchError' },
      { id: 'fewer labels than the batch', call: m => m.lossAndGradient(params, x, y.subarray(1), 6, grad), expectedError: 'ShapeMismatchError' },
      { id: 'batch zero', call: m => m.lossAndGradient(params, new Float32Array(0), new Uint8Array(0), 0, grad), expectedError: 'ShapeMismatchError' },
      { id: 'fractional batch', call: m => m.lossAndGradient(params, x, y, 5.5, grad), expectedError: 'ShapeMismatchError' },
      { id: 'label = classes', call: m => m.lossAndGradient(params, x, Uint8Array.from([0, 1, 2, 3, 0, 1]), 6, grad), expectedError: 'LabelOutOfRangeError' },
      { id: 'evaluate with x not n × features', call: m => m.evaluate(params, { n: 6, x: x.subarray(1), y }), expectedError: 'ShapeMismatchError' },
      { id: 'evaluate with y not n', call: m => m.evaluate(params, { n: 5, x: x.subarray(0, 20), y }), expectedError: 'ShapeMismatchError' },
      { id: 'evaluate with a bad label', call: m => m.evaluate(params, { n: 6, x, y: Uint8Array.from([0, 1, 2, 9, 0, 1]) }), expectedError: 'LabelOutOfRangeError' },
      { id: 'evaluate an empty split', call: m => m.evaluate(params, { n: 0, x: new Float32Array(0), y: new Uint8Array(0) }), expectedError: 'ShapeMismatchError' },
      { id: 'evaluate with limit 0', call: m => m.evaluate(params, { n: 6, x, y }, { limit: 0 }), expectedError: 'ShapeMismatchError' },
      { id: 'evaluate with batchSize 0', call: m => m.evaluate(params, { n: 6, x, y }, { batchSize: 0 }), expectedError: 'ShapeMismatchError' }
    ]
    for (const c of cases) assert.throws(() => c.call(model), { name: c.expectedError }, c.id)
    // the label check counts only the evaluated samples
    assert.equal(model.evaluate(params, { n: 6, x, y: Uint8Array.from([0, 1, 2, 9, 0, 1]) }, { limit: 3 }).samples, 3)
  })

  it('a disposed model refuses work with ModelDisposedError', () => {
    const model = createModel(SPEC)
    const params = model.init(1)
    model.dispose()
    const { x, y } = randomBatch(2, 4, 3, 3)
    assert.throws(() => model.init(1), { name: 'ModelDisposedError' })
    assert.throws(() => model.lossAndGradient(params, x, y, 2, new Float32Array(model.dim)), { name: 'ModelDisposedError' })
    assert.throws(() => model.evaluate(params, { n: 2, x, y }), { name: 'ModelDisposedError' })
  })

  it('error classes carry their name statically and on instances', async () => {
    const errors = await import('../../../lib/model/index.ts')
    for (const cls of [errors.ShapeMismatchError, errors.LabelOutOfRangeError, errors.BackendUnavailableError,
      errors.UnknownBackendError, errors.InvalidModelSpecError, errors.ModelDisposedError]) {
      assert.equal(new cls().name, cls.name)
      assert.ok(new cls() instanceof Error)
    }
  })
})
