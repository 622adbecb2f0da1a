import assert from 'node:assert/strict'
import * as tf from '@tensorflow/tfjs'
import { createModel, initBackend } from '../../../lib/model/index.ts'
import type { Model, ModelSpec } from '../../../lib/model/index.ts'
import type { Split } from '../../../lib/data/index.ts'
import { conv2dRelu, dense, maxPool2 } from '../../../lib/model/layers.ts'
import { createRng } from '../../../lib/random/index.ts'
import type { Rng } from '../../../lib/random/index.ts'
import { randomBatch } from './helpers.ts'

const TINY: ModelSpec[] = [
  { kind: 'softmax', features: 6, classes: 3 },
  { kind: 'mlp', features: 6, classes: 3, hidden: [5, 4] },
  { kind: 'cnn', features: 8 * 8, classes: 3, imageShape: [8, 8, 1], filters: [2, 3], hidden: 4 },
  { kind: 'cnn', features: 6 * 6 * 2, classes: 3, imageShape: [6, 6, 2], filters: [2, 2], hidden: 0 }
]

function randomTensor (shape: number[], rng: Rng): tf.Tensor {
  const size = shape.reduce((a, b) => a * b, 1)
  const v = new Float32Array(size)
  for (let i = 0; i < size; i++) v[i] = rng.normal()
  return tf.tensor(v, shape)
}

function maxRelError (a: tf.Tensor, b: tf.Tensor): number {
  const x = a.dataSync(); const y = b.dataSync()
  assert.equal(x.length, y.length)
  let scale = 0; let err = 0
  for (let i = 0; i < x.length; i++) { scale = Math.max(scale, Math.abs(y[i])); err = Math.max(err, Math.abs(x[i] - y[i])) }
  return err / scale
}

/**
 * Central difference of the loss along v (v holds ε times a direction). The loss comes from evaluate,
 * which sums the cross-entropy in float64 over float32 logits: less round-off than the float32 loss.
 */
function directional (model: Model, params: Float32Array, v: Float32Array, data: Split): number {
  const plus = params.map((p, i) => p + v[i])
  const minus = params.map((p, i) => p - v[i])
  return (model.evaluate(plus, data).loss - model.evaluate(minus, data).loss) / 2
}

describe('lib/model gradients', () => {
  before(async () => { await initBackend('cpu') })

  it('dense layers match tfjs autodiff of the same plain ops', () => {
    const rng = createRng(11)
    tf.tidy(() => {
      const x = randomTensor([7, 5], rng) as tf.Tensor2D
      const w = randomTensor([5, 4], rng) as tf.Tensor2D
      const b = randomTensor([4], rng) as tf.Tensor1D
      const probe = randomTensor([7, 4], rng) // a random linear functional of the output
      for (const relu of [false, true]) {
        const ours = tf.grads((xi: tf.Tensor, wi: tf.Tensor, bi: tf.Tensor) =>
          tf.sum(tf.mul(dense(xi as tf.Tensor2D, wi as tf.Tensor2D, bi as tf.Tensor1D, relu, true), probe)))([x, w, b])
        const reference = tf.grads((xi: tf.Tensor, wi: tf.Tensor, bi: tf.Tensor) => {
          const z = tf.add(tf.matMul(xi as tf.Tensor2D, wi as tf.Tensor2D), bi)
          return tf.sum(tf.mul(relu ? tf.relu(z) : z, probe))
        })([x, w, b])
        for (let i = 0; i < 3; i++) assert.ok(maxRelError(ours[i], reference[i]) < 1e-5, `relu ${relu}, input ${i}`)
      }
    })
  })

  it('convolution layers match tfjs autodiff of conv2d + bias + relu (cpu has every conv kernel)', () => {
    const rng = createRng(12)
    tf.tidy(() => {
      for (const [n, side, c, f] of [[3, 6, 2, 4], [2, 7, 3, 2]]) {
        const x = randomTensor([n, side, side, c], rng) as tf.Tensor4D
        const w = randomTensor([5, 5, c, f], rng) as tf.Tensor4D
        const b = randomTensor([f], rng) as tf.Tensor1D
        const probe = randomTensor([n, side, side, f], rng)
        const ours = tf.grads((xi: tf.Tensor, wi: tf.Tensor, bi: tf.Tensor) =>
          tf.sum(tf.mul(conv2dRelu(xi as tf.Tensor4D, wi as tf.Tensor4D, bi as tf.Tensor1D, true), probe)))([x, w, b])
        const reference = tf.grads((xi: tf.Tensor, wi: tf.Tensor, bi: tf.Tensor) =>
          tf.sum(tf.mul(tf.relu(tf.add(tf.conv2d(xi as tf.Tensor4D, wi as tf.Tensor4D, 1, 'same'), bi)), probe)))([x, w, b])
        for (let i = 0; i < 3; i++) assert.ok(maxRelError(ours[i], reference[i]) < 1e-5, `side ${side}, input ${i}`)
      }
    })
  })

  for (const backend of ['cpu', 'wasm'] as const) {
    it(`maxPool2 on ${backend}: tfjs maxPool's output and its gradient on cpu, odd sides included; a tied window shares dy`, async () => {
      // the reference gradient comes from the cpu backend: wasm's MaxPoolGrad kernel misplaces some of it
      // (x of 1x6x6x3: two entries of the last column), which is why maxPool2 has its own
      const cases = [[2, 6, 6, 3], [1, 6, 6, 3], [3, 7, 5, 2], [1, 2, 3, 1]].map(([n, h, w, c], k) => {
        const rng = createRng(13 + k)
        return { shape: [n, h, w, c], x: randomTensor([n, h, w, c], rng).dataSync(), probe: randomTensor([n, Math.floor(h / 2), Math.floor(w / 2), c], rng).dataSync() }
      })
      const reference = tf.tidy(() => cases.map(({ shape, x, probe }) => {
        const [n, h, w, c] = shape
        const xt = tf.tensor4d(x, [n, h, w, c])
        const pt = tf.tensor4d(probe, [n, Math.floor(h / 2), Math.floor(w / 2), c])
        const [g] = tf.grads((xi: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(xi as tf.Tensor4D, 2, 2, 'valid'), pt)))([xt])
        return { y: Array.from(tf.maxPool(xt, 2, 2, 'valid').dataSync()), g: Array.from(g.dataSync(), (v) => v + 0) }
      }))
      await initBackend(backend)
      try {
        tf.tidy(() => {
          cases.forEach(({ shape, x, probe }, k) => {
            const [n, h, w, c] = shape
            const xt = tf.tensor4d(x, [n, h, w, c])
            const pt = tf.tensor4d(probe, [n, Math.floor(h / 2), Math.floor(w / 2), c])
            assert.deepEqual(Array.from(maxPool2(xt).dataSync()), reference[k].y)
            const [ours] = tf.grads((xi: tf.Tensor) => tf.sum(tf.mul(maxPool2(xi as tf.Tensor4D), pt)))([xt])
            // + 0: a zero of ours may be −0 (0 × a negative share)
            assert.deepEqual(Array.from(ours.dataSync(), (v) => v + 0), reference[k].g, shape.join('x'))
          })
          // one window [[1, 3], [3, 0]]: its two maxima get half of dy each
          const x = tf.tensor4d([1, 3, 3, 0], [1, 2, 2, 1])
          const [g] = tf.grads((xi: tf.Tensor) => tf.mul(tf.sum(maxPool2(xi as tf.Tensor4D)), 8))([x])
          assert.deepEqual(Array.from(g.dataSync()), [0, 4, 4, 0])
        })
      } finally {
        await initBackend('cpu')
      }
    })
  }

  for (const spec of TINY) {
    it(`${spec.kind} (dim ${createModel(spec).dim}): gradient agrees with finite differences`, () => {
      const model = createModel(spec)
      const rng = createRng(21)
      const batch = 5
      const data = randomBatch(batch, spec.features, spec.classes, 22)
      const params = model.init(23)
      // non-zero biases, so that bias gradients are exercised away from the symmetric start
      for (let i = 0; i < params.length; i++) if (params[i] === 0) params[i] = 0.1 * rng.normal()
      const grad = new Float32Array(model.dim)
      const loss = model.lossAndGradient(params, data.x, data.y, batch, grad)
      assert.ok(Number.isFinite(loss) && loss > 0)

      // Central differences at ε and ε/2 agree to O(ε²) where the loss is smooth; where they disagree the
      // step crossed a ReLU or max-pool kink, and that probe says nothing about the gradient: it is
      // skipped, and the test fails if more than a quarter of the probes had to be skipped.
      const eps = 1e-3
      const tolerance = (g: number): number => 1e-2 * Math.abs(g) + 5e-4
      let checked = 0
      let skipped = 0
      const probe = (direction: Float32Array, label: string): void => {
        let expected = 0
        for (let i = 0; i < direction.length; i++) expected += grad[i] * direction[i]
        const coarse = directional(model, params, direction.map(d => d * eps), data) / eps
        const fine = directional(model, params, direction.map(d => d * eps / 2), data) / (eps / 2)
        if (Math.abs(coarse - fine) > tolerance(fine)) { skipped++; return }
        checked++
        assert.ok(Math.abs(fine - expected) < tolerance(expected), `${label}: finite difference ${fine}, gradient ${expected}`)
      }
      // random unit directions: g·v sums every coordinate's contribution
      for (let k = 0; k < 6; k++) {
        const v = Float32Array.from({ length: model.dim }, () => rng.normal())
        const norm = Math.sqrt(v.reduce((a, e) => a + e * e, 0))
        probe(v.map(e => e / norm), `direction ${k}`)
      }
      // single coordinates: the five largest gradients, then one at random in each tensor of the layout
      const order = Array.from(grad.keys()).sort((a, b) => Math.abs(grad[b]) - Math.abs(grad[a]))
      const coords = [...order.slice(0, 5), ...model.layout.tensors.map(t => t.offset + rng.int(t.size))]
      for (const i of coords) {
        const e = new Float32Array(model.dim)
        e[i] = 1
        probe(e, `coordinate ${i}`)
      }
      assert.ok(skipped * 4 <= checked + skipped, `${skipped} of ${checked + skipped} probes crossed a kink`)
    })
  }
})
