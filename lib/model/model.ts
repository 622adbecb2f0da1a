/**
 * A model as pure functions of one flat Float32Array of parameters. No tf.Variable and no state between
 * calls besides reusable JS scratch buffers, so a single Model serves any number of simulated peers and a
 * peer's whole state is a plain vector. Every tfjs call runs inside tf.tidy: no tensor outlives a call.
 */
import * as tf from '@tensorflow/tfjs'
import { EVAL_BATCH } from './constants.ts'
import { LabelOutOfRangeError, ModelDisposedError, ShapeMismatchError } from './errors.ts'
import { initParams } from './init.ts'
import { paramLayout } from './layout.ts'
import type { ParamLayout } from './layout.ts'
import { forwardFor } from './networks.ts'
import type { Forward } from './networks.ts'
import { autodiffStep, denseStep, newScratch, weightTensors } from './step.ts'
import { DenseKernelStep, denseKernelsAvailable } from './dense-kernels.ts'
import { checkModelSpec } from './spec.ts'
import type { ModelSpec } from './spec.ts'
import { splitRows } from '../data/index.ts'
import type { AnySplit } from '../data/index.ts'

export interface EvaluateOptions {
  /** evaluate only the first `limit` samples (default: all) */
  limit?: number
  /** samples per forward pass, bounds memory (default 2,000) */
  batchSize?: number
}

export interface Evaluation {
  /** mean softmax cross-entropy (natural log); NaN when the parameters produce non-finite logits */
  loss: number
  /** fraction of samples whose largest logit is the label */
  accuracy: number
  /** samples evaluated */
  samples: number
}

export interface Model {
  readonly spec: ModelSpec
  readonly layout: ParamLayout
  /** length of the parameter vector */
  readonly dim: number
  /** deterministic initial parameters: He-uniform before ReLUs, Glorot-uniform output layer, zero biases */
  init (seed: number): Float32Array
  /**
   * Mean softmax cross-entropy over `batch` samples (x: batch × features row-major, y: batch labels);
   * writes its gradient with respect to params into `grad` and returns the loss. Non-finite params give a
   * NaN loss (and gradient) rather than an exception: check the return value with Number.isFinite.
   * Throws ShapeMismatchError / LabelOutOfRangeError on inputs that do not fit, before any tfjs work.
   */
  lossAndGradient (params: Float32Array, x: Float32Array, y: Uint8Array, batch: number, grad: Float32Array): number
  /** loss and accuracy over the split, or its first `limit` samples, in chunks of `batchSize` */
  evaluate (params: Float32Array, split: AnySplit, opts?: EvaluateOptions): Evaluation
  /**
   * What computes lossAndGradient (and evaluate's forward pass) under the current tfjs backend: 'kernels' (softmax and MLP on lib/vector's
   * WebAssembly SIMD matrix products, with no tfjs call; on every backend but tfjs-node's 'tensorflow', where
   * WebAssembly SIMD runs) or 'tfjs' (the CNN; where the kernels cannot run; the 'tensorflow' backend; a model
   * created with kernels: false).
   */
  stepEngine (): 'kernels' | 'tfjs'
  /** release scratch memory; later calls throw ModelDisposedError */
  dispose (): void
}

export interface ModelOptions {
  /**
   * Train softmax and MLP on lib/vector's WebAssembly matrix products where they run (default true); false keeps
   * every step on tfjs, e.g. to compare the two (scripts/bench/model.ts does).
   */
  kernels?: boolean
}

export function createModel (spec: ModelSpec, opts: ModelOptions = {}): Model {
  checkModelSpec(spec)
  return new FlatModel(spec, opts.kernels ?? true)
}

class FlatModel implements Model {
  readonly spec: ModelSpec
  readonly layout: ParamLayout
  readonly dim: number
  private readonly forward: Forward
  private readonly features: number
  private readonly classes: number
  /** softmax and MLP train by the written-out backward pass of step.ts; the CNN by tfjs autodiff */
  private readonly dense: boolean
  private readonly kernels: boolean
  private scratch = newScratch()
  private kernelStep: DenseKernelStep | undefined
  private disposed = false

  constructor (spec: ModelSpec, kernels: boolean) {
    this.spec = spec
    this.kernels = kernels
    this.layout = paramLayout(spec)
    this.dim = this.layout.dim
    this.forward = forwardFor(spec)
    this.features = spec.features
    this.classes = spec.classes
    this.dense = spec.kind !== 'cnn'
  }

  init (seed: number): Float32Array {
    this.checkAlive()
    return initParams(this.layout, seed)
  }

  lossAndGradient (params: Float32Array, x: Float32Array, y: Uint8Array, batch: number, grad: Float32Array): number {
    this.checkAlive()
    this.checkParams(params, 'params')
    this.checkParams(grad, 'grad')
    if (grad.buffer === params.buffer && grad.byteOffset < params.byteOffset + params.byteLength && params.byteOffset < grad.byteOffset + grad.byteLength) {
      throw new ShapeMismatchError('grad shares memory with params: the step reads params while it writes grad; pass a vector of its own')
    }
    if (!Number.isSafeInteger(batch) || batch < 1) throw new ShapeMismatchError(`batch must be a positive integer; got ${batch}`)
    checkBatch(x, y, batch, this.features)
    checkLabels(y, batch, this.classes)
    if (this.stepEngine() === 'kernels') return this.kernelStepFor().run(params, x, y, batch, grad)
    return this.dense
      ? denseStep(this.layout, params, x, y, batch, grad, this.scratch)
      : autodiffStep(this.layout, this.forward, params, x, y, batch, grad, this.scratch)
  }

  private kernelStepFor (): DenseKernelStep {
    this.kernelStep ??= new DenseKernelStep(this.layout)
    return this.kernelStep
  }

  stepEngine (): 'kernels' | 'tfjs' {
    return this.dense && this.kernels && tf.getBackend() !== 'tensorflow' && denseKernelsAvailable() ? 'kernels' : 'tfjs'
  }

  evaluate (params: Float32Array, split: AnySplit, opts: EvaluateOptions = {}): Evaluation {
    this.checkAlive()
    this.checkParams(params, 'params')
    const n = split.n
    if (!Number.isSafeInteger(n) || n < 0) throw new ShapeMismatchError(`split.n must be a non-negative integer; got ${n}`)
    if ('pixels' in split) {
      if (split.features !== this.features) throw new ShapeMismatchError(`split rows must have ${this.features} features; got ${split.features}`)
      checkPacked(split.pixels, split.table, split.y, n, this.features)
    } else {
      checkBatch(split.x, split.y, n, this.features, 'split')
    }
    const limit = opts.limit ?? n
    const chunk = opts.batchSize ?? EVAL_BATCH
    if (!Number.isSafeInteger(limit) || limit < 1) throw new ShapeMismatchError(`limit must be a positive integer; got ${limit}`)
    if (!Number.isSafeInteger(chunk) || chunk < 1) throw new ShapeMismatchError(`batchSize must be a positive integer; got ${chunk}`)
    const count = Math.min(limit, n)
    if (count === 0) throw new ShapeMismatchError('cannot evaluate an empty split')
    checkLabels(split.y, count, this.classes)
    const { features, classes } = this
    let lossSum = 0
    let correct = 0
    // packed rows are converted into one chunk-sized buffer; float rows are viewed in place
    const scratch = new Float32Array('pixels' in split ? Math.min(chunk, count) * features : 0)
    const kernels = this.stepEngine() === 'kernels' ? this.kernelStepFor() : undefined
    for (let start = 0; start < count; start += chunk) {
      const rows = Math.min(chunk, count - start)
      const x = splitRows(split, start, rows, scratch)
      // tidy returns the tensor, read afterwards: handed a typed array, tidy walks every element of it looking for tensors
      // (tfjs-core's getTensorsInContainer), which cost more than the whole forward pass of a 1,000-row chunk
      let logits: Float32Array
      let stride = classes
      if (kernels !== undefined) {
        ({ logits, stride } = kernels.logits(params, x, rows))
      } else {
        const out = tf.tidy(() => this.forward(weightTensors(this.layout, params), tf.tensor2d(x, [rows, features])))
        try { logits = out.dataSync() as Float32Array } finally { out.dispose() }
      }
      // cross-entropy and arg-max in float64 on the logits: cheaper than more kernels
      for (let r = 0; r < rows; r++) {
        const base = r * stride
        let best = 0
        let max = logits[base]
        for (let c = 1; c < classes; c++) if (logits[base + c] > max) { max = logits[base + c]; best = c }
        let sumExp = 0
        for (let c = 0; c < classes; c++) sumExp += Math.exp(logits[base + c] - max)
        const label = split.y[start + r]
        lossSum += max + Math.log(sumExp) - logits[base + label]
        if (best === label) correct++
      }
    }
    return { loss: lossSum / count, accuracy: correct / count, samples: count }
  }

  dispose (): void {
    this.disposed = true
    this.scratch = newScratch()
    this.kernelStep = undefined
  }

  private checkParams (v: Float32Array, what: string): void {
    if (!(v instanceof Float32Array)) throw new ShapeMismatchError(`${what} must be a Float32Array of length ${this.dim}; got ${describeValue(v)}`)
    if (v.length !== this.dim) throw new ShapeMismatchError(`${what} must have length ${this.dim} (the model's dim); got ${v.length}`)
  }

  private checkAlive (): void {
    if (this.disposed) throw new ModelDisposedError(`model '${this.spec.kind}' was disposed`)
  }
}

function checkBatch (x: Float32Array, y: Uint8Array, n: number, features: number, what = 'batch'): void {
  if (!(x instanceof Float32Array)) throw new ShapeMismatchError(`${what} inputs must be a Float32Array; got ${describeValue(x)}`)
  if (!(y instanceof Uint8Array)) throw new ShapeMismatchError(`${what} labels must be a Uint8Array; got ${describeValue(y)}`)
  if (x.length !== n * features) {
    throw new ShapeMismatchError(`${what} inputs must have ${n} × ${features} = ${n * features} values; got ${x.length}`)
  }
  if (y.length !== n) throw new ShapeMismatchError(`${what} must have ${n} labels; got ${y.length}`)
}

function checkPacked (pixels: Uint8Array, table: Float32Array, y: Uint8Array, n: number, features: number): void {
  if (!(pixels instanceof Uint8Array) || !(table instanceof Float32Array) || table.length !== 256) {
    throw new ShapeMismatchError(`a packed split needs Uint8Array pixels and a Float32Array table of 256 values; got ${describeValue(pixels)} and ${describeValue(table)}`)
  }
  if (pixels.length !== n * features) throw new ShapeMismatchError(`split inputs must have ${n} × ${features} = ${n * features} values; got ${pixels.length}`)
  if (!(y instanceof Uint8Array) || y.length !== n) throw new ShapeMismatchError(`split must have ${n} labels; got ${describeValue(y)}`)
}

function checkLabels (y: Uint8Array, count: number, classes: number): void {
  for (let i = 0; i < count; i++) {
    if (y[i] >= classes) throw new LabelOutOfRangeError(`labels must be in [0, ${classes}); sample ${i} has label ${y[i]}`)
  }
}

function describeValue (v: unknown): string {
  if (v === null || typeof v !== 'object') return String(v)
  return (v as { constructor?: { name?: string } }).constructor?.name ?? 'object'
}
