/**
 * One experiment (a simulated run or, later, the shared config of a network run): every field that
 * decides its outcome, with defaults and validation. `config.json` of a run is this object, so a run
 * can be repeated from it exactly.
 */

import { parseCodec } from '../compress/index.ts'
import { parsePartitionSpec } from '../data/index.ts'
import { ALGORITHMS, DEFAULT_AGGREGATE, SYNC_MODES, canonicalAggregate, constants as algorithmConstants, resolveConfig } from '../algorithms/index.ts'
import { resolveByzantine } from './byzantine.ts'
import type { AlgorithmConfig, AlgorithmName, StepOrder, SyncMode } from '../algorithms/index.ts'
import { degrees, formatTopologySpec, NAMED_TOPOLOGY_FORMS, parseTopologySpec, parseWeightScheme, TOPOLOGY_FORMS } from '../../topologies/index.ts'
import { InvalidExperimentConfigError } from './errors.ts'
import { experimentTopology } from './topology.ts'

export type DatasetChoice = 'mnist' | 'fashion-mnist'
export const DATASETS: readonly DatasetChoice[] = ['mnist', 'fashion-mnist']
export const BACKENDS = ['auto', 'tensorflow', 'wasm', 'cpu'] as const
export type BackendChoice = typeof BACKENDS[number]

export interface ExperimentConfig {
  peers: number
  topology: string
  /** torus rows; undefined = most square */
  rows?: number
  weights: string
  algo: AlgorithmName
  order: StepOrder
  codec: string
  /** CHOCO-SGD consensus step; undefined = the algorithm's default for the codec */
  gamma?: number
  lr: number
  momentum: number
  weightDecay: number
  localSteps: number
  /** send the model a round starts from and take the local steps while it travels (one-step-stale mixing) */
  overlap: boolean
  /** 'sync': lockstep rounds; 'async': mix with each neighbour's newest message (AD-PSGD-style) */
  sync: SyncMode
  /** async: oldest neighbour message mixed, in rounds behind the peer's own */
  staleness: number
  /** mixing rule: mean, clip:TAU, clip:auto[:F], trimmed:B (lib/algorithms aggregate) */
  aggregate: string
  /**
   * experiments only: what misbehaving peers send (signflip, gaussian:SIGMA, alie[:Z], ipm[:EPS], nan); a
   * network peer's own choice, never agreed; in the simulator the peers in `attackers` run it
   */
  attack?: string
  /** simulator: the attacking slots (a count given to resolveExperiment becomes a seeded choice of slots) */
  attackers?: number[]
  batch: number
  dataset: DatasetChoice
  /** folder with the dataset's four IDX files instead of the packaged or system copy */
  datasetDir?: string
  /** standardise pixels with the training set's mean and std */
  normalize: boolean
  partition: string
  model: string
  backend: BackendChoice
  /** gossip only: dimension of the random vectors the peers average */
  dim: number
  rounds: number
  /** evaluate the averaged model every this many rounds (and after the last); 0 = only at the end */
  evalEvery: number
  /** test samples for the averaged model (0 = the whole test set) */
  evalLimit: number
  /** test samples for each peer's own model at intermediate evaluations (0 = whole set); the final one uses the whole set */
  peerEvalLimit: number
  /** probability that a message is lost */
  drop: number
  /** probability that a peer sits a round out */
  offline: number
  seed: number
}

/**
 * Defaults chosen so the main job (16 peers, ring, MNIST MLP, batch 32, D-PSGD) reaches 97 % in the
 * averaged model within 600 rounds: standardised inputs and heavy-ball momentum 0.9 with η = 0.05
 * (effective step η/(1−μ) = 0.5), measured in README's results.
 */
export const EXPERIMENT_DEFAULTS: ExperimentConfig = {
  peers: 16,
  topology: 'ring',
  weights: 'metropolis',
  algo: 'dpsgd',
  order: 'atc',
  codec: 'none',
  lr: 0.05,
  momentum: 0.9,
  weightDecay: 0,
  localSteps: 1,
  overlap: false,
  sync: 'sync',
  staleness: algorithmConstants.DEFAULT_STALENESS,
  aggregate: DEFAULT_AGGREGATE,
  batch: 32,
  dataset: 'mnist',
  normalize: true,
  partition: 'iid',
  model: 'mlp',
  backend: 'auto',
  dim: 1000,
  rounds: 200,
  evalEvery: 20,
  evalLimit: 0,
  peerEvalLimit: 2000,
  drop: 0,
  offline: 0,
  seed: 1
}

/** A numeric field's bounds: [min, max], or (min, max] with `exclusiveMin`. */
export interface FieldBounds { readonly min: number, readonly max: number, readonly exclusiveMin?: boolean }

/**
 * The bounds resolveExperiment enforces on the numeric fields, one table so that the CLI's options
 * (node/cli/experiment-options.ts) state and check the same ones. Most maxima are typo guards far above any
 * useful value; lr and gamma exclude 0 as lib/algorithms does (a zero step never moves).
 */
export const EXPERIMENT_BOUNDS = {
  peers: { min: 1, max: 4096 },
  rows: { min: 1, max: 4096 },
  gamma: { min: 0, max: 1, exclusiveMin: true },
  lr: { min: 0, max: 1e3, exclusiveMin: true },
  momentum: { min: 0, max: 0.999 },
  weightDecay: { min: 0, max: 1 },
  localSteps: { min: 1, max: 10_000 },
  staleness: { min: 0, max: algorithmConstants.MAX_STALENESS },
  batch: { min: 1, max: 65_536 },
  dim: { min: 1, max: 100_000_000 },
  rounds: { min: 0, max: 10_000_000 },
  evalEvery: { min: 0, max: 10_000_000 },
  evalLimit: { min: 0, max: 10_000_000 },
  peerEvalLimit: { min: 0, max: 10_000_000 },
  seed: { min: 0, max: 0xffffffff }
} as const satisfies Record<string, FieldBounds>

function bad (field: string, expected: string, got: unknown): never {
  throw new InvalidExperimentConfigError(field, `${field}: expected ${expected}, got ${JSON.stringify(got)}`)
}

function int (c: Record<string, unknown>, field: keyof typeof EXPERIMENT_BOUNDS): void {
  const { min, max } = EXPERIMENT_BOUNDS[field]
  const v = c[field]
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) bad(field, `an integer in [${min}, ${max}]`, v)
}

function real (c: Record<string, unknown>, field: string, bounds: FieldBounds = EXPERIMENT_BOUNDS[field as keyof typeof EXPERIMENT_BOUNDS]): void {
  const { min, max, exclusiveMin: openMin = false } = bounds
  const v = c[field]
  if (typeof v !== 'number' || !Number.isFinite(v) || v > max || v < min || (openMin && v === min)) {
    bad(field, `a number in ${openMin ? '(' : '['}${min}, ${max}]`, v)
  }
}

function parses (field: string, value: unknown, parse: (s: string) => unknown, reword: (message: string) => string = (m) => m): void {
  if (typeof value !== 'string') bad(field, 'a string', value)
  try {
    parse(value)
  } catch (err: any) {
    throw new InvalidExperimentConfigError(field, `${field}: ${reword(err.message as string)}`)
  }
}

/** every field an experiment config may hold (a run config adds runId and roundDeadlineMs: agreement.ts) */
export const EXPERIMENT_FIELDS: readonly string[] = Object.keys(EXPERIMENT_DEFAULTS).concat(['rows', 'gamma', 'datasetDir', 'attack', 'attackers'])
const KNOWN = new Set(EXPERIMENT_FIELDS)

/** Defaults filled in, every field checked; unknown fields are errors (a typo must not be ignored). */
export function resolveExperiment (partial: Partial<ExperimentConfig>): ExperimentConfig {
  for (const key of Object.keys(partial)) {
    if (!KNOWN.has(key)) throw new InvalidExperimentConfigError(key, `unknown field '${key}'; known fields: ${[...KNOWN].join(', ')}`)
  }
  const c = { ...EXPERIMENT_DEFAULTS, ...partial } as ExperimentConfig
  // an older murmur stored a training run's dim as null (its agreed config, in checkpoints): the model sizes such a
  // run (withModelDim), so null there is the default; gossip has no model to take it from
  if ((c.dim as number | null) === null) {
    if (c.algo === 'gossip') bad('dim', 'the length of the vectors --algo gossip averages (an integer; null is a training run\'s stored dim)', null)
    c.dim = EXPERIMENT_DEFAULTS.dim
  }
  for (const key of Object.keys(c) as Array<keyof ExperimentConfig>) if (c[key] === undefined) delete c[key]
  const r = c as unknown as Record<string, unknown>
  int(r, 'peers')
  // a run takes the named forms only: the error lists those, not the edge list it refuses below
  parses('topology', c.topology, parseTopologySpec, (m) => m.replace(`allowed: ${TOPOLOGY_FORMS}`, `allowed: ${NAMED_TOPOLOGY_FORMS}`))
  if (c.topology.startsWith('file:')) {
    throw new InvalidExperimentConfigError('topology', `topology: an edge list (${c.topology}) is read by 'murmur graph' only: a run rebuilds its graph every round from the peers alive, so it takes a named topology (ring, torus, exponential, ...)`)
  }
  if (c.rows !== undefined) int(r, 'rows')
  parses('weights', c.weights, parseWeightScheme)
  if (!ALGORITHMS.includes(c.algo)) bad('algo', `one of ${ALGORITHMS.join(', ')}`, c.algo)
  if (c.order !== 'atc' && c.order !== 'cta') bad('order', 'atc or cta', c.order)
  parses('codec', c.codec, parseCodec)
  // the canonical spellings (topk:0.010 is topk:0.01, erdos-renyi:0.50 is erdos-renyi:0.5): the agreed config is
  // hashed as text, so two peers that wrote the same codec or graph differently must not refuse each other
  c.codec = parseCodec(c.codec).spec
  c.topology = formatTopologySpec(parseTopologySpec(c.topology))
  if (c.gamma !== undefined) real(r, 'gamma')
  real(r, 'lr')
  real(r, 'momentum')
  real(r, 'weightDecay')
  int(r, 'localSteps')
  if (typeof c.overlap !== 'boolean') bad('overlap', 'true or false', c.overlap)
  if (c.overlap && c.algo === 'choco') bad('overlap', 'false with algo choco (overlap runs gossip and dpsgd)', c.overlap)
  if (c.overlap && c.order === 'cta') bad('overlap', "false with order cta (overlap takes the local steps from the model it sends)", c.overlap)
  if (!SYNC_MODES.includes(c.sync)) bad('sync', `one of ${SYNC_MODES.join(', ')}`, c.sync)
  if (c.sync === 'async' && c.algo === 'choco') bad('sync', 'sync with algo choco (its copies need every round of every neighbour)', c.sync)
  if (c.sync === 'async' && c.overlap) bad('overlap', 'false with sync async (nothing waits, so nothing to overlap)', c.overlap)
  int(r, 'staleness')
  try {
    c.aggregate = canonicalAggregate(c.aggregate)
  } catch (err) {
    throw new InvalidExperimentConfigError('aggregate', (err as Error).message)
  }
  int(r, 'batch')
  if (!DATASETS.includes(c.dataset)) bad('dataset', `one of ${DATASETS.join(', ')}`, c.dataset)
  if (c.datasetDir !== undefined && typeof c.datasetDir !== 'string') bad('datasetDir', 'a folder path', c.datasetDir)
  if (typeof c.normalize !== 'boolean') bad('normalize', 'true or false', c.normalize)
  parses('partition', c.partition, parsePartitionSpec)
  if (typeof c.model !== 'string' || c.model === '') bad('model', 'a model spec (softmax, mlp, mlp:256,128, cnn)', c.model)
  if (!(BACKENDS as readonly string[]).includes(c.backend)) bad('backend', `one of ${BACKENDS.join(', ')}`, c.backend)
  int(r, 'dim')
  int(r, 'rounds')
  int(r, 'evalEvery')
  int(r, 'evalLimit')
  int(r, 'peerEvalLimit')
  real(r, 'drop', { min: 0, max: 1 })
  if (c.drop >= 1) bad('drop', 'a probability below 1', c.drop)
  real(r, 'offline', { min: 0, max: 1 })
  if (c.offline >= 1) bad('offline', 'a probability below 1', c.offline)
  int(r, 'seed')
  const byz = resolveByzantine(c as unknown as Parameters<typeof resolveByzantine>[0])
  if (byz.attack !== undefined) c.attack = byz.attack
  if (byz.attackers !== undefined) c.attackers = byz.attackers
  // what lib/algorithms refuses (lr 0, order cta with gossip, ef(...) with choco, ...) is refused here, up front,
  // not when the run builds its peers after loading the data; the field names are the same in both configs
  try {
    resolveConfig(algorithmConfig(c))
  } catch (err) {
    if ((err as Error).name !== 'InvalidAlgorithmConfigError') throw err
    throw new InvalidExperimentConfigError((err as { field: string }).field, (err as Error).message)
  }
  return c
}

/** The lib/algorithms config of an experiment. */
export function algorithmConfig (config: ExperimentConfig): AlgorithmConfig {
  return {
    algo: config.algo,
    lr: config.lr,
    momentum: config.momentum,
    weightDecay: config.weightDecay,
    localSteps: config.localSteps,
    order: config.order,
    gamma: config.gamma,
    codec: config.codec,
    weights: config.weights,
    overlap: config.overlap,
    sync: config.sync,
    staleness: config.staleness,
    aggregate: config.aggregate,
    // a network peer's own attack (the simulator gives it to its designated peers only)
    attack: config.attack
  }
}

/**
 * Warnings about a valid config that will not do what it seems to ask (each one line, for the commands to print):
 * a field its algorithm or topology ignores, and a lossy codec under an algorithm that mixes the decoded model
 * itself. Gossip and D-PSGD average what arrives, so a codec that drops or quantises coordinates changes the
 * average: gossip converges to another mean, and the unbiased high-variance codecs (randk, qsgd) make D-PSGD
 * diverge (README, Compression). fp16 and ef(...) (the error is sent later) are fine; CHOCO-SGD compresses the
 * change of a public copy and is built for the rest.
 */
export function configNotes (config: ExperimentConfig): string[] {
  const notes: string[] = []
  if (config.gamma !== undefined && config.algo !== 'choco') notes.push(`gamma ${config.gamma} is ignored: it is CHOCO-SGD's consensus step (--algo choco), and this run is ${config.algo}`)
  if (config.rows !== undefined && parseTopologySpec(config.topology).kind !== 'torus') notes.push(`rows ${config.rows} is ignored: it shapes --topology torus, and this run's topology is ${config.topology}`)
  // a field that differs from its default but does nothing in this run: said, since the user meant something by it
  const D = EXPERIMENT_DEFAULTS
  if (config.algo !== 'gossip' && config.dim !== D.dim) notes.push(`dim ${config.dim} is ignored: it sizes the vector of --algo gossip; a training run's parameters are its model's (${config.model})`)
  if (config.algo === 'gossip') {
    const training = (['model', 'dataset', 'partition', 'lr', 'batch', 'momentum', 'localSteps'] as const).filter((k) => config[k] !== D[k])
    if (training.length > 0) notes.push(`${training.join(', ')} ${training.length === 1 ? 'is' : 'are'} ignored: --algo gossip averages a vector of --dim values and trains nothing`)
  }
  if (config.sync !== 'async' && config.staleness !== D.staleness) notes.push(`staleness ${config.staleness} is ignored: it bounds the age of the models mixed by --sync async, and this run is synchronous`)
  // topk:1 and randk:1 keep every entry, and send its index too: no compression, more bytes than none
  const keepsAll = /^(topk|randk):(\d*\.?\d+(?:e[+-]?\d+)?)$/.exec(config.codec)
  if (keepsAll !== null && Number(keepsAll[2]) === 1) {
    notes.push(`codec ${config.codec} sends every entry plus its index (more bytes than none, and no compression): use --codec none`)
  } else if (config.algo === 'gossip' || config.algo === 'dpsgd') {
    const kind = /^[a-z0-9]+/.exec(config.codec)?.[0]
    if (kind === 'topk' || kind === 'randk' || kind === 'qsgd' || kind === 'sign') {
      const seen = config.algo === 'gossip' ? ' (gossip converges to another mean)' : kind === 'randk' || kind === 'qsgd' ? ' (D-PSGD diverged with randk:0.1 and qsgd:16)' : ''
      notes.push(`codec ${config.codec} with ${config.algo}: it mixes the decoded model itself, so the codec's error goes into the average${seen}; ` +
        `use --algo choco for strong compression, or fp16 or ef(${config.codec})`)
    }
  }
  const trimmed = /^trimmed:(\d+)$/.exec(config.aggregate)
  if (trimmed !== null) {
    const b = Number(trimmed[1])
    const degreeRange = topologyDegrees(config)
    // a peer mixes its own model and its d neighbours': at most ⌊d/2⌋ values can go at each end (aggregate.ts)
    if (degreeRange !== undefined && b > Math.floor(degreeRange.min / 2)) {
      const { min, max } = degreeRange
      const degree = min === max ? `degree ${min}` : `degrees ${min} to ${max}`
      notes.push(`aggregate trimmed:${b} is lowered where a peer has fewer than ${2 * b} neighbours: it mixes its own model and d neighbours', ` +
        `so at most ⌊d/2⌋ values go at each end of each coordinate; ${config.topology} over ${config.peers} peers has ${degree}, ` +
        `so ${min === max ? `every peer trims ${Math.floor(min / 2)}` : `peers trim ${Math.floor(min / 2)} to ${Math.min(b, Math.floor(max / 2))}`}. ` +
        'A denser topology (e.g. --topology regular:D or exponential) tolerates more attackers')
    }
  }
  return notes
}

/** the least and largest degree of the run's starting graph; undefined when it cannot be built here (a file: topology, a bad spec) */
function topologyDegrees (config: ExperimentConfig): { min: number, max: number } | undefined {
  let g
  try {
    g = experimentTopology(config).graph
  } catch {
    return undefined
  }
  const d = degrees(g)
  return { min: Math.min(...d), max: Math.max(...d) }
}
