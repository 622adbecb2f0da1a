/**
 * Where each weight tensor lives in the flat parameter vector.
 *
 * Tensors are stored one after the other, each row-major in tfjs's own layout, weight before bias,
 * layers from input to output:
 *   dense layer i:  dense<i>.w [in, out] (so logits = x·W + b), dense<i>.b [out]
 *   convolution i:  conv<i>.w [5, 5, inChannels, filters] (tf.conv2d's HWIO), conv<i>.b [filters]
 * softmax = dense0 only; mlp = dense0 .. dense<h>; cnn = conv1, conv2, then its dense layers, whose
 * first input is the pooled feature map flattened in NHWC order (height, width, channel).
 */
import { CNN_KERNEL, CNN_POOL } from './constants.ts'
import type { CnnSpec, ModelSpec } from './spec.ts'

/** How a tensor is initialised: uniform in [-limit, limit], or zeros. */
export type InitRule = { kind: 'uniform', limit: number } | { kind: 'zeros' }

export interface ParamTensor {
  readonly name: string
  readonly shape: readonly number[]
  /** first index in the flat vector */
  readonly offset: number
  /** product of the shape */
  readonly size: number
  readonly init: InitRule
}

export interface ParamLayout {
  readonly tensors: readonly ParamTensor[]
  /** total length of the flat vector */
  readonly dim: number
}

/** Glorot & Bengio (2010), eq. 16: keeps activation and gradient variance for a linear (softmax) layer. */
function glorot (fanIn: number, fanOut: number): InitRule {
  return { kind: 'uniform', limit: Math.sqrt(6 / (fanIn + fanOut)) }
}

/** He et al. (2015), section 2.2: variance 2 / fanIn compensates the half of the inputs a ReLU zeroes. */
function he (fanIn: number): InitRule {
  return { kind: 'uniform', limit: Math.sqrt(6 / fanIn) }
}

const ZEROS: InitRule = { kind: 'zeros' }

export function paramLayout (spec: ModelSpec): ParamLayout {
  const tensors: ParamTensor[] = []
  let offset = 0
  const add = (name: string, shape: number[], init: InitRule): void => {
    const size = shape.reduce((a, b) => a * b, 1)
    tensors.push({ name, shape, offset, size, init })
    offset += size
  }
  const denseStack = (inputs: number, hidden: readonly number[], classes: number): void => {
    const widths = [inputs, ...hidden, classes]
    for (let i = 0; i + 1 < widths.length; i++) {
      const last = i + 2 === widths.length
      add(`dense${i}.w`, [widths[i], widths[i + 1]], last ? glorot(widths[i], widths[i + 1]) : he(widths[i]))
      add(`dense${i}.b`, [widths[i + 1]], ZEROS)
    }
  }
  switch (spec.kind) {
    case 'softmax':
      denseStack(spec.features, [], spec.classes)
      break
    case 'mlp':
      denseStack(spec.features, spec.hidden, spec.classes)
      break
    case 'cnn': {
      const [, , channels] = spec.imageShape
      const [f1, f2] = spec.filters
      const k = CNN_KERNEL
      add('conv1.w', [k, k, channels, f1], he(k * k * channels))
      add('conv1.b', [f1], ZEROS)
      add('conv2.w', [k, k, f1, f2], he(k * k * f1))
      add('conv2.b', [f2], ZEROS)
      denseStack(cnnFlatFeatures(spec), spec.hidden > 0 ? [spec.hidden] : [], spec.classes)
      break
    }
  }
  return { tensors, dim: offset }
}

/** Values a CNN feeds its dense head: each 'same' convolution keeps the side, each 2x2/2 pool floors it to half. */
export function cnnFlatFeatures (spec: CnnSpec): number {
  const pooled = (side: number): number => Math.floor(Math.floor(side / CNN_POOL) / CNN_POOL)
  return pooled(spec.imageShape[0]) * pooled(spec.imageShape[1]) * spec.filters[1]
}
