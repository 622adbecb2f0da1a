/**
 * Forward passes as functions of the weight tensors (in `paramLayout` order) and an input batch,
 * built from the layers of layers.ts (fused forward kernels, hand-written gradients).
 */
import * as tf from '@tensorflow/tfjs'
import { CNN_POOL } from './constants.ts'
import { conv2dRelu, dense, maxPool2 } from './layers.ts'
import type { ModelSpec } from './spec.ts'

/** logits [batch, classes] from the weights and inputs [batch, features] */
export type Forward = (weights: readonly tf.Tensor[], x: tf.Tensor2D) => tf.Tensor2D

export function forwardFor (spec: ModelSpec): Forward {
  switch (spec.kind) {
    case 'softmax':
    case 'mlp':
      return (weights, x) => denseStack(weights, 0, x, false)
    case 'cnn': {
      const [height, width, channels] = spec.imageShape
      return (weights, x) => {
        const n = x.shape[0]
        const images = tf.reshape(x, [n, height, width, channels]) as tf.Tensor4D
        const c1 = pool(conv2dRelu(images, weights[0] as tf.Tensor4D, weights[1] as tf.Tensor1D, false))
        const c2 = pool(conv2dRelu(c1, weights[2] as tf.Tensor4D, weights[3] as tf.Tensor1D, true))
        return denseStack(weights, 4, tf.reshape(c2, [n, -1]) as tf.Tensor2D, true)
      }
    }
  }
}

/** Dense layers from weights[start] on (w, b pairs): ReLU after each but the last, which gives logits. */
function denseStack (weights: readonly tf.Tensor[], start: number, x: tf.Tensor2D, inputGrad: boolean): tf.Tensor2D {
  let h = x
  for (let i = start; i < weights.length; i += 2) {
    const last = i + 2 >= weights.length
    h = dense(h, weights[i] as tf.Tensor2D, weights[i + 1] as tf.Tensor1D, !last, inputGrad || i > start)
  }
  return h
}

/** 2x2 max-pooling with stride 2 ('valid': an odd side drops its last row or column). */
function pool (x: tf.Tensor4D): tf.Tensor4D {
  return CNN_POOL === 2 ? maxPool2(x) : tf.maxPool(x, CNN_POOL, CNN_POOL, 'valid')
}
