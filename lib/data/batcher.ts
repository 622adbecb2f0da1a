/**
 * Mini-batches for training loops: a private copy of the peer's indices, reshuffled at the start of every
 * epoch from the caller's generator, copied row by row into buffers the caller owns. No allocation per
 * batch: a training step can run for hours without garbage.
 */
import { shuffle } from '../random/index.ts'
import type { Rng } from '../random/index.ts'
import { InvalidDataOptionsError } from './errors.ts'
import type { AnySplit, Batcher } from './types.ts'

/**
 * Batches of `batchSize` rows of `split` drawn from `indices` (which is copied, never modified). Packed rows
 * come out through their table: the same floats a float split of the same data holds.
 */
export function createBatcher (split: AnySplit, indices: Uint32Array, batchSize: number, rng: Rng): Batcher {
  return new IndexBatcher(split, indices, batchSize, rng)
}

class IndexBatcher implements Batcher {
  readonly batchSize: number
  readonly batchesPerEpoch: number
  private readonly x: Float32Array | undefined
  private readonly pixels: Uint8Array | undefined
  private readonly table: Float32Array | undefined
  private readonly y: Uint8Array
  private readonly features: number
  private readonly order: Uint32Array
  private readonly rng: Rng
  private position: number
  private epochs = 0

  constructor (split: AnySplit, indices: Uint32Array, batchSize: number, rng: Rng) {
    if (!Number.isSafeInteger(batchSize) || batchSize < 1) throw new InvalidDataOptionsError(`expected an integer batch size >= 1, got ${batchSize}`)
    if (indices.length === 0) throw new InvalidDataOptionsError('expected at least one sample index, got none')
    const values = 'pixels' in split ? split.pixels.length : split.x.length
    if (split.n < 1 || split.y.length !== split.n || values % split.n !== 0) {
      throw new InvalidDataOptionsError(`expected a split with n >= 1 rows, ${split.n} labels and n × features values, got ${split.y.length} labels and ${values} values`)
    }
    if ('pixels' in split && (split.table.length !== 256 || split.features * split.n !== values)) {
      throw new InvalidDataOptionsError(`expected a packed split of n × ${split.features} bytes and a table of 256 values, got ${values} bytes and ${split.table.length} values`)
    }
    for (let i = 0; i < indices.length; i++) {
      if (indices[i] >= split.n) throw new InvalidDataOptionsError(`expected indices below ${split.n}, got ${indices[i]} at position ${i}`)
    }
    this.batchSize = batchSize
    this.batchesPerEpoch = Math.ceil(indices.length / batchSize)
    this.x = 'pixels' in split ? undefined : split.x
    this.pixels = 'pixels' in split ? split.pixels : undefined
    this.table = 'pixels' in split ? split.table : undefined
    this.y = split.y
    this.features = values / split.n
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
    const { x, pixels, table } = this
    for (let b = 0; b < count; b++) {
      const row = this.order[this.position + b]
      const src = row * f
      const dst = b * f
      // element loops, not xOut.set(x.subarray(...)): subarray would allocate a view per row
      if (x !== undefined) for (let j = 0; j < f; j++) xOut[dst + j] = x[src + j]
      else if (pixels !== undefined && table !== undefined) for (let j = 0; j < f; j++) xOut[dst + j] = table[pixels[src + j]]
      yOut[b] = this.y[row]
    }
    this.position += count
    return count
  }

  skip (batches: number): void {
    if (!Number.isSafeInteger(batches) || batches < 0) throw new InvalidDataOptionsError(`expected a whole number of batches >= 0 to skip, got ${batches}`)
    // the same reshuffles as `batches` calls of next (the stream stays a function of the rng), without the copies
    for (let left = batches; left > 0;) {
      if (this.position >= this.order.length) {
        shuffle(this.order, this.rng)
        this.position = 0
        this.epochs++
      }
      const inEpoch = Math.min(left, Math.ceil((this.order.length - this.position) / this.batchSize))
      this.position = Math.min(this.order.length, this.position + inEpoch * this.batchSize)
      left -= inEpoch
    }
  }
}
