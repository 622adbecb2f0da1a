/**
 * Mini-batches for training loops: a private copy of the peer's indices, reshuffled at the start of every
 * epoch from the caller's generator, copied row by row into buffers the caller owns. No allocation per
 * batch: a training step can run for hours without garbage.
 */
import { shuffle } from '../random/index.ts'
import type { Rng } from '../random/index.ts'
import { InvalidDataOptionsError } from './errors.ts'
import type { Batcher, Split } from './types.ts'

/** Batches of `batchSize` rows of `split` drawn from `indices` (which is copied, never modified). */
export function createBatcher (split: Split, indices: Uint32Array, batchSize: number, rng: Rng): Batcher {
  return new IndexBatcher(split, indices, batchSize, rng)
}

class IndexBatcher implements Batcher {
  readonly batchSize: number
  readonly batchesPerEpoch: number
  private readonly x: Float32Array
  private readonly y: Uint8Array
  private readonly features: number
  private readonly order: Uint32Array
  private readonly rng: Rng
  private position: number
  private epochs = 0

  constructor (split: Split, indices: Uint32Array, batchSize: number, rng: Rng) {
    if (!Number.isSafeInteger(batchSize) || batchSize < 1) throw new InvalidDataOptionsError(`expected an integer batch size >= 1, got ${batchSize}`)
    if (indices.length === 0) throw new InvalidDataOptionsError('expected at least one sample index, got none')
    if (split.n < 1 || split.y.length !== split.n || split.x.length % split.n !== 0) {
      throw new InvalidDataOptionsError(`expected a split with n >= 1 rows, ${split.n} labels and n × features values, got ${split.y.length} labels and ${split.x.length} values`)
    }
    for (let i = 0; i < indices.length; i++) {
      if (indices[i] >= split.n) throw new InvalidDataOptionsError(`expected indices below ${split.n}, got ${indices[i]} at position ${i}`)
    }
    this.batchSize = batchSize
    this.batchesPerEpoch = Math.ceil(indices.length / batchSize)
    this.x = split.x
    this.y = split.y
    this.features = split.x.length / split.n
    this.order = indices.slice()
    this.rng = rng
    this.position = this.order.length
  }

  get epoch (): number {
    return this.epochs
  }

  next (xOut: Float32Array, yOut: Uint8Array): number {
    const f = this.features
    if (xOut.length < this.batchSize * f || yOut.length < this.batchSize) {
      throw new InvalidDataOptionsError(`expected buffers of at least ${this.batchSize * f} values and ${this.batchSize} labels, got ${xOut.length} and ${yOut.length}`)
    }
    if (this.position >= this.order.length) {
      shuffle(this.order, this.rng)
      this.position = 0
      this.epochs++
    }
    const count = Math.min(this.batchSize, this.order.length - this.position)
    const x = this.x
    for (let b = 0; b < count; b++) {
      const row = this.order[this.position + b]
      const src = row * f
      const dst = b * f
      // an element loop, not xOut.set(x.subarray(...)): subarray would allocate a view per row
      for (let j = 0; j < f; j++) xOut[dst + j] = x[src + j]
      yOut[b] = this.y[row]
    }
    this.position += count
    return count
  }
}
