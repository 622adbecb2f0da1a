/**
 * The algorithm config, its defaults and its validation. Every check names the field, what was expected
 * and what arrived (InvalidAlgorithmConfigError.field).
 */

import { isErrorFeedback, parseCodec } from '../compress/index.ts'
import type { Codec } from '../compress/index.ts'
import { parseWeightScheme } from '../../topologies/index.ts'
import type { WeightScheme } from '../../topologies/index.ts'
import type { Rng } from '../random/index.ts'
import type { LocalObjective, StepRunner } from './types.ts'
import {
  DEFAULT_CODEC, DEFAULT_GAMMA_LOSSLESS, DEFAULT_GAMMA_LOSSY, DEFAULT_LOCAL_STEPS, DEFAULT_LR, DEFAULT_MOMENTUM,
  DEFAULT_ORDER, DEFAULT_STALENESS, DEFAULT_WEIGHT_DECAY, DEFAULT_WEIGHTS, MAX_LOCAL_STEPS, MAX_STALENESS
} from './constants.ts'
import { InvalidAlgorithmConfigError } from './errors.ts'
import { DEFAULT_AGGREGATE, canonicalAggregate } from './aggregate.ts'
import { canonicalAttack } from './attack.ts'

export type AlgorithmName = 'gossip' | 'dpsgd' | 'choco'
export const ALGORITHMS: readonly AlgorithmName[] = ['gossip', 'dpsgd', 'choco']

/** adapt-then-combine (local step, then mix) or combine-then-adapt (mix, then the step, Lian et al. 2017) */
export type StepOrder = 'atc' | 'cta'

/** lockstep rounds (every neighbour's message of the same round) or AD-PSGD-style mixing with the newest ones */
export type SyncMode = 'sync' | 'async'
export const SYNC_MODES: readonly SyncMode[] = ['sync', 'async']

export interface AlgorithmConfig {
  algo: AlgorithmName
  /** SGD step size η; default 0.1 (unused by gossip) */
  lr?: number
  /** heavy-ball momentum μ in [0, 1), PyTorch convention; default 0 */
  momentum?: number
  /** L2 weight decay added to the gradient, PyTorch convention; default 0 */
  weightDecay?: number
  /** local SGD steps H per gossip round; default 1 (unused by gossip) */
  localSteps?: number
  /** D-PSGD only; default 'atc' */
  order?: StepOrder
  /** CHOCO-SGD consensus step γ in (0, 1]; default 1 with a lossless codec, 0.1 with a lossy one */
  gamma?: number
  /** lib/compress codec spec; default 'none' */
  codec?: string
  /** topologies weight scheme; default 'metropolis' */
  weights?: string
  /**
   * gossip and D-PSGD (adapt-then-combine): send the model a round starts from and run the local steps while
   * it travels; the mixing term is then one round of local steps stale (lib/algorithms/overlap.ts); default false
   */
  overlap?: boolean
  /** 'async': mix with the newest message of each neighbour at most `staleness` rounds old; default 'sync' */
  sync?: SyncMode
  /**
   * async only: a neighbour's message is mixed in the round it is first handed over and at most this many of
   * this peer's rounds after (whatever the sender's round: a slow but live neighbour stays in; staleness.ts); default 8
   */
  staleness?: number
  /**
   * async only: the run's last round, as runRound counts them (from 0: a run of R rounds ends at R − 1). A neighbour's message of this round is its final model (it never sends a newer
   * one), so it is mixed until this peer finishes too instead of ageing out after `staleness` rounds: a neighbour that
   * finished first would otherwise leave a slower peer training alone for its last rounds; default none
   */
  finalRound?: number
  /** mixing rule (lib/algorithms/aggregate.ts): 'mean', 'clip:TAU', 'clip:auto[:F]', 'trimmed:B'; default 'mean' */
  aggregate?: string
  /**
   * experiments only: this peer sends crafted vectors (lib/algorithms/attack.ts: 'signflip', 'gaussian:SIGMA',
   * 'alie[:Z]', 'ipm[:EPS]', 'nan'); gossip and dpsgd; default none. A local choice, never agreed or received.
   */
  attack?: string
}

export interface ResolvedConfig {
  algo: AlgorithmName
  lr: number
  momentum: number
  weightDecay: number
  localSteps: number
  order: StepOrder
  gamma: number
  codec: string
  weights: WeightScheme
  overlap: boolean
  sync: SyncMode
  /** 0 in sync mode: only messages of the round itself are mixed */
  staleness: number
  /** async only: the run's last round (staleness.ts: a message of that round never ages out); Infinity when not given */
  finalRound: number
  /** canonical aggregate spec */
  aggregate: string
  /** canonical attack spec, only on a peer told to misbehave */
  attack?: string
}

/** What a peer algorithm is built from besides its config. */
export interface AlgorithmDeps {
  /** initial parameters (copied) */
  x0: Float32Array
  /** the local loss; required by dpsgd and choco */
  objective?: LocalObjective
  /** an instance of config.codec (one per peer: error-feedback codecs are stateful); default parseCodec(config.codec) */
  codec?: Codec
  /** randomness of the codec (randk, qsgd): round r encodes with rng.fork(r) */
  rng: Rng
  /** this peer's id as its neighbours see it (PeerRef.id); required by choco for its resync requests */
  id?: string
  /** clock for the compute/communication timings of the reports only; default performance.now */
  now?: () => number
  /** dpsgd with overlap only: runs the local steps off the event loop (types.ts StepRunner) instead of `objective` in this thread */
  stepRunner?: StepRunner
}

const KNOWN_FIELDS = new Set(['algo', 'lr', 'momentum', 'weightDecay', 'localSteps', 'order', 'gamma', 'codec', 'weights', 'overlap', 'sync', 'staleness', 'finalRound', 'aggregate', 'attack'])

function fail (field: string, expected: string, got: unknown): never {
  throw new InvalidAlgorithmConfigError(field, `${field}: expected ${expected}, got ${typeof got === 'string' ? JSON.stringify(got) : String(got)}`)
}

function num (v: unknown): v is number { return typeof v === 'number' && Number.isFinite(v) }

/** Fills defaults and checks every field; the codec spec comes back canonical. */
export function resolveConfig (config: AlgorithmConfig): ResolvedConfig {
  if (config === null || typeof config !== 'object') fail('config', 'an object', config)
  for (const key of Object.keys(config)) {
    if (!KNOWN_FIELDS.has(key)) fail(key, `one of the fields ${[...KNOWN_FIELDS].join(', ')}`, key)
  }
  const algo = config.algo
  if (!ALGORITHMS.includes(algo)) fail('algo', ALGORITHMS.join(' | '), algo)
  const lr = config.lr ?? DEFAULT_LR
  if (!num(lr) || lr <= 0) fail('lr', 'a finite number > 0', lr)
  const momentum = config.momentum ?? DEFAULT_MOMENTUM
  if (!num(momentum) || momentum < 0 || momentum >= 1) fail('momentum', 'a number in [0, 1)', momentum)
  const weightDecay = config.weightDecay ?? DEFAULT_WEIGHT_DECAY
  if (!num(weightDecay) || weightDecay < 0) fail('weightDecay', 'a finite number ≥ 0', weightDecay)
  const localSteps = config.localSteps ?? DEFAULT_LOCAL_STEPS
  if (!Number.isInteger(localSteps) || localSteps < 1 || localSteps > MAX_LOCAL_STEPS) fail('localSteps', `an integer in [1, ${MAX_LOCAL_STEPS}]`, localSteps)
  const order = config.order ?? DEFAULT_ORDER
  if (order !== 'atc' && order !== 'cta') fail('order', "'atc' | 'cta'", order)
  if (order === 'cta' && algo !== 'dpsgd') fail('order', `'atc' for ${algo} (combine-then-adapt is a D-PSGD variant)`, order)
  let codec: Codec
  try {
    codec = parseCodec(config.codec ?? DEFAULT_CODEC)
  } catch (err) {
    throw new InvalidAlgorithmConfigError('codec', `codec: ${(err as Error).message}`)
  }
  // CHOCO-SGD's public copies are its error feedback: q = Q(x − x̂) leaves x − x̂ − q for the next round. An ef(...)
  // codec keeps that residual again in its memory, sends it twice, and the residual roughly doubles each round
  // less what the compressor takes (top-k 5 %: the model was NaN by round 250 whatever the step size)
  if (algo === 'choco' && isErrorFeedback(codec)) {
    fail('codec', `a codec without ef(...) for choco (its copies x̂ already carry the compression error to the next round; error feedback counts it twice and diverges): --codec ${codec.inner.spec}`, codec.spec)
  }
  const gamma = config.gamma ?? (codec.lossless ? DEFAULT_GAMMA_LOSSLESS : DEFAULT_GAMMA_LOSSY)
  if (!num(gamma) || gamma <= 0 || gamma > 1) fail('gamma', 'a number in (0, 1]', gamma)
  let weights: WeightScheme
  try {
    weights = parseWeightScheme(config.weights ?? DEFAULT_WEIGHTS)
  } catch (err) {
    throw new InvalidAlgorithmConfigError('weights', `weights: ${(err as Error).message}`)
  }
  const overlap = config.overlap ?? false
  if (typeof overlap !== 'boolean') fail('overlap', 'true or false', overlap)
  if (overlap && algo === 'choco') fail('overlap', 'false for choco (overlap runs gossip and dpsgd; CHOCO-SGD\'s copies need every round\'s update in order)', overlap)
  if (overlap && order === 'cta') fail('overlap', "false with order 'cta' (overlap already takes the local steps from the model it sends)", overlap)
  const sync = config.sync ?? 'sync'
  if (!SYNC_MODES.includes(sync)) fail('sync', SYNC_MODES.join(' | '), sync)
  if (sync === 'async' && algo === 'choco') fail('sync', "'sync' for choco (CHOCO-SGD's copies need every neighbour's update of every round)", sync)
  if (sync === 'async' && overlap) fail('overlap', "false with sync 'async' (an asynchronous exchange never waits, so there is nothing to overlap)", overlap)
  const staleness = sync === 'async' ? config.staleness ?? DEFAULT_STALENESS : 0
  if (!Number.isInteger(staleness) || staleness < 0 || staleness > MAX_STALENESS) fail('staleness', `an integer in [0, ${MAX_STALENESS}]`, staleness)
  const finalRound = config.finalRound ?? Infinity
  if (finalRound !== Infinity && (!Number.isSafeInteger(finalRound) || finalRound < 0)) fail('finalRound', 'an integer ≥ 0 (the run\'s last round, counted from 0)', finalRound)
  const aggregate = canonicalAggregate(config.aggregate ?? DEFAULT_AGGREGATE)
  const resolved: ResolvedConfig = { algo, lr, momentum, weightDecay, localSteps, order, gamma, codec: codec.spec, weights, overlap, sync, staleness, finalRound, aggregate }
  if (config.attack !== undefined) {
    if (algo === 'choco') fail('attack', 'no attack with choco (attacks craft the models gossip and dpsgd send)', config.attack)
    resolved.attack = canonicalAttack(config.attack)
  }
  return resolved
}

/** Checks the deps against a resolved config and returns the codec instance to use. */
export function checkDeps (config: ResolvedConfig, deps: AlgorithmDeps): Codec {
  const { x0, objective } = deps
  if (!(x0 instanceof Float32Array) || x0.length < 1) fail('x0', 'a non-empty Float32Array', x0)
  for (let i = 0; i < x0.length; i++) if (!Number.isFinite(x0[i])) fail('x0', 'finite values', `${x0[i]} at index ${i}`)
  if (config.algo !== 'gossip') {
    if (objective === undefined) fail('objective', `a LocalObjective for ${config.algo}`, objective)
    if (objective.dim !== x0.length) fail('objective', `dim = x0.length = ${x0.length}`, objective.dim)
  }
  if (config.algo === 'choco' && (typeof deps.id !== 'string' || deps.id.length === 0)) fail('id', "this peer's id (a non-empty string) for choco", deps.id)
  if (deps.rng === undefined) fail('rng', 'an Rng', deps.rng)
  if (deps.stepRunner !== undefined && (config.algo !== 'dpsgd' || !config.overlap)) fail('stepRunner', 'no step runner unless algo is dpsgd with overlap (only overlapped local steps run off the event loop)', `a runner with algo ${config.algo}, overlap ${String(config.overlap)}`)
  const codec = deps.codec ?? parseCodec(config.codec)
  if (codec.spec !== config.codec) fail('codec', `an instance of ${config.codec}`, codec.spec)
  return codec
}
