/**
 * Model specs: the text form used in configs and on the command line, and the checked object form
 * `createModel` builds from.
 *
 *   softmax             linear map features -> classes (multinomial logistic regression)
 *   mlp                 one hidden ReLU layer of 128 (784-128-10 on MNIST)
 *   mlp:256,128         hidden ReLU layers of the given sizes, in order
 *   cnn                 conv5x5x8-pool-conv5x5x16-pool-dense128-dense(classes), needs an image shape
 *   cnn:16,32           the two filter counts, default head of 128
 *   cnn:16,32,0         no hidden dense layer: the pooled features feed the output layer directly
 */
import { CNN_FILTERS, CNN_HIDDEN, CNN_POOL, MAX_PARAMS, MLP_HIDDEN } from './constants.ts'
import { InvalidModelSpecError } from './errors.ts'
import { paramLayout } from './layout.ts'

/** What a model needs to know about its data; a `ClassificationDataset` of lib/data fits. */
export interface DatasetShape {
  features: number
  classes: number
  /** [height, width, channels], row-major with channels last; required by `cnn` */
  imageShape?: readonly [number, number, number]
}

export interface SoftmaxSpec {
  kind: 'softmax'
  features: number
  classes: number
}

export interface MlpSpec {
  kind: 'mlp'
  features: number
  classes: number
  /** sizes of the hidden ReLU layers, input side first (at least one) */
  hidden: readonly number[]
}

export interface CnnSpec {
  kind: 'cnn'
  features: number
  classes: number
  imageShape: readonly [number, number, number]
  /** filters of the first and second 5x5 convolution */
  filters: readonly [number, number]
  /** size of the hidden dense ReLU layer after the convolutions; 0 for none */
  hidden: number
}

export type ModelSpec = SoftmaxSpec | MlpSpec | CnnSpec

const FORMS = "'softmax', 'mlp', 'mlp:<h1>,<h2>,...', 'cnn', 'cnn:<f1>,<f2>' or 'cnn:<f1>,<f2>,<hidden>'"
/** Generous bound on any layer width: catches typos such as 'mlp:1280000' before allocating gigabytes. */
const MAX_WIDTH = 65536

/** Parse a model spec string against the data it will see. Throws InvalidModelSpecError. */
export function parseModelSpec (text: string, dataset: DatasetShape): ModelSpec {
  if (typeof text !== 'string') throw new InvalidModelSpecError(`a model spec must be a string (${FORMS}); got ${typeof text}`)
  const colon = text.indexOf(':')
  const kind = colon < 0 ? text : text.slice(0, colon)
  const args = colon < 0 ? undefined : parseSizes(text, text.slice(colon + 1))
  const { features, classes } = dataset
  let spec: ModelSpec
  if (kind === 'softmax' && args === undefined) {
    spec = { kind, features, classes }
  } else if (kind === 'mlp') {
    spec = { kind, features, classes, hidden: args ?? MLP_HIDDEN }
  } else if (kind === 'cnn' && (args === undefined || args.length === 2 || args.length === 3)) {
    if (dataset.imageShape === undefined) {
      throw new InvalidModelSpecError(`model '${text}' needs a dataset with an image shape [height, width, channels]; this one has none`)
    }
    const filters: [number, number] = args === undefined ? [CNN_FILTERS[0], CNN_FILTERS[1]] : [args[0], args[1]]
    const hidden = args?.[2] ?? CNN_HIDDEN
    const [height, width, channels] = dataset.imageShape
    spec = { kind, features, classes, imageShape: [height, width, channels], filters, hidden }
  } else {
    throw new InvalidModelSpecError(`model spec must be ${FORMS}; got ${JSON.stringify(text)}`)
  }
  checkModelSpec(spec)
  return spec
}

/** The canonical text of a spec (defaults written out), e.g. 'mlp:128' or 'cnn:16,32,128'. */
export function formatModelSpec (spec: ModelSpec): string {
  switch (spec.kind) {
    case 'softmax': return 'softmax'
    case 'mlp': return `mlp:${spec.hidden.join(',')}`
    case 'cnn': return `cnn:${spec.filters[0]},${spec.filters[1]},${spec.hidden}`
  }
}

/** Check a spec object (parsed or hand-built): positive integer sizes that fit together, at most MAX_PARAMS parameters. */
export function checkModelSpec (spec: ModelSpec): void {
  checkSizes(spec)
  const dim = paramLayout(spec).dim
  if (dim > MAX_PARAMS) {
    throw new InvalidModelSpecError(`model '${formatModelSpec(spec)}' on ${spec.features} features and ${spec.classes} classes has ` +
      `${dim.toLocaleString('en-US')} parameters (${dim.toExponential(1)}), more than the limit of ${MAX_PARAMS.toLocaleString('en-US')} (2^28, 1 GiB of float32 a copy)`)
  }
}

function checkSizes (spec: ModelSpec): void {
  const name = describe(spec)
  checkSize(name, 'features', spec.features, 1)
  checkSize(name, 'classes', spec.classes, 2)
  switch (spec.kind) {
    case 'softmax':
      return
    case 'mlp':
      if (!Array.isArray(spec.hidden) || spec.hidden.length === 0) throw new InvalidModelSpecError(`${name}: hidden must be a non-empty array of layer sizes; got ${String(spec.hidden)}`)
      spec.hidden.forEach((h, i) => checkSize(name, `hidden[${i}]`, h, 1, MAX_WIDTH))
      return
    case 'cnn': {
      const shape = spec.imageShape
      if (!Array.isArray(shape) || shape.length !== 3) {
        throw new InvalidModelSpecError(`${name}: imageShape must be [height, width, channels]; got ${JSON.stringify(shape)}`)
      }
      // two poolings halve each side twice: a side below 4 would leave nothing for the dense head
      checkSize(name, 'image height', shape[0], CNN_POOL * CNN_POOL)
      checkSize(name, 'image width', shape[1], CNN_POOL * CNN_POOL)
      checkSize(name, 'image channels', shape[2], 1)
      if (shape[0] * shape[1] * shape[2] !== spec.features) {
        throw new InvalidModelSpecError(`${name}: imageShape ${JSON.stringify(shape)} has ${shape[0] * shape[1] * shape[2]} values but features is ${spec.features}`)
      }
      checkSize(name, 'filters[0]', spec.filters[0], 1, MAX_WIDTH)
      checkSize(name, 'filters[1]', spec.filters[1], 1, MAX_WIDTH)
      checkSize(name, 'hidden', spec.hidden, 0, MAX_WIDTH)
      return
    }
    default:
      throw new InvalidModelSpecError(`model kind must be 'softmax', 'mlp' or 'cnn'; got ${JSON.stringify((spec as { kind: unknown }).kind)}`)
  }
}

function parseSizes (text: string, list: string): number[] {
  const parts = list.split(',')
  const sizes = parts.map(p => /^[0-9]+$/.test(p) ? Number(p) : NaN)
  if (sizes.some(s => !Number.isSafeInteger(s))) {
    throw new InvalidModelSpecError(`model spec sizes must be comma-separated integers (${FORMS}); got ${JSON.stringify(text)}`)
  }
  return sizes
}

function checkSize (model: string, what: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER): void {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new InvalidModelSpecError(`${model}: ${what} must be an integer in [${min}, ${max}]; got ${String(value)}`)
  }
}

function describe (spec: ModelSpec): string {
  return `model '${String((spec as { kind?: unknown }).kind)}'`
}
