/**
 * Least squares on a subset of the rows of (A, b): f_i(x) = (1/2m) Σ_{k∈rows} (a_k·x − b_k)², the local
 * term of the problem min (1/2n)‖Ax − b‖² of lib/data's `syntheticLeastSquares`. With equal-sized row
 * sets whose union is all rows, (1/n_peers) Σ_i f_i is that problem, so its exact minimiser xStar is the
 * fixed point decentralized SGD must reach.
 */

import type { Rng } from '../random/index.ts'
import type { LocalObjective, ObjectiveState } from '../algorithms/index.ts'
import { InvalidObjectiveError } from './errors.ts'
import { EpochSampler } from './sampler.ts'
import { checkBatch, checkRows } from './checks.ts'

export interface LeastSquaresInit {
  /** samples × features, row-major */
  a: Float32Array
  b: Float32Array
  features: number
  /** this peer's rows; default every row */
  rows?: ArrayLike<number>
  /** rows per gradient; default all local rows (full-batch gradient descent) */
  batchSize?: number
  /** draws the minibatches; required when batchSize is smaller than the local row count */
  rng?: Rng
}

export interface LeastSquaresObjective extends LocalObjective {
  /** the full local loss f_i(x), drawing no batch */
  loss (x: Float32Array): number
}

export function leastSquares (init: LeastSquaresInit): LeastSquaresObjective {
  const { a, b, features } = init
  if (!Number.isInteger(features) || features < 1) throw new InvalidObjectiveError(`features must be a positive integer, got ${String(features)}`)
  if (a.length !== b.length * features) {
    throw new InvalidObjectiveError(`a must hold b.length × features = ${b.length} × ${features} values, got ${a.length}`)
  }
  const rows = checkRows(init.rows, b.length)
  const batchSize = checkBatch(init.batchSize, rows.length)
  if (batchSize < rows.length && init.rng === undefined) throw new InvalidObjectiveError('a minibatch least-squares objective needs an rng')
  const sampler = batchSize < rows.length && init.rng !== undefined ? new EpochSampler(rows.length, batchSize, init.rng) : undefined
  const batch = new Uint32Array(batchSize)
  let fullSteps = 0

  /** gradient and loss over rows[picked[0..len)] */
  function accumulate (x: Float32Array, grad: Float32Array | undefined, picked: Uint32Array | undefined, len: number): number {
    if (grad !== undefined) grad.fill(0)
    let loss = 0
    for (let k = 0; k < len; k++) {
      const row = rows[picked === undefined ? k : picked[k]]
      const off = row * features
      let r = -b[row]
      for (let f = 0; f < features; f++) r += a[off + f] * x[f]
      loss += r * r
      if (grad !== undefined) for (let f = 0; f < features; f++) grad[f] += r * a[off + f]
    }
    if (grad !== undefined) for (let f = 0; f < features; f++) grad[f] /= len
    return loss / (2 * len)
  }

  return {
    dim: features,
    gradient (x, grad) {
      if (sampler === undefined) {
        fullSteps++
        return accumulate(x, grad, undefined, rows.length)
      }
      const len = sampler.next(batch)
      return accumulate(x, grad, batch, len)
    },
    loss (x) { return accumulate(x, undefined, undefined, rows.length) },
    exportState (): ObjectiveState { return { steps: sampler === undefined ? fullSteps : sampler.steps } },
    importState (state) {
      if (sampler === undefined) fullSteps = state.steps
      else sampler.seek(state.steps)
    }
  }
}
