/**
 * Minibatch positions over m local rows, reshuffled every epoch. The permutation of epoch e is drawn from
 * rng.fork(e), so the stream is a pure function of (seed, steps): a checkpoint only needs the step count,
 * and `seek` rebuilds the position in O(m).
 */

import { shuffle } from '../random/index.ts'
import type { Rng } from '../random/index.ts'

export class EpochSampler {
  readonly count: number
  readonly batchSize: number
  readonly batchesPerEpoch: number
  private readonly rng: Rng
  private readonly order: Uint32Array
  private epoch = -1
  private stepsTaken = 0

  constructor (count: number, batchSize: number, rng: Rng) {
    this.count = count
    this.batchSize = batchSize
    this.batchesPerEpoch = Math.ceil(count / batchSize)
    this.rng = rng
    this.order = new Uint32Array(count)
  }

  get steps (): number { return this.stepsTaken }

  /** writes the next batch's row positions (in [0, count)) into `out` and returns how many */
  next (out: Uint32Array): number {
    const e = Math.floor(this.stepsTaken / this.batchesPerEpoch)
    if (e !== this.epoch) this.reshuffle(e)
    const start = (this.stepsTaken - e * this.batchesPerEpoch) * this.batchSize
    const len = Math.min(this.batchSize, this.count - start)
    for (let k = 0; k < len; k++) out[k] = this.order[start + k]
    this.stepsTaken++
    return len
  }

  seek (steps: number): void {
    this.stepsTaken = steps
    this.epoch = -1
  }

  private reshuffle (e: number): void {
    for (let k = 0; k < this.count; k++) this.order[k] = k
    if (this.batchSize < this.count) shuffle(this.order, this.rng.fork(e))
    this.epoch = e
  }
}
