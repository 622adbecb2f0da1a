/**
 * One training step, loss and gradient of the mean softmax cross-entropy, in two implementations:
 *
 * - `denseStep` (softmax and MLP): backpropagation written out, with no tfjs autodiff tape. The dense
 *   products run on the backend (fused matMul + bias + ReLU forward, explicit transposes backward, see
 *   layers.ts for why); the small parts run in JavaScript on read-back values: the logits (batch × classes)
 *   come back once, the loss and dL/dlogits = (softmax − onehot)/batch are computed there in float64 and
 *   uploaded. It issues about half the tfjs ops of the autodiff step and runs 1.2 to 1.6× its steps a
 *   second on the wasm backend (MLP, batch 32 to 128, interleaved A/B on a loaded machine); what remains is
 *   two thirds XNNPACK matrix products and one tenth gradient read-back (node --cpu-prof).
 * - `autodiffStep` (every model, the CNN's path): tf.valueAndGrads over the forward pass of networks.ts.
 *
 * Both give the same loss and gradients within float32 round-off (test/lib/model/step.test.ts).
 * Both run inside tf.tidy: no tensor outlives a call. Inputs are checked by the caller (model.ts).
 */
import * as tf from '@tensorflow/tfjs'
import type { ParamLayout } from './layout.ts'
import type { Forward } from './networks.ts'

/** Scratch reused across steps; grown to the largest batch seen. */
export interface StepScratch {
  /** one-hot labels (autodiff) or dL/dlogits (dense), batch × classes */
  buffer: Float32Array
}

export function newScratch (): StepScratch {
  return { buffer: new Float32Array(0) }
}

function scratchFor (s: StepScratch, size: number): Float32Array {
  if (s.buffer.length < size) s.buffer = new Float32Array(size)
  return s.buffer.subarray(0, size)
}

/** Tensors over views of params, in layout order (the cpu backend keeps the view, wasm copies it in). */
export function weightTensors (layout: ParamLayout, params: Float32Array): tf.Tensor[] {
  return layout.tensors.map(t => tf.tensor(params.subarray(t.offset, t.offset + t.size), t.shape as number[], 'float32'))
}

/**
 * Loss and gradient of a stack of dense layers (layout: w0, b0, w1, b1, ...; ReLU after all but the last).
 * With a_0 = x, a_{l+1} = relu(a_l·W_l + b_l) and g = dL/dlogits:
 *   dW_l = a_lᵀ·g, db_l = Σ_rows g, then g ← (g·W_lᵀ) ⊙ [a_l > 0] for the layer below.
 */
export function denseStep (layout: ParamLayout, params: Float32Array, x: Float32Array, y: Uint8Array, batch: number,
  grad: Float32Array, scratch: StepScratch): number {
  const layers = layout.tensors.length / 2
  const features = layout.tensors[0].shape[0]
  const classes = layout.tensors[layout.tensors.length - 1].shape[0]
  const dl = scratchFor(scratch, batch * classes)
  return tf.tidy(() => {
    const w = weightTensors(layout, params)
    const acts: tf.Tensor2D[] = [tf.tensor2d(x, [batch, features])]
    for (let l = 0; l < layers; l++) {
      const relu = l + 1 < layers
      acts.push(tf.fused.matMul({ a: acts[l], b: w[2 * l] as tf.Tensor2D, bias: w[2 * l + 1], activation: relu ? 'relu' : 'linear' }) as tf.Tensor2D)
    }
    const loss = softmaxCrossEntropy(acts[layers].dataSync() as Float32Array, y, batch, classes, dl)
    let g: tf.Tensor2D = tf.tensor2d(dl, [batch, classes])
    for (let l = layers - 1; l >= 0; l--) {
      readInto(tf.matMul(tf.transpose(acts[l]), g), grad, layout.tensors[2 * l].offset)
      readInto(tf.sum(g, 0), grad, layout.tensors[2 * l + 1].offset)
      if (l > 0) g = tf.mul(tf.matMul(g, tf.transpose(w[2 * l] as tf.Tensor2D)), tf.step(acts[l])) as tf.Tensor2D
    }
    return loss
  })
}

/** Loss and gradient of any model by tfjs autodiff over `forward`. */
export function autodiffStep (layout: ParamLayout, forward: Forward, params: Float32Array, x: Float32Array, y: Uint8Array,
  batch: number, grad: Float32Array, scratch: StepScratch): number {
  const features = x.length / batch
  const classes = layout.tensors[layout.tensors.length - 1].shape[0]
  const onehot = scratchFor(scratch, batch * classes)
  onehot.fill(0)
  for (let i = 0; i < batch; i++) onehot[i * classes + y[i]] = 1
  const dim = layout.dim
  return tf.tidy(() => {
    const weights = weightTensors(layout, params)
    const xs = tf.tensor2d(x, [batch, features])
    const targets = tf.tensor2d(onehot, [batch, classes])
    // mean over the batch of −Σ_c onehot·log softmax(logits): log-softmax is evaluated stably
    // (logits − logsumexp) and its custom gradient is softmax − onehot, scaled by 1/batch
    const objective = (...wt: tf.Tensor[]): tf.Scalar =>
      tf.div(tf.neg(tf.sum(tf.mul(targets, tf.logSoftmax(forward(wt, xs))))), batch)
    const { value, grads } = tf.valueAndGrads(objective)(weights)
    // one read-back for the loss and every gradient: each dataSync is a synchronous copy out of the backend
    const flat = tf.concat([...grads.map(t => tf.reshape(t, [-1])), tf.reshape(value, [1])])
    const out = flat.dataSync() as Float32Array
    grad.set(out.subarray(0, dim))
    return out[dim]
  })
}

/**
 * Mean cross-entropy of softmax(logits) against labels y, in float64; writes dL/dlogits = (p − onehot)/batch
 * into `dl`. Non-finite logits give NaN (exp of NaN or of ∞ − ∞), as the tfjs path does. Rows of logits and dl
 * are `stride` floats apart (default: classes); the floats past `classes` in each row are neither read nor written.
 */
export function softmaxCrossEntropy (logits: Float32Array, y: Uint8Array, batch: number, classes: number, dl: Float32Array, stride = classes): number {
  let total = 0
  for (let i = 0; i < batch; i++) {
    const base = i * stride
    let max = logits[base]
    for (let c = 1; c < classes; c++) if (logits[base + c] > max) max = logits[base + c]
    let sum = 0
    for (let c = 0; c < classes; c++) {
      const e = Math.exp(logits[base + c] - max)
      dl[base + c] = e
      sum += e
    }
    const label = y[i]
    total += max + Math.log(sum) - logits[base + label]
    for (let c = 0; c < classes; c++) dl[base + c] = (c === label ? dl[base + c] / sum - 1 : dl[base + c] / sum) / batch
  }
  return total / batch
}

/** What floatsOf needs of the wasm backend: where a tensor's values sit in its linear memory. */
interface WasmHeapView {
  wasm: { HEAPU8: Uint8Array }
  dataIdMap: { get: (dataId: object) => { memoryOffset: number | null, dtype: string } | undefined }
}

function wasmHeapOf (): WasmHeapView | undefined {
  const b = tf.backend() as Partial<WasmHeapView>
  return b.wasm?.HEAPU8 instanceof Uint8Array && typeof b.dataIdMap?.get === 'function' ? b as WasmHeapView : undefined
}

/**
 * A float32 tensor's values: on the wasm backend a view of its linear memory (valid only until the backend next
 * allocates, which may grow and move that memory: read it at once), elsewhere dataSync's copy.
 */
export function floatsOf (t: tf.Tensor): Float32Array {
  const heap = wasmHeapOf()
  const info = heap?.dataIdMap.get(t.dataId)
  if (heap !== undefined && info !== undefined && info.memoryOffset !== null && info.dtype === 'float32' && info.memoryOffset % 4 === 0) {
    return new Float32Array(heap.wasm.HEAPU8.buffer, info.memoryOffset, t.size)
  }
  return t.dataSync() as Float32Array
}

/**
 * Copies a float32 tensor's values into out at offset. On the wasm backend straight out of its linear memory:
 * dataSync there returns a fresh copy (a 400 KB ArrayBuffer for the MLP's first weight gradient), which in a peer
 * is garbage that the collector must sweep many times a round. Other backends go through dataSync.
 */
export function readInto (t: tf.Tensor, out: Float32Array, offset: number): void {
  out.set(floatsOf(t), offset)
}
