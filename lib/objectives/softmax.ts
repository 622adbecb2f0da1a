/**
 * Multinomial logistic (softmax) regression in pure JS, for tests and small experiments without tfjs.
 * Parameters: W (classes × features, row-major) followed by the biases c (classes), so dim = classes·(features + 1).
 * f_i(θ) = (1/m) Σ_k −log softmax(W x_k + c)_{y_k} + (l2/2)‖W‖²; ∇_W = (1/m) Σ (p_k − e_{y_k}) x_kᵀ + l2·W.
 */

import type { Rng } from '../random/index.ts'
import type { LocalObjective, ObjectiveState } from '../algorithms/index.ts'
import { InvalidObjectiveError } from './errors.ts'
import { EpochSampler } from './sampler.ts'
import { checkBatch, checkRows } from './checks.ts'

export interface SoftmaxInit {
  /** samples × features, row-major */
  x: Float32Array
  y: Uint8Array
  features: number
  classes: number
  rows?: ArrayLike<number>
  /** default: all local rows */
  batchSize?: number
  rng?: Rng
  /** ridge penalty on W (not on the biases); default 0 */
  l2?: number
}

export interface SoftmaxObjective extends LocalObjective {
  /** mean cross-entropy and accuracy of θ on the given rows (default all local rows) */
  evaluate (params: Float32Array, rows?: ArrayLike<number>): { loss: number, accuracy: number }
}

export function softmaxRegression (init: SoftmaxInit): SoftmaxObjective {
  const { x, y, features, classes } = init
  const l2 = init.l2 ?? 0
  if (!Number.isInteger(features) || features < 1) throw new InvalidObjectiveError(`features must be a positive integer, got ${String(features)}`)
  if (!Number.isInteger(classes) || classes < 2 || classes > 256) throw new InvalidObjectiveError(`classes must be an integer in [2, 256], got ${String(classes)}`)
  if (x.length !== y.length * features) throw new InvalidObjectiveError(`x must hold y.length × features = ${y.length} × ${features} values, got ${x.length}`)
  if (!(l2 >= 0)) throw new InvalidObjectiveError(`l2 must be ≥ 0, got ${String(l2)}`)
  for (let k = 0; k < y.length; k++) {
    if (y[k] >= classes) throw new InvalidObjectiveError(`labels must be < classes = ${classes}, got ${y[k]} at row ${k}`)
  }
  const rows = checkRows(init.rows, y.length)
  const batchSize = checkBatch(init.batchSize, rows.length)
  if (batchSize < rows.length && init.rng === undefined) throw new InvalidObjectiveError('a minibatch softmax objective needs an rng')
  const sampler = batchSize < rows.length && init.rng !== undefined ? new EpochSampler(rows.length, batchSize, init.rng) : undefined
  const batch = new Uint32Array(batchSize)
  const p = new Float64Array(classes)
  const biasAt = classes * features
  const dim = classes * (features + 1)
  let fullSteps = 0

  /** loss (and optionally gradient, and the count of correct argmax predictions) over the picked rows */
  function pass (theta: Float32Array, grad: Float32Array | undefined, rowAt: (k: number) => number, len: number): { loss: number, correct: number } {
    if (grad !== undefined) grad.fill(0)
    let loss = 0
    let correct = 0
    for (let k = 0; k < len; k++) {
      const row = rowAt(k)
      const off = row * features
      let best = 0
      for (let c = 0; c < classes; c++) {
        let z = theta[biasAt + c]
        const w = c * features
        for (let f = 0; f < features; f++) z += theta[w + f] * x[off + f]
        p[c] = z
        if (z > p[best]) best = c
      }
      const label = y[row]
      if (best === label) correct++
      // log-sum-exp shifted by the largest logit, so exp never overflows
      const zMax = p[best]
      let sum = 0
      for (let c = 0; c < classes; c++) { p[c] = Math.exp(p[c] - zMax); sum += p[c] }
      loss += Math.log(sum) - Math.log(p[label])
      if (grad !== undefined) {
        for (let c = 0; c < classes; c++) {
          const g = p[c] / sum - (c === label ? 1 : 0)
          const w = c * features
          for (let f = 0; f < features; f++) grad[w + f] += g * x[off + f]
          grad[biasAt + c] += g
        }
      }
    }
    let penalty = 0
    for (let i = 0; i < biasAt; i++) penalty += theta[i] * theta[i]
    if (grad !== undefined) {
      for (let i = 0; i < dim; i++) grad[i] /= len
      if (l2 > 0) for (let i = 0; i < biasAt; i++) grad[i] += l2 * theta[i]
    }
    return { loss: loss / len + 0.5 * l2 * penalty, correct }
  }

  return {
    dim,
    gradient (theta, grad) {
      if (sampler === undefined) {
        fullSteps++
        return pass(theta, grad, (k) => rows[k], rows.length).loss
      }
      const len = sampler.next(batch)
      return pass(theta, grad, (k) => rows[batch[k]], len).loss
    },
    evaluate (theta, evalRows) {
      const picked = evalRows === undefined ? rows : checkRows(evalRows, y.length)
      const r = pass(theta, undefined, (k) => picked[k], picked.length)
      return { loss: r.loss, accuracy: r.correct / picked.length }
    },
    exportState (): ObjectiveState { return { steps: sampler === undefined ? fullSteps : sampler.steps } },
    importState (state) {
      if (sampler === undefined) fullSteps = state.steps
      else sampler.seek(state.steps)
    }
  }
}
