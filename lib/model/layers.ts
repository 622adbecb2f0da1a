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
    const padded = tf.pad(xs as tf.Tensor4D, [[0, 0], [top, kh - 1 - top], [left, kw - 1 - left], [0, 0]])
    const cnhw = tf.transpose(padded, [3, 1, 2, 0]) as tf.Tensor4D // [c, H + k − 1, W + k − 1, n]
    const hwnf = tf.transpose(g, [1, 2, 0, 3]) as tf.Tensor4D // [h, w, n, f]
    const dw = tf.transpose(tf.conv2d(cnhw, hwnf, 1, 'valid'), [1, 2, 0, 3]) // [c, k, k, f] -> [k, k, c, f]
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
 * gradient is written out: dx = dy at the position of each window's maximum, 0 elsewhere, found by comparing
 * x with the pooled y upsampled over its window (nearest neighbour). A window whose maximum is tied shares dy
 * equally among the tied inputs (a subgradient as valid as tfjs's choice of one). On the wasm backend tfjs's
 * MaxPoolGrad kernel took 28 % of a CNN training step: these 4-D element-wise ops make the step 1.3x faster
 * (broadcasting [n, h/2, 2, w/2, 2, c] against [n, h/2, 1, w/2, 1, c] instead made it 2.3x slower).
 */
export function maxPool2 (x: tf.Tensor4D): tf.Tensor4D {
  const [n, h, w, c] = x.shape
  const ph = Math.floor(h / 2)
  const pw = Math.floor(w / 2)
  if (ph === 0 || pw === 0) throw new RangeError(`maxPool2 needs an input of at least 2x2; got ${h}x${w}`)
  const forward = (): tf.Tensor4D => tf.maxPool(x, 2, 2, 'valid')
  return withGradient([x], [x], forward, (dy, [xs], y) => {
    const even = h === 2 * ph && w === 2 * pw ? xs : tf.slice(xs, [0, 0, 0, 0], [n, 2 * ph, 2 * pw, c])
    const up = (t: tf.Tensor4D): tf.Tensor4D => tf.image.resizeNearestNeighbor(t, [2 * ph, 2 * pw])
    const hit = tf.cast(tf.equal(even, up(y)), 'float32') as tf.Tensor4D
    // dy over the number of tied maxima of its window (4 × the window's mean of hit), at each hit
    const share = tf.div(dy, tf.mul(tf.avgPool(hit, 2, 2, 'valid'), 4)) as tf.Tensor4D
    let dx = tf.mul(hit, up(share)) as tf.Tensor4D
    if (even !== xs) dx = tf.pad(dx, [[0, 0], [0, h - 2 * ph], [0, w - 2 * pw], [0, 0]])
    return [dx]
  })
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
