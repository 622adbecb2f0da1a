/**
 * The training step of a dense stack (softmax and MLP) on lib/vector's gemm, the WebAssembly SIMD matrix-product
 * tiles, with no tfjs call: the same loss and gradient as denseStep in step.ts within float32 round-off (tested).
 *
 * Why: on the tfjs wasm backend every step uploads the weights as new tensors, and XNNPACK repacks a weight matrix
 * it has not seen (tfjs caches its operators by tensor id): about 0.9 ms for the MLP's 784 × 128 layer, more than
 * its product at batch 32. The backward pass adds a transpose of the batch and read-backs of each gradient. Here the
 * products read the parameters where they are (when they share the step's kernel arena), the transposed operands
 * through strides, and write the weight gradient straight into `grad`.
 *
 * Layer l maps n_l inputs to n_{l+1} outputs; with A_0 = x, A_{l+1} = relu(A_l·W_l + b_l) (no ReLU on the last)
 * and G = dL/dA_L from the softmax cross-entropy:
 *   dW_l = A_lᵀ·G, db_l = Σ_rows G, then G ← (G·W_lᵀ) ⊙ [A_l > 0] for the layer below.
 * Activations and their gradients are kept with rows padded to a multiple of 4 floats (the tiles' width); the pad
 * columns hold zeros (zero weights and biases in the padded copies), and no product sums over them.
 */

import type { ParamLayout } from './layout.ts'
import { softmaxCrossEntropy } from './step.ts'
import { allocVector, gemm, isKernelVector } from '../vector/index.ts'

const pad4 = (n: number): number => Math.ceil(n / 4) * 4

interface Layer {
  inputs: number
  outputs: number
  /** outputs rounded up to a multiple of 4: the row stride of this layer's activations and gradients */
  padded: number
  weights: number
  bias: number
}

/** A vector of the caller's that the products can read or write where it is: in the scratch's memory, rows unpadded. */
function inPlace (s: Scratch, v: Float32Array, layer: Layer): boolean {
  return v.buffer === s.all.buffer && layer.outputs === layer.padded
}

/** Views into the step's one scratch allocation (one allocation, so one arena). */
interface Scratch {
  all: Float32Array
  batch: number
  x: Float32Array
  /** per layer: its output activations and their gradient, batch × padded */
  acts: Float32Array[]
  grads: Float32Array[]
  /** per layer: padded copies of W (inputs × padded) and b, for weights not usable in place */
  w: Float32Array[]
  b: Float32Array[]
  /** per layer l ≥ 1: W_lᵀ with rows padded to layer l − 1's width (outputs × padded inputs) */
  wt: Float32Array[]
  /** per layer: dW (inputs × padded) and db (padded) when grad cannot take them in place */
  dw: Float32Array[]
  db: Float32Array[]
  zeros: Float32Array
  one: Float32Array
}

let kernelsHere: boolean | undefined

/** True when WebAssembly SIMD kernels run here (an arena could be had): otherwise the tfjs step is faster. */
export function denseKernelsAvailable (): boolean {
  kernelsHere ??= isKernelVector(allocVector(1))
  return kernelsHere
}

export class DenseKernelStep {
  private readonly layers: Layer[]
  private readonly features: number
  private readonly classes: number
  private scratch: Scratch | undefined

  constructor (layout: ParamLayout) {
    const count = layout.tensors.length / 2
    this.layers = []
    for (let l = 0; l < count; l++) {
      const w = layout.tensors[2 * l]
      const b = layout.tensors[2 * l + 1]
      const [inputs, outputs] = w.shape
      this.layers.push({ inputs, outputs, padded: pad4(outputs), weights: w.offset, bias: b.offset })
    }
    this.features = this.layers[0].inputs
    this.classes = this.layers[count - 1].outputs
  }

  /**
   * The logits of `rows` samples (x: rows × features), in a view of the step's scratch whose rows are `stride`
   * floats apart (the first `classes` of each are the logits). Valid until the next call.
   */
  logits (params: Float32Array, x: Float32Array, rows: number): { logits: Float32Array, stride: number } {
    const s = this.scratchFor(rows)
    this.forward(s, params, this.inputOf(s, x))
    return { logits: s.acts[this.layers.length - 1], stride: this.layers[this.layers.length - 1].padded }
  }

  /** Loss of the batch; its gradient with respect to params into grad. Shapes are checked by the caller (model.ts). */
  run (params: Float32Array, x: Float32Array, y: Uint8Array, batch: number, grad: Float32Array): number {
    const s = this.scratchFor(batch)
    const L = this.layers.length
    const input = this.inputOf(s, x)
    this.forward(s, params, input, batch)
    const loss = softmaxCrossEntropy(s.acts[L - 1], y, batch, this.classes, s.grads[L - 1], this.layers[L - 1].padded)
    // backward
    for (let l = L - 1; l >= 0; l--) {
      const layer = this.layers[l]
      const { inputs, outputs, padded } = layer
      const g = s.grads[l]
      const below = l > 0 ? s.acts[l - 1] : input
      const belowStride = l > 0 ? this.layers[l - 1].padded : this.features
      const direct = inPlace(s, grad, layer)
      const dw = direct ? grad.subarray(layer.weights, layer.weights + inputs * outputs) : s.dw[l]
      const db = direct ? grad.subarray(layer.bias, layer.bias + outputs) : s.db[l]
      gemm({ m: inputs, n: padded, k: batch, out: dw, ldc: padded, a: below, ars: 1, ats: belowStride, b: g, ldb: padded, init: s.zeros, irs: 0, floor: -Infinity })
      gemm({ m: 1, n: padded, k: batch, out: db, ldc: padded, a: s.one, ars: 0, ats: 0, b: g, ldb: padded, init: s.zeros, irs: 0, floor: -Infinity })
      if (!direct) {
        for (let r = 0; r < inputs; r++) for (let c = 0; c < outputs; c++) grad[layer.weights + r * outputs + c] = dw[r * padded + c]
        for (let c = 0; c < outputs; c++) grad[layer.bias + c] = db[c]
      }
      if (l === 0) break
      // G_below = (G·W_lᵀ) ⊙ [A_below > 0]; W_lᵀ is copied (outputs × inputs floats), so that B's rows are contiguous
      const wt = s.wt[l]
      for (let r = 0; r < inputs; r++) for (let c = 0; c < outputs; c++) wt[c * belowStride + r] = params[layer.weights + r * outputs + c]
      const gBelow = s.grads[l - 1]
      gemm({ m: batch, n: belowStride, k: outputs, out: gBelow, ldc: belowStride, a: g, ars: padded, ats: 1, b: wt, ldb: belowStride, init: s.zeros, irs: 0, floor: -Infinity })
      // the ReLU's derivative; 0·A keeps a NaN activation's NaN in the gradient
      for (let i = 0; i < batch * belowStride; i++) if (!(below[i] > 0)) gBelow[i] = 0 * below[i]
    }
    return loss
  }

  /** x itself when it lies in the scratch's kernel memory, else a copy there */
  private inputOf (s: Scratch, x: Float32Array): Float32Array {
    if (x.buffer === s.all.buffer) return x
    s.x.set(x)
    return s.x.subarray(0, x.length)
  }

  /** A_{l+1} = max(A_l·W_l + b_l, 0) into s.acts, the last layer without the ReLU */
  private forward (s: Scratch, params: Float32Array, input: Float32Array, batch = input.length / this.features): void {
    const L = this.layers.length
    let a = input
    let stride = this.features
    for (let l = 0; l < L; l++) {
      const layer = this.layers[l]
      const { inputs, outputs, padded } = layer
      let w: Float32Array; let bias: Float32Array
      if (inPlace(s, params, layer)) {
        w = params.subarray(layer.weights, layer.weights + inputs * outputs)
        bias = params.subarray(layer.bias, layer.bias + outputs)
      } else {
        w = s.w[l]; bias = s.b[l]
        for (let r = 0; r < inputs; r++) for (let c = 0; c < outputs; c++) w[r * padded + c] = params[layer.weights + r * outputs + c]
        for (let c = 0; c < outputs; c++) bias[c] = params[layer.bias + c]
      }
      gemm({ m: batch, n: padded, k: inputs, out: s.acts[l], ldc: padded, a, ars: stride, ats: 1, b: w, ldb: padded, init: bias, irs: 0, floor: l + 1 < L ? 0 : -Infinity })
      a = s.acts[l]
      stride = padded
    }
  }

  private scratchFor (batch: number): Scratch {
    if (this.scratch !== undefined && this.scratch.batch >= batch) return this.scratch
    const L = this.layers.length
    const sizes: number[] = [batch * this.features]
    for (const { padded } of this.layers) sizes.push(batch * padded, batch * padded)
    for (let l = 0; l < L; l++) {
      const { inputs, padded } = this.layers[l]
      const below = l > 0 ? this.layers[l - 1].padded : 0
      sizes.push(inputs * padded, padded, l > 0 ? padded * below : 0, inputs * padded, padded)
    }
    const widest = Math.max(this.features, ...this.layers.map(layer => layer.padded))
    sizes.push(widest, 1)
    // each view starts on a 16-byte boundary
    const starts: number[] = []
    let total = 0
    for (const n of sizes) { starts.push(total); total += pad4(n) }
    const all = allocVector(total)
    let k = 0
    const next = (): Float32Array => { const v = all.subarray(starts[k], starts[k] + sizes[k]); k++; return v }
    const x = next()
    const acts: Float32Array[] = []; const grads: Float32Array[] = []
    for (let l = 0; l < L; l++) { acts.push(next()); grads.push(next()) }
    const w: Float32Array[] = []; const b: Float32Array[] = []; const wt: Float32Array[] = []; const dw: Float32Array[] = []; const db: Float32Array[] = []
    for (let l = 0; l < L; l++) { w.push(next()); b.push(next()); wt.push(next()); dw.push(next()); db.push(next()) }
    const zeros = next()
    const one = next()
    one[0] = 1
    this.scratch = { all, batch, x, acts, grads, w, b, wt, dw, db, zeros, one }
    return this.scratch
  }
}
