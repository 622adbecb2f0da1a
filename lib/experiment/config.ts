/**
 * One experiment (a simulated run or, later, the shared config of a network run): every field that
 * decides its outcome, with defaults and validation. `config.json` of a run is this object, so a run
 * can be repeated from it exactly.
 */

import { parseCodec } from '../compress/index.ts'
import { parsePartitionSpec } from '../data/index.ts'
import { ALGORITHMS, DEFAULT_AGGREGATE, SYNC_MODES, canonicalAggregate, constants as algorithmConstants, parseAggregateRule, resolveConfig } from '../algorithms/index.ts'
import { codecInstead, isLossyCodec } from '../algorithms/index.ts'
import { resolveByzantine } from './byzantine.ts'
import type { AlgorithmConfig, AlgorithmName, StepOrder, SyncMode } from '../algorithms/index.ts'
import { degrees, edgeWeight, formatTopologySpec, NAMED_TOPOLOGY_FORMS, parseTopologySpec, parseWeightScheme, TOPOLOGY_FORMS } from '../../topologies/index.ts'
import type { Graph } from '../../topologies/index.ts'
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
    // a neighbour's message of the run's last round (rounds count from 0) is its final model (lib/algorithms staleness.ts)
    // (none in a run of no round, which the commands accept and end at once)
    finalRound: config.rounds > 0 ? config.rounds - 1 : undefined,
    aggregate: config.aggregate,
    // a network peer's own attack (the simulator gives it to its designated peers only)
    attack: config.attack
  }
}

/**
 * Warnings about a valid config that will not do what it seems to ask (each one line, for the commands to print):
 * a field its algorithm or topology ignores, a lossy codec under an algorithm that mixes the decoded model
 * itself, and a robust aggregate that the topology keeps from reaching consensus. Gossip and D-PSGD average what
 * arrives, so a codec that drops or quantises coordinates changes the average: gossip agrees on another mean or
 * never, and the unbiased high-variance codecs (randk, qsgd) make D-PSGD diverge, with error feedback too (README,
 * Compression). fp16, and for D-PSGD ef(topk:F) and ef(sign), are fine; CHOCO-SGD compresses the change of a public
 * copy and is built for the rest. What a note offers instead was measured to converge (lib/algorithms codecInstead).
 */
export function configNotes (config: ExperimentConfig): string[] {
  const notes: string[] = []
  // built once, by the first note that needs it (a large graph takes a while)
  let graph: Graph | undefined | null = null
  const runGraph = (): Graph | undefined => (graph === null ? (graph = startGraph(config)) : graph)
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
  } else if ((config.algo === 'gossip' || config.algo === 'dpsgd') && isLossyCodec(config.codec)) {
    const ef = /^ef\((.*)\)$/.exec(config.codec)
    const kind = /^[a-z0-9]+/.exec(ef?.[1] ?? config.codec)?.[0]
    // D-PSGD converges with ef(topk:F) and ef(sign) (lib/algorithms codecInstead); error feedback does not tame the
    // variance of randk and qsgd, and gossip with any ef() never agrees
    if (config.algo === 'gossip' || ef === null || kind === 'randk' || kind === 'qsgd') {
      const seen = config.algo === 'gossip'
        ? ' (gossip agrees on another mean, or never: 16 peers on a ring, 600 rounds, ended 22 apart with qsgd:16 and 7 with ef(topk:0.1), 3e-4 with fp16)'
        : kind === 'randk' || kind === 'qsgd' ? ' (D-PSGD diverged with randk:0.1 and qsgd:16, and with ef() of either)' : ''
      notes.push(`codec ${config.codec} with ${config.algo}: it mixes the decoded model itself, so the codec's error goes into the average${seen}; ` +
        `use ${codecInstead(config.algo, config.codec)}${config.algo === 'dpsgd' ? ' (each converged on the main job, 16 peers on a ring, MNIST MLP, and on 8 peers)' : ''}`)
    }
  }
  const trimmed = /^trimmed:(\d+)$/.exec(config.aggregate)
  if (trimmed !== null) {
    const b = Number(trimmed[1])
    const degreeRange = topologyDegrees(runGraph())
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
  const stall = aggregateStall(config, runGraph)
  if (stall !== undefined) notes.push(stall)
  return notes
}

/** the run's starting graph; undefined when it cannot be built here (a file: topology, a bad spec) */
function startGraph (config: ExperimentConfig): Graph | undefined {
  try {
    return experimentTopology(config).graph
  } catch {
    return undefined
  }
}

/** the least and largest degree of the run's starting graph; undefined when it cannot be built here */
function topologyDegrees (g: Graph | undefined): { min: number, max: number } | undefined {
  if (g === undefined) return undefined
  const d = degrees(g)
  return { min: Math.min(...d), max: Math.max(...d) }
}

/**
 * A robust aggregate that the run's graph keeps from bringing the peers together. trimmed:B and clip:auto set aside,
 * at each peer i, up to t_i neighbours that differ most from it: trimmed drops t_i = min(B, ⌊d_i/2⌋) values at each end,
 * clip:auto clips its farthest neighbours to the distance of the nearest one left (aggregate.ts adaptiveTau; t_i = 1
 * of 2 on a ring). If the peers split into two groups in which no peer has more than t_i neighbours in the other
 * group, the state in which each group agrees on its own model is a fixed point: every peer sets the other group's
 * models aside (trimmed drops them, clip:auto's τ_i is 0) and nothing pulls the groups together (the r-robustness
 * condition of resilient consensus, LeBlanc et al. 2013). Measured (seed 1, ring of 16 unless said):
 * - trimmed:1, D-PSGD, 600 rounds: consensus distance 6.09 against mean's 0.195 (31×), worst peer 95.77 % against
 *   96.92 %; dirichlet:0.1, 150 rounds: 44×, worst peer 27.29 % against 79.19 %; a torus of 16 (row bands), 150
 *   rounds: 2.5×, non-iid 5.5× (worst 62.26 % against 87.92 %); CHOCO-SGD topk:0.1, 150 rounds: 1.6×. The exponential
 *   graph of 16 (150 rounds) splits into its even and odd peers for trimmed:2 (1.9×, non-iid 21×, worst 52.97 % against
 *   93.26 %), not for trimmed:1 (1.1×). Gossip on a ring of 8, 60 rounds: 230 against 1.3e-9.
 * - clip:auto stalls gossip alike (ring of 8, 60 rounds: 0.71 against 1.3e-9; exponential of 8: 0.14 against 1e-13),
 *   whose peers start apart, but not training, whose peers start from one model and drift apart only by their
 *   gradients, so the distances clip:auto compares stay alike: D-PSGD 600 rounds 0.203 against 0.195, non-iid 1.06×,
 *   CHOCO-SGD 1.02×. It is noted for gossip only.
 */
function aggregateStall (config: ExperimentConfig, runGraph: () => Graph | undefined): string | undefined {
  const rule = parseAggregateRule(config.aggregate)
  if (rule.kind !== 'trimmed' && (rule.kind !== 'clip-auto' || config.algo !== 'gossip')) return undefined
  if (rule.kind === 'trimmed' && rule.b === 0) return undefined
  const g = runGraph()
  if (g === undefined) return undefined
  const d = degrees(g)
  let setAside: Int32Array
  if (rule.kind === 'trimmed') {
    setAside = Int32Array.from(d, (di) => Math.min(rule.b, Math.floor(di / 2)))
  } else {
    const scheme = parseWeightScheme(config.weights)
    const dMax = d.reduce((a, b) => Math.max(a, b), 0)
    setAside = Int32Array.from(d, (di, i) => clippedByAuto(g.adjacency[i].map((j) => edgeWeight(scheme, di, d[j], dMax)), rule.fraction))
  }
  const group = stallingSplit(g, setAside)
  if (group === undefined) return undefined
  const shown = group.length <= 6 ? group.join(', ') : `${group.slice(0, 6).join(', ')}, … (${group.length})`
  const where = `${config.topology} over ${config.peers} peers`
  const split = `the peers split into two groups (peers ${shown} and the other ${g.n - group.length}) in which no peer has more neighbours in the other group than it`
  if (rule.kind === 'clip-auto') {
    return `aggregate ${config.aggregate} stalls gossip on ${where}: ${split} clips (its farthest neighbours, ${rule.fraction} of their weight), ` +
      'so once each group agrees its radius τ is 0 and the groups never meet (8 peers on a ring, 60 rounds: consensus distance 0.71 against mean\'s 1.3e-9); ' +
      'use --aggregate mean, or a fixed clip:TAU above the distances between honest peers (clip:10 there: 4.3e-9). Training runs, whose peers start from one model, were not slowed'
  }
  return `aggregate ${config.aggregate} stalls consensus on ${where}: ${split} trims at each end, so it drops their values and two groups that differ ` +
    'are never pulled together (D-PSGD on a ring of 16: consensus distance 31× that of --aggregate mean, worst peer 95.77 % against 96.92 %; with non-iid data 44×, ' +
    `27 % against 79 %); use --aggregate mean${config.algo === 'gossip' ? '' : ' or clip:auto (within 5 % of mean\'s consensus there)'}, or a topology without such a split ` +
    '(--topology exponential with trimmed:1)'
}

/**
 * How many of a peer's neighbours clip:auto can clip to the distance of a neighbour that agrees with the peer: all of
 * the farthest ones until their weight reaches fraction · Σ w (aggregate.ts adaptiveTau), at least one neighbour left
 * unclipped and none with a single neighbour. The heaviest weights are counted first, so this is never more than it clips.
 */
function clippedByAuto (weights: number[], fraction: number): number {
  const m = weights.length
  if (m <= 1) return 0
  weights.sort((a, b) => b - a)
  const delta = fraction * weights.reduce((a, b) => a + b, 0) * (1 - 1e-9)
  let covered = 0
  let c = 0
  while (c < m - 1 && covered + weights[c] < delta) covered += weights[c++]
  return Math.min(c + 1, m - 1)
}

/** most neighbour visits stallingSplit makes (tens of milliseconds); a ring of 4096 takes 106,496 */
const MAX_SPLIT_SEARCH = 20_000_000

/**
 * Two groups of peers in which no peer i has more than setAside[i] neighbours in the other group, looked for among the
 * splits of the peers by number: the first k of every m consecutive peers (i mod m < k) against the rest, for each m
 * that divides n. These are the arcs of a ring (m = n), the row and column bands of a torus, the subcubes of a
 * hypercube and the even and odd peers of the exponential graph; a group of another shape (on a random graph) is not
 * looked for. Each m is one sweep that moves the peers into the first group a residue class at a time and keeps
 * count of the peers with too many neighbours across, O(n + edges). Returns the first group, or undefined.
 */
function stallingSplit (g: Graph, setAside: Int32Array): number[] | undefined {
  const n = g.n
  // a peer i of a group of s has at least d_i − (s − 1) neighbours outside it, so each group holds more than
  // min(d_i − t_i) peers: a dense graph (a complete one) has no split, and is not swept
  let least = Infinity
  let ends = 0
  for (let i = 0; i < n; i++) {
    least = Math.min(least, g.adjacency[i].length - setAside[i])
    ends += g.adjacency[i].length
  }
  if (2 * (least + 1) > n) return undefined
  let sweeps = 0
  for (let m = 2; m <= n; m++) if (n % m === 0) sweeps++
  // nor one too dense to sweep in a moment (erdos-renyi:0.5 over 4096 peers would take a second): not looked for
  if (sweeps * ends > MAX_SPLIT_SEARCH) return undefined
  // the longest runs first: a ring's arc 0..k−1 reads better than every other pair of peers
  for (let m = n; m >= 2; m--) {
    if (n % m !== 0) continue
    const inFirst = new Uint8Array(n)
    const across = new Int32Array(n)
    let over = 0 // peers with more neighbours across than they set aside
    const count = (i: number, delta: number): void => {
      const was = across[i] > setAside[i]
      across[i] += delta
      over += Number(across[i] > setAside[i]) - Number(was)
    }
    for (let k = 1; k < m; k++) {
      for (let i = k - 1; i < n; i += m) {
        inFirst[i] = 1
        let others = 0
        for (const j of g.adjacency[i]) {
          if (inFirst[j] === 1) count(j, -1)
          else { count(j, 1); others++ }
        }
        count(i, others - across[i])
      }
      if (over === 0) {
        const group: number[] = []
        for (let i = 0; i < n; i++) if (inFirst[i] === 1) group.push(i)
        return group
      }
    }
  }
  return undefined
}
