/**
 * The checkpointable state of a peer algorithm: plain data (numbers, strings, typed arrays) that a
 * checkpoint writer can serialise as it likes. `exportState` returns copies; `importState` copies in.
 */

import type { ObjectiveState } from './types.ts'
import type { AlgorithmName } from './config.ts'
import { InvalidAlgorithmStateError } from './errors.ts'
import { isErrorFeedback } from '../compress/index.ts'
import type { Codec } from '../compress/index.ts'

export interface ChocoCopyState {
  id: string
  /** copy version (sender round + 1 of the last update applied; 0 = the initial zero copy); -1 = unknown, waiting for a full copy */
  version: number
  values: Float32Array
}

export interface ChocoState {
  /** x̂_i, this peer's own public copy */
  selfCopy: Float32Array
  selfVersion: number
  /** a neighbour asked for a full copy: the next message is a full one */
  fullRequested: boolean
  copies: ChocoCopyState[]
}

export interface AlgorithmState {
  algo: AlgorithmName
  /** the next round this peer will run (every earlier round is done) */
  round: number
  params: Float32Array
  /** heavy-ball buffer (empty when momentum is 0) */
  momentum: Float32Array
  /** where the local objective is in its minibatch stream (absent for gossip or objectives without state) */
  objective?: ObjectiveState
  choco?: ChocoState
  /** the ef(...) codec's error memory e (absent for other codecs and before the first encode) */
  errorMemory?: Float32Array
}

export function checkVector (v: unknown, dim: number, what: string): Float32Array {
  if (!(v instanceof Float32Array) || v.length !== dim) {
    throw new InvalidAlgorithmStateError(`${what}: expected a Float32Array of length ${dim}, got ${v instanceof Float32Array ? `length ${v.length}` : typeof v}`)
  }
  for (let i = 0; i < dim; i++) if (!Number.isFinite(v[i])) throw new InvalidAlgorithmStateError(`${what}: expected finite values, got ${v[i]} at index ${i}`)
  return v
}

/** The error memory of an ef(...) codec, for exportState (undefined for other codecs). */
export function exportErrorMemory (codec: Codec): Float32Array | undefined {
  return isErrorFeedback(codec) ? codec.exportMemory() : undefined
}

/**
 * Checks a state's error memory against the codec (before importState changes anything): a memory of the
 * wrong length or with non-finite values, or one for a codec without error feedback, is refused.
 */
export function checkErrorMemory (state: AlgorithmState, codec: Codec, dim: number): void {
  if (state.errorMemory === undefined) return
  if (!isErrorFeedback(codec)) throw new InvalidAlgorithmStateError(`errorMemory: codec ${codec.spec} keeps no error memory, but the state has one (of another codec?)`)
  checkVector(state.errorMemory, dim, 'errorMemory')
}

/** Restores (or, when the state has none, resets) an ef(...) codec's error memory; call after checkErrorMemory. */
export function importErrorMemory (state: AlgorithmState, codec: Codec): void {
  if (isErrorFeedback(codec)) codec.importMemory(state.errorMemory)
}

/** Checks the parts every algorithm shares. */
export function checkCommonState (state: AlgorithmState, algo: AlgorithmName, dim: number, momentumDim: number): void {
  if (state === null || typeof state !== 'object') throw new InvalidAlgorithmStateError(`expected a state object, got ${String(state)}`)
  if (state.algo !== algo) throw new InvalidAlgorithmStateError(`expected a state of ${algo}, got one of ${String(state.algo)}`)
  if (!Number.isInteger(state.round) || state.round < 0 || state.round > 0xfffffffe) throw new InvalidAlgorithmStateError(`round: expected an integer in [0, 2^32 − 2], got ${String(state.round)}`)
  checkVector(state.params, dim, 'params')
  checkVector(state.momentum, momentumDim, 'momentum')
  if (state.objective !== undefined && (state.objective === null || typeof state.objective !== 'object')) {
    throw new InvalidAlgorithmStateError(`objective: expected an object with steps, got ${String(state.objective)}`)
  }
  if (state.objective !== undefined && (!Number.isInteger(state.objective.steps) || state.objective.steps < 0)) {
    throw new InvalidAlgorithmStateError(`objective.steps: expected an integer ≥ 0, got ${String(state.objective.steps)}`)
  }
}

/**
 * Checks a state as a checkpoint holds it, before importing it: a peer takes at most `localSteps` minibatches a
 * round, so the state of round r has drawn at most r × localSteps, and importing replays that many. A larger
 * count (a crafted or foreign file) is refused rather than replayed. Only here: a peer that rejoins a run
 * keeps its own data position at a join round that may be below its checkpoint's (rejoinState), legitimately.
 */
export function checkCheckpointSteps (state: Pick<AlgorithmState, 'round' | 'objective'>, localSteps: number): void {
  // anything malformed is importState's to refuse
  if (state === null || typeof state !== 'object') return
  const steps = state.objective?.steps
  if (typeof steps === 'number' && Number.isInteger(state.round) && steps > state.round * localSteps) {
    throw new InvalidAlgorithmStateError(`objective.steps: a state of round ${state.round} has taken at most ${state.round * localSteps} minibatches (${localSteps} a round), got ${steps}`)
  }
}
