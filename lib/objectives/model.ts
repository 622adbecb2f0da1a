/**
 * A lib/model `Model` plus a data shard as a LocalObjective: each `gradient` call copies the next
 * minibatch of the peer's indices (lib/data's batcher, reshuffled every epoch from the peer's seeded rng)
 * into buffers this objective owns, and returns the model's loss on it.
 */

import { createBatcher } from '../data/index.ts'
import type { AnySplit, Batcher } from '../data/index.ts'
import type { Model } from '../model/index.ts'
import type { Rng } from '../random/index.ts'
import type { LocalObjective, ObjectiveState } from '../algorithms/index.ts'
import { InvalidObjectiveError } from './errors.ts'

export function modelObjective (model: Model, split: AnySplit, indices: Uint32Array, batchSize: number, rng: Rng): LocalObjective {
  const values = 'pixels' in split ? split.pixels.length : split.x.length
  if (split.n < 1 || values % split.n !== 0) throw new InvalidObjectiveError(`expected a split of n ≥ 1 rows of equal width, got n = ${split.n} and ${values} values`)
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new InvalidObjectiveError(`batchSize must be a positive integer, got ${String(batchSize)}`)
  const features = values / split.n
  const xBuf = new Float32Array(batchSize * features)
  const yBuf = new Uint8Array(batchSize)
  // the batch stream is a function of the fork alone, so a restore can replay it to any step
  const fresh = (): Batcher => createBatcher(split, indices, batchSize, rng.fork('batches'))
  let batcher = fresh()
  let steps = 0
  return {
    dim: model.dim,
    gradient (x, grad) {
      const n = batcher.next(xBuf, yBuf)
      steps++
      if (n === batchSize) return model.lossAndGradient(x, xBuf, yBuf, n, grad)
      return model.lossAndGradient(x, xBuf.subarray(0, n * features), yBuf.subarray(0, n), n, grad)
    },
    exportState (): ObjectiveState { return { steps } },
    importState (state) {
      batcher = fresh()
      batcher.skip(state.steps)
      steps = state.steps
    }
  }
}
