import assert from 'node:assert/strict'
import * as tf from '@tensorflow/tfjs'
import { createModel, initBackend, parseModelSpec } from '../../../lib/model/index.ts'
import type { ModelSpec } from '../../../lib/model/index.ts'
import { DenseKernelStep, denseKernelsAvailable } from '../../../lib/model/dense-kernels.ts'
import { forwardFor } from '../../../lib/model/networks.ts'
import { autodiffStep, newScratch, softmaxCrossEntropy } from '../../../lib/model/step.ts'
import { allocVector } from '../../../lib/vector/index.ts'
import { createRng } from '../../../lib/random/index.ts'
import { randomBatch, relError } from './helpers.ts'

// widths that are and are not multiples of 4 (the tiles' width), one and two hidden layers, MNIST's MLP
const DENSE: ModelSpec[] = [
  { kind: 'softmax', features: 12, classes: 4 },
  { kind: 'softmax', features: 13, classes: 10 },
  { kind: 'mlp', features: 12, classes: 4, hidden: [9] },
  { kind: 'mlp', features: 12, classes: 3, hidden: [9, 7] },
  { kind: 'mlp', features: 21, classes: 10, hidden: [16, 8] },
  { kind: 'mlp', features: 784, classes: 10, hidden: [128] }
]


function name (spec: ModelSpec): string {
  return spec.kind === 'mlp' ? `mlp ${spec.features}-${spec.hidden.join('-')}-${spec.classes}` : `softmax ${spec.features}-${spec.classes}`
}

describe('lib/model/dense-kernels: the dense step on the WebAssembly matrix products', () => {
  before(async () => { await initBackend('cpu') })

  it('runs here (Node has WebAssembly SIMD), so these tests test the kernels and not a fallback', () => {
    assert.equal(denseKernelsAvailable(), true)
  })

  for (const spec of DENSE) {
    it(`${name(spec)}: the loss and gradient of tfjs autodiff within float32 round-off; every memory placement, batches 5, 32, 1, 3`, () => {
      const model = createModel(spec)
      const forward = forwardFor(spec)
      const rng = createRng(41)
      const init = model.init(42)
      for (let i = 0; i < init.length; i++) if (init[i] === 0) init[i] = 0.1 * rng.normal()
      // the parameters and the gradient in the step's kernel memory (used in place) or in ordinary arrays (copied)
      for (const [paramsInKernel, gradInKernel] of [[true, true], [false, false], [true, false], [false, true]]) {
        const step = new DenseKernelStep(model.layout)
        const params = paramsInKernel ? allocVector(model.dim) : new Float32Array(model.dim)
        params.set(init)
        // batches that grow, then shrink, the step's scratch
        for (const batch of [5, 32, 1, 3]) {
          const data = randomBatch(batch, spec.features, spec.classes, 43 + batch)
          const ours = gradInKernel ? allocVector(model.dim) : new Float32Array(model.dim)
          ours.fill(NaN)
          const reference = new Float32Array(model.dim)
          const tensors = tf.memory().numTensors
          const loss = step.run(params, data.x, data.y, batch, ours)
          assert.equal(tf.memory().numTensors, tensors, 'no tfjs call')
          const lossRef = autodiffStep(model.layout, forward, params, data.x, data.y, batch, reference, newScratch())
          const where = `params ${paramsInKernel ? 'kernel' : 'plain'}, grad ${gradInKernel ? 'kernel' : 'plain'}, batch ${batch}`
          assert.ok(Math.abs(loss - lossRef) < 1e-5 * Math.max(1, Math.abs(lossRef)), `${where}: loss ${loss} vs ${lossRef}`)
          assert.ok(ours.every(Number.isFinite), `${where}: every coordinate written`)
          assert.ok(relError(ours, reference) < 1e-5, `${where}: gradient differs by ${relError(ours, reference)}`)
        }
        assert.deepEqual(Array.from(params), Array.from(init), 'params only read')
      }
      model.dispose()
    })
  }

  it('inputs that already sit in kernel memory are read in place, with the same result', () => {
    const spec: ModelSpec = { kind: 'mlp', features: 20, classes: 10, hidden: [12] }
    const model = createModel(spec)
    const params = model.init(5)
    const data = randomBatch(7, 20, 10, 6)
    const x = allocVector(data.x.length)
    x.set(data.x)
    const a = new Float32Array(model.dim)
    const b = new Float32Array(model.dim)
    const step = new DenseKernelStep(model.layout)
    const la = step.run(params, data.x, data.y, 7, a)
    const lb = step.run(params, x, data.y, 7, b)
    assert.equal(la, lb)
    assert.deepEqual(Array.from(a), Array.from(b))
  })

  it('a NaN parameter gives a NaN loss and NaN in the gradient, not an exception', () => {
    const model = createModel(parseModelSpec('mlp', { features: 16, classes: 4 }))
    const params = model.init(1)
    params[3] = NaN
    const data = randomBatch(4, 16, 4, 2)
    const grad = new Float32Array(model.dim)
    const loss = new DenseKernelStep(model.layout).run(params, data.x, data.y, 4, grad)
    assert.ok(Number.isNaN(loss))
    assert.ok(grad.some(Number.isNaN))
  })

  it('Model.stepEngine: kernels for softmax and MLP on the cpu and wasm backends, tfjs for the CNN; lossAndGradient follows it', async () => {
    for (const backend of ['cpu', 'wasm'] as const) {
      await initBackend(backend)
      try {
        const mlp = createModel(parseModelSpec('mlp', { features: 784, classes: 10 }))
        const cnn = createModel(parseModelSpec('cnn:2,2,0', { features: 784, classes: 10, imageShape: [28, 28, 1] }))
        assert.equal(mlp.stepEngine(), 'kernels', backend)
        assert.equal(cnn.stepEngine(), 'tfjs', backend)
        const params = mlp.init(3)
        const data = randomBatch(8, 784, 10, 4)
        const grad = new Float32Array(mlp.dim)
        const expected = new Float32Array(mlp.dim)
        const tensors = tf.memory().numTensors
        const loss = mlp.lossAndGradient(params, data.x, data.y, 8, grad)
        assert.equal(tf.memory().numTensors, tensors)
        assert.equal(loss, new DenseKernelStep(mlp.layout).run(params, data.x, data.y, 8, expected))
        assert.deepEqual(Array.from(grad), Array.from(expected))
        mlp.dispose(); cnn.dispose()
      } finally {
        await initBackend('cpu')
      }
    }
  })

  it('evaluate on the kernels: the loss and accuracy of the tfjs forward pass, chunked or not, a batch in packed pixels included', () => {
    const spec: ModelSpec = { kind: 'mlp', features: 30, classes: 6, hidden: [10] }
    const kernels = createModel(spec)
    const tfjs = createModel(spec, { kernels: false })
    assert.equal(kernels.stepEngine(), 'kernels')
    assert.equal(tfjs.stepEngine(), 'tfjs')
    const params = kernels.init(8)
    const split = randomBatch(503, 30, 6, 9)
    const table = Float32Array.from({ length: 256 }, (_, i) => i / 255)
    const pixels = Uint8Array.from(split.x, (v) => Math.floor(v * 255))
    for (const data of [split, { n: 503, features: 30, pixels, table, y: split.y }]) {
      for (const batchSize of [1000, 64]) {
        const ours = kernels.evaluate(params, data, { batchSize })
        const reference = tfjs.evaluate(params, data, { batchSize })
        assert.equal(ours.samples, 503)
        assert.ok(Math.abs(ours.loss - reference.loss) < 1e-5, `loss ${ours.loss} vs ${reference.loss}`)
        assert.ok(Math.abs(ours.accuracy - reference.accuracy) <= 1 / 503, `accuracy ${ours.accuracy} vs ${reference.accuracy}`)
      }
    }
  })

  it('lossAndGradient refuses a grad that shares memory with params (the kernels read params in place while writing grad)', () => {
    const model = createModel(parseModelSpec('mlp:8', { features: 12, classes: 4 }))
    const data = randomBatch(3, 12, 4, 1)
    const both = allocVector(2 * model.dim)
    both.set(model.init(1))
    const before = both.slice()
    for (const grad of [both.subarray(0, model.dim), both.subarray(5, 5 + model.dim)]) {
      assert.throws(() => model.lossAndGradient(both.subarray(0, model.dim), data.x, data.y, 3, grad),
        (err: Error) => err.name === 'ShapeMismatchError' && /shares memory with params/.test(err.message))
    }
    assert.deepEqual(Array.from(both), Array.from(before), 'nothing written')
    // adjacent, not overlapping: fine
    assert.ok(Number.isFinite(model.lossAndGradient(both.subarray(0, model.dim), data.x, data.y, 3, both.subarray(model.dim))))
  })

  it('softmaxCrossEntropy with a row stride: the same loss, rows\' pad floats neither read nor written', () => {
    const logits = Float32Array.of(0.5, -1, 2, 0.25, 3, 1)
    const padded = Float32Array.of(0.5, -1, 2, NaN, 0.25, 3, 1, NaN)
    const dl = new Float32Array(6)
    const dlPadded = new Float32Array(8).fill(7)
    const y = Uint8Array.of(2, 0)
    assert.equal(softmaxCrossEntropy(padded, y, 2, 3, dlPadded, 4), softmaxCrossEntropy(logits, y, 2, 3, dl))
    assert.deepEqual(Array.from(dlPadded), [dl[0], dl[1], dl[2], 7, dl[3], dl[4], dl[5], 7])
  })
})
