/**
 * Layers with hand-written gradients (tf.customGrad), for two reasons measured on tfjs 4.22:
 * - the wasm backend multiplies transposed operands (matMul(a, b, transposeA) / transposeB) about ten
 *   times slower than plain ones, and tfjs's own matMul gradient uses exactly those; an explicit
 *   tf.transpose followed by a plain product is much faster;
 * - the wasm backend has no Conv2DBackpropFilter kernel, so tfjs cannot differentiate conv2d there,
 *   and its Conv2DBackpropInput is slow. Both gradients are themselves convolutions (below).
 * A layer whose input is the data (`inputGrad` false) skips the gradient with respect to that input.
 */
import * as tf from '@tensorflow/tfjs'
import { floatsOf } from './step.ts'

/**
 * y = act(x·W + b) for x [n, in], W [in, out], b [out]. With g = dy ⊙ act'(y):
 * dW = xᵀ·g, db = Σ_rows g, dx = g·Wᵀ.
 */
export function dense (x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D, relu: boolean, inputGrad: boolean): tf.Tensor2D {
  const forward = (): tf.Tensor2D => tf.fused.matMul({ a: x, b: w, bias: b, activation: relu ? 'relu' : 'linear' }) as tf.Tensor2D
  return withGradient(inputGrad ? [x, w, b] : [w, b], [x, w], forward, (dy, [xs, ws], y) => {
    const g = relu ? tf.mul(dy, tf.step(y)) : dy
    const dw = tf.matMul(tf.transpose(xs), g)
    const db = tf.sum(g, 0)
    return inputGrad ? [tf.matMul(g, tf.transpose(ws)), dw, db] : [dw, db]
  })
}

/**
 * y = relu(conv2d(x, W, stride 1, 'same') + b) for x [n, h, w, c], W [k, k, c, f] with k odd, b [f].
 * With g = dy ⊙ relu'(y): dx = conv2d(g, W rotated 180° as [k, k, f, c], 'same'), db = Σ_{n,h,w} g, and
 * dW[i, j, c, f] = Σ_{n,y,x} xpad[n, y + i, x + j, c] · g[n, y, x, f]: a 'valid' convolution of the
 * padded input, with channels as the batch and the batch as the channels, by g used as a filter.
 */
export function conv2dRelu (x: tf.Tensor4D, w: tf.Tensor4D, b: tf.Tensor1D, inputGrad: boolean): tf.Tensor4D {
  const [kh, kw] = w.shape
  if (kh % 2 !== 1 || kw % 2 !== 1) throw new RangeError(`conv2dRelu needs an odd kernel size; got ${kh}x${kw}`)
  const forward = (): tf.Tensor4D => tf.fused.conv2d({ x, filter: w, strides: 1, pad: 'same', bias: b, activation: 'relu' })
  return withGradient(inputGrad ? [x, w, b] : [w, b], [x, w], forward, (dy, [xs, ws], y) => {
    const g = tf.mul(dy, tf.step(y)) as tf.Tensor4D
    // 'same' with stride 1 pads (k − 1) / 2 before and the rest after (TensorFlow's rule)
    const top = Math.floor((kh - 1) / 2)
    const left = Math.floor((kw - 1) / 2)
    // the padding is the convolution's own (explicit), not a padded copy of x: tf.pad took 5 % of a CNN step
    const cnhw = tf.transpose(xs as tf.Tensor4D, [3, 1, 2, 0]) as tf.Tensor4D // [c, H, W, n]
    const hwnf = tf.transpose(g, [1, 2, 0, 3]) as tf.Tensor4D // [h, w, n, f]
    const pad: [[number, number], [number, number], [number, number], [number, number]] = [[0, 0], [top, kh - 1 - top], [left, kw - 1 - left], [0, 0]]
    const dw = tf.transpose(tf.conv2d(cnhw, hwnf, 1, pad), [1, 2, 0, 3]) // [c, k, k, f] -> [k, k, c, f]
    const db = tf.sum(g, [0, 1, 2])
    if (!inputGrad) return [dw, db]
    // the adjoint of a stride-1 'same' convolution with an odd kernel is the 'same' convolution with the
    // kernel rotated by 180° and its in/out channels swapped; on wasm this runs ~20x faster than
    // conv2dTranspose (Conv2DBackpropInput), with identical results
    const rotated = tf.transpose(tf.reverse(ws, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D
    return [tf.conv2d(g, rotated, 1, 'same'), dw, db]
  })
}

/**
 * 2×2 max-pooling with stride 2, 'valid' (an odd side drops its last row or column), for x [n, h, w, c]. The
 * gradient is written out: dx = dy at the position of each window's maximum, 0 elsewhere. A window whose maximum
 * is tied shares dy equally among the tied inputs (a subgradient as valid as tfjs's choice of one). It runs as one
 * loop in JavaScript over x, y and dy read in place (floatsOf): on the wasm backend tfjs's MaxPoolGrad kernel took
 * 28 % of a CNN training step (and misplaces entries), and the same rule as six tfjs element-wise ops (equal,
 * nearest-neighbour upsampling, avgPool, div, mul) cost about 0.4 ms more of a 10 ms step at batch 32 than this loop.
 */
export function maxPool2 (x: tf.Tensor4D): tf.Tensor4D {
  const [n, h, w, c] = x.shape
  const ph = Math.floor(h / 2)
  const pw = Math.floor(w / 2)
  if (ph === 0 || pw === 0) throw new RangeError(`maxPool2 needs an input of at least 2x2; got ${h}x${w}`)
  const forward = (): tf.Tensor4D => tf.maxPool(x, 2, 2, 'valid')
  return withGradient([x], [x], forward, (dy, [xs], y) => [tf.tensor4d(maxPool2Grad(floatsOf(xs), floatsOf(y), floatsOf(dy), n, h, w, c), [n, h, w, c])])
}

/**
 * dx of 2×2, stride-2 max-pooling, from x [n, h, w, c], the pooled y and dy [n, ⌊h/2⌋, ⌊w/2⌋, c] (row-major, channels
 * last). Each window's dy goes to the inputs equal to its maximum, divided by how many there are (float32 division,
 * as a tensor op would round it); a window with no input equal to its maximum (a NaN in it) gets NaN throughout.
 */
export function maxPool2Grad (x: Float32Array, y: Float32Array, dy: Float32Array, n: number, h: number, w: number, c: number): Float32Array {
  const ph = Math.floor(h / 2)
  const pw = Math.floor(w / 2)
  const dx = new Float32Array(n * h * w * c)
  const row = w * c
  let o = 0
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < ph; i++) {
      for (let j = 0; j < pw; j++) {
        const p00 = ((b * h + 2 * i) * w + 2 * j) * c
        for (let k = 0; k < c; k++, o++) {
          const m = y[o]
          // the window's four inputs: top left, top right, bottom left, bottom right
          const tl = p00 + k
          const tr = tl + c
          const bl = tl + row
          const br = bl + c
          const htl = x[tl] === m
          const htr = x[tr] === m
          const hbl = x[bl] === m
          const hbr = x[br] === m
          const hits = +htl + +htr + +hbl + +hbr
          if (hits === 0) {
            // no input equals the maximum (a NaN in the window)
            dx[tl] = dx[tr] = dx[bl] = dx[br] = NaN
            continue
          }
          // a float32 divided by 1 to 4 in double, then rounded to float32: the correctly rounded float32 quotient
          const share = dy[o] / hits
          if (htl) dx[tl] = share
          if (htr) dx[tr] = share
          if (hbl) dx[bl] = share
          if (hbr) dx[br] = share
        }
      }
    }
  }
  return dx
}

/**
 * Run `forward` as one differentiable op of `inputs`; `backward(dy, kept, y)` returns their gradients
 * in the same order. tf.grads disposes every intermediate tensor when the forward pass ends, so what
 * the backward pass reads (`keep`, and the output y) goes through tf's save(), which holds it until
 * the gradients are done.
 */
function withGradient<T extends tf.Tensor> (inputs: tf.Tensor[], keep: tf.Tensor[], forward: () => T,
  backward: (dy: T, kept: tf.Tensor[], y: T) => tf.Tensor[]): T {
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const save = args[args.length - 1] as tf.GradSaveFunc
    const y = forward()
    save([...keep, y])
    return { value: y, gradFunc: (dy: T, saved: tf.Tensor[]) => backward(dy, saved, saved[saved.length - 1] as T) }
  })
  return op(...inputs)
}
