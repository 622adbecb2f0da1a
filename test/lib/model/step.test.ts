import assert from 'node:assert/strict'
import * as tf from '@tensorflow/tfjs'
import { createModel, initBackend } from '../../../lib/model/index.ts'
import type { ModelSpec } from '../../../lib/model/index.ts'
import { forwardFor } from '../../../lib/model/networks.ts'
import { autodiffStep, denseStep, newScratch, readInto, softmaxCrossEntropy } from '../../../lib/model/step.ts'
import { createRng } from '../../../lib/random/index.ts'
import { randomBatch, relError } from './helpers.ts'

const DENSE: ModelSpec[] = [
  { kind: 'softmax', features: 12, classes: 4 },
  { kind: 'mlp', features: 12, classes: 4, hidden: [9] },
  { kind: 'mlp', features: 12, classes: 4, hidden: [9, 7] },
  { kind: 'mlp', features: 784, classes: 10, hidden: [128] }
]


describe('lib/model/step: the written-out dense backward pass against tfjs autodiff', () => {
  for (const backend of ['cpu', 'wasm'] as const) {
    describe(`on the ${backend} backend`, () => {
      before(async () => { await initBackend(backend) })
      after(async () => { await initBackend('cpu') })

      for (const spec of DENSE) {
        const name = spec.kind === 'mlp' ? `mlp ${spec.features}-${spec.hidden.join('-')}-${spec.classes}` : 'softmax'
        it(`${name}: same loss and gradient within float32 round-off, batch 1, 5 and 32`, () => {
          const model = createModel(spec)
          const forward = forwardFor(spec)
          const rng = createRng(31)
          const params = model.init(32)
          // non-zero biases, so that every bias gradient is exercised
          for (let i = 0; i < params.length; i++) if (params[i] === 0) params[i] = 0.1 * rng.normal()
          for (const batch of [1, 5, 32]) {
            const data = randomBatch(batch, spec.features, spec.classes, 33 + batch)
            const ours = new Float32Array(model.dim).fill(NaN)
            const reference = new Float32Array(model.dim).fill(NaN)
            const before = tf.memory().numTensors
            const lossOurs = denseStep(model.layout, params, data.x, data.y, batch, ours, newScratch())
            assert.equal(tf.memory().numTensors, before, 'no tensor left behind')
            const lossRef = autodiffStep(model.layout, forward, params, data.x, data.y, batch, reference, newScratch())
            assert.ok(Math.abs(lossOurs - lossRef) < 1e-5 * Math.max(1, Math.abs(lossRef)), `batch ${batch}: loss ${lossOurs} vs ${lossRef}`)
            assert.ok(ours.every(Number.isFinite), 'every coordinate written')
            assert.ok(relError(ours, reference) < 1e-5, `batch ${batch}: gradient differs by ${relError(ours, reference)}`)
          }
          model.dispose()
        })
      }
    })
  }

  for (const backend of ['cpu', 'wasm'] as const) {
    it(`readInto on the ${backend} backend: the tensor's values at the offset, nothing else written`, async () => {
      await initBackend(backend)
      try {
        const values = Float32Array.from({ length: 1000 }, (_, i) => Math.sin(i) * 1e3)
        const out = new Float32Array(1010).fill(-7)
        tf.tidy(() => {
          // a computed tensor (the gradients are), not only an uploaded one
          const t = tf.add(tf.tensor1d(values), tf.scalar(1))
          readInto(t, out, 5)
          assert.deepEqual(Array.from(out.subarray(5, 1005)), Array.from(t.dataSync()))
        })
        assert.deepEqual(Array.from(out.subarray(0, 5)), [-7, -7, -7, -7, -7])
        assert.deepEqual(Array.from(out.subarray(1005)), [-7, -7, -7, -7, -7])
      } finally {
        await initBackend('cpu')
      }
    })
  }

  it('softmaxCrossEntropy: log(classes) and (1/C − onehot)/batch at zero logits; NaN for NaN or infinite logits', () => {
    const dl = new Float32Array(8)
    const loss = softmaxCrossEntropy(new Float32Array(8), Uint8Array.of(1, 3), 2, 4, dl)
    assert.ok(Math.abs(loss - Math.log(4)) < 1e-12)
    assert.deepEqual(Array.from(dl), [0.125, -0.375, 0.125, 0.125, 0.125, 0.125, 0.125, -0.375])
    for (const bad of [NaN, Infinity, -Infinity]) {
      const logits = Float32Array.of(0, 1, bad, 2)
      const l = softmaxCrossEntropy(logits, Uint8Array.of(0), 1, 4, new Float32Array(4))
      if (bad === -Infinity) assert.ok(Number.isFinite(l), 'a −∞ logit is a zero probability, not an error')
      else assert.ok(Number.isNaN(l), `logit ${bad}`)
    }
  })
})
