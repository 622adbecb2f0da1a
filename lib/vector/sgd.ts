/**
 * The SGD update of a flat parameter vector, in PyTorch's convention (torch.optim.SGD, dampening 0, no Nesterov):
 *   g ← grad + wd·x;  v ← mu·v + g;  x ← x − lr·v      (with mu = 0 no velocity: x ← x − lr·g)
 * It runs eight times a round on every peer, so it runs as a WebAssembly SIMD kernel when x, grad and the velocity
 * live in one kernel arena (arena.ts), else as the JavaScript twin below; both perform the same float64
 * operations in the same order and store the same float32 bits (tested).
 */

import { DimensionMismatchError } from './errors.ts'
import { arenaOf } from './arena.ts'

/**
 * One step on x in place: `velocity` is the momentum buffer (read and written; ignored, and may be empty, when
 * mu = 0), `grad` is only read.
 */
export function sgdStep (x: Float32Array, grad: Float32Array, velocity: Float32Array, lr: number, mu: number, wd: number): void {
  const d = x.length
  if (grad.length !== d) throw new DimensionMismatchError(`sgdStep: expected a gradient of ${d} values, got ${grad.length}`)
  if (mu > 0 && velocity.length !== d) throw new DimensionMismatchError(`sgdStep: expected a velocity of ${d} values, got ${velocity.length}`)
  const arena = arenaOf(x)
  if (arena !== undefined && grad.buffer === arena.buffer && (mu <= 0 || velocity.buffer === arena.buffer)) {
    const k = arena.kernels
    if (mu > 0) k.sgdMomentum(x.byteOffset, grad.byteOffset, velocity.byteOffset, d, lr, mu, wd)
    else if (wd > 0) k.sgdDecay(x.byteOffset, grad.byteOffset, d, lr, wd)
    else k.sgdPlain(x.byteOffset, grad.byteOffset, d, lr)
    return
  }
  sgdStepJs(x, grad, velocity, lr, mu, wd)
}

/** the JavaScript twin of the kernels (exported for the tests that compare the two) */
export function sgdStepJs (x: Float32Array, grad: Float32Array, velocity: Float32Array, lr: number, mu: number, wd: number): void {
  const d = x.length
  if (mu > 0) {
    const v = velocity
    for (let i = 0; i < d; i++) {
      v[i] = mu * v[i] + grad[i] + wd * x[i]
      x[i] -= lr * v[i]
    }
  } else if (wd > 0) {
    for (let i = 0; i < d; i++) x[i] -= lr * (grad[i] + wd * x[i])
  } else {
    for (let i = 0; i < d; i++) x[i] -= lr * grad[i]
  }
}
