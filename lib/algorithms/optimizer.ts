/**
 * SGD on a flat parameter vector with optional heavy-ball momentum and weight decay, in PyTorch's
 * convention (torch.optim.SGD, dampening 0, no Nesterov):
 *   g ← ∇f(x) + λ·x;  v ← μ·v + g;  x ← x − η·v
 * The momentum buffer starts at zero, which equals PyTorch's first-step v = g. With μ = 0 no buffer is kept.
 */

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
    this.velocity = new Float32Array(momentum > 0 ? dim : 0)
  }

  /** x ← x − η·(update direction from grad); grad is read, not modified */
  step (x: Float32Array, grad: Float32Array): void {
    const { lr, momentum: mu, weightDecay: wd } = this
    const d = x.length
    if (mu > 0) {
      const v = this.velocity
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
}
