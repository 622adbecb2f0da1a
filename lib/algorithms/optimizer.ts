/**
 * SGD on a flat parameter vector with optional heavy-ball momentum and weight decay, in PyTorch's
 * convention (torch.optim.SGD, dampening 0, no Nesterov):
 *   g ← ∇f(x) + λ·x;  v ← μ·v + g;  x ← x − η·v
 * The momentum buffer starts at zero, which equals PyTorch's first-step v = g. With μ = 0 no buffer is kept.
 */

import { allocVector, sgdStep } from '../vector/index.ts'

export class Sgd {
  readonly lr: number
  readonly momentum: number
  readonly weightDecay: number
  /** the momentum buffer v (length 0 when μ = 0) */
  readonly velocity: Float32Array

  constructor (dim: number, lr: number, momentum: number, weightDecay: number) {
    this.lr = lr
    this.momentum = momentum
    this.weightDecay = weightDecay
    this.velocity = momentum > 0 ? allocVector(dim) : new Float32Array(0)
  }

  /** x ← x − η·(update direction from grad); grad is read, not modified (lib/vector's sgdStep: a SIMD kernel when x, grad and v share an arena) */
  step (x: Float32Array, grad: Float32Array): void {
    sgdStep(x, grad, this.velocity, this.lr, this.momentum, this.weightDecay)
  }
}
