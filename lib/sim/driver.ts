/**
 * runSimulation: n virtual peers, each a lib/algorithms state machine over the in-memory SimNetwork, run
 * in lockstep rounds. Network-wide metrics each round: mean train loss, consensus distance
 * (1/n) Σ‖x_i − x̄‖² (one pass over the parameters, lib/vector meanAndSpread: a SIMD kernel when the
 * peers' vectors are in kernel memory, as raw-frame peers' are), cumulative bytes, λ₂ of the round's W;
 * periodically the caller's `evaluate` on the averaged model (and optionally every peer's). No disk I/O:
 * callers persist what `onRound` hands them.
 */

import { createRng, hashSeed } from '../random/index.ts'
import type { Rng } from '../random/index.ts'
import { meanAndSpread } from '../vector/index.ts'
import { lambda2, mixingMatrix, parseWeightScheme } from '../../topologies/index.ts'
import type { Graph } from '../../topologies/index.ts'
import { createAlgorithm, resolveConfig } from '../algorithms/index.ts'
import type { AlgorithmConfig, AlgorithmState, LocalObjective, PeerAlgorithm, RejectionCounts, RoundReport } from '../algorithms/index.ts'
import { SimNetwork } from './network.ts'
import type { Intercept } from './network.ts'
import { InvalidSimulationError } from './errors.ts'

export interface SimulationOptions {
  peers: number
  /** the graph, or the graph of each round; nodes are peers 0..n−1 */
  topology: Graph | ((round: number) => Graph)
  algorithm: AlgorithmConfig
  /** peer i's local objective (required unless algo is 'gossip'); rng is seeded per peer */
  objective?: (peer: number, rng: Rng) => LocalObjective
  /** peer i's initial parameters; rng is seeded per peer */
  x0: (peer: number, rng: Rng) => Float32Array
  /** rounds to run: 0..rounds−1 (from `startRound` on a restored simulation) */
  rounds: number
  seed: number
  ids?: readonly string[]
  dropProbability?: number
  offlineProbability?: number
  /** call `evaluate` every this many rounds (and after the last); 0 = never; default 0 */
  evalEvery?: number
  /** also hand every peer's parameters to `evaluate`; default false */
  evaluatePeers?: boolean
  /** compute the averaged model and consensus distance every this many rounds (NaN in between); default 1 */
  consensusEvery?: number
  /** tests: garble or drop messages in flight */
  intercept?: Intercept
  /**
   * experiments: these peers send crafted vectors (lib/algorithms attack spec, e.g. 'alie'); they run the
   * honest algorithm for their own state (lib/algorithms AttackingPeer)
   */
  attack?: { spec: string, peers: readonly number[] }
  /** clock for the timings in the metrics only; default performance.now */
  now?: () => number
}

/** What `evaluate` returns; every field optional. */
export interface Evaluation {
  accuracy?: number
  loss?: number
  /** accuracy of each peer's own model (when `evaluatePeers`) */
  peerAccuracies?: ArrayLike<number>
}

export interface SimulationHooks {
  /** the averaged model x̄ (a reused buffer: copy it to keep it) and, with evaluatePeers, each peer's x_i */
  evaluate? (average: Float32Array, round: number, peers?: readonly Float32Array[]): Evaluation | Promise<Evaluation>
  onRound? (metrics: RoundMetrics): void | Promise<void>
}

export interface RoundMetrics {
  round: number
  /** peers that ran this round */
  online: number
  /** mean of the online peers' train losses (NaN for gossip) */
  trainLoss: number
  /** (1/n) Σ_i ‖x_i − x̄‖² over all peers (NaN on rounds skipped by consensusEvery) */
  consensusDistance: number
  /** cumulative bytes sent by all peers since round 0 of this simulation */
  bytesSent: number
  bytesThisRound: number
  /** second largest eigenvalue modulus of the round's W (NaN for graphs above topologies' dense limit) */
  lambda2: number
  /** messages that arrived / were expected but missing, summed over peers */
  received: number
  missing: number
  /** rejected messages by reason, summed over peers */
  rejected: RejectionCounts
  /** CHOCO-SGD copies waiting for a full resync, summed over peers */
  stale: number
  /** mean per online peer */
  computeMs: number
  commMs: number
  /** wall time of the round, all peers */
  wallMs: number
  /** from `evaluate`, on evaluation rounds */
  accuracy?: number
  testLoss?: number
  peerAccuracyMin?: number
  peerAccuracyMean?: number
  /** every online peer's report, for per-peer logging */
  reports: RoundReport[]
}

export interface Simulation {
  readonly network: SimNetwork
  readonly peers: readonly PeerAlgorithm[]
  /** the next round `step` runs */
  readonly round: number
  /** runs one round; evaluates when `evaluate` is due (or forced) */
  step (hooks?: SimulationHooks, forceEvaluate?: boolean): Promise<RoundMetrics>
  /** x̄ now (a new array) */
  average (): Float32Array
  exportState (): SimulationState
  importState (state: SimulationState): void
}

export interface SimulationState {
  round: number
  bytesSent: number
  peers: AlgorithmState[]
}

/**
 * The random streams of simulated peer i: its initial vector, its minibatches, its codec. A network peer in
 * slot i draws from the same streams, which is what lets a network run reproduce a simulation exactly.
 */
export function peerStreams (seed: number, peer: number): { x0: Rng, objective: Rng, algorithm: Rng } {
  const peerRng = createRng(seed).fork(`peer:${peer}`)
  return { x0: peerRng.fork('x0'), objective: peerRng.fork('objective'), algorithm: peerRng.fork('algorithm') }
}

/** Builds the peers and the network; run rounds with `step`, or use runSimulation. */
export function createSimulation (opts: SimulationOptions): Simulation {
  const n = opts.peers
  if (!Number.isInteger(n) || n < 1) throw new InvalidSimulationError('peers', `peers: expected an integer ≥ 1, got ${String(n)}`)
  if (!Number.isInteger(opts.rounds) || opts.rounds < 0) throw new InvalidSimulationError('rounds', `rounds: expected an integer ≥ 0, got ${String(opts.rounds)}`)
  const evalEvery = opts.evalEvery ?? 0
  if (!Number.isInteger(evalEvery) || evalEvery < 0) throw new InvalidSimulationError('evalEvery', `evalEvery: expected an integer ≥ 0, got ${String(evalEvery)}`)
  const consensusEvery = opts.consensusEvery ?? 1
  if (!Number.isInteger(consensusEvery) || consensusEvery < 1) throw new InvalidSimulationError('consensusEvery', `consensusEvery: expected an integer ≥ 1, got ${String(consensusEvery)}`)
  const config = resolveConfig(opts.algorithm)
  if (config.algo !== 'gossip' && opts.objective === undefined) throw new InvalidSimulationError('objective', `objective: ${config.algo} needs a per-peer objective factory`)
  const network = new SimNetwork(n, { topology: opts.topology, seed: hashSeed(opts.seed, 'network'), ids: opts.ids, dropProbability: opts.dropProbability, offlineProbability: opts.offlineProbability, intercept: opts.intercept })
  const now = opts.now ?? (() => performance.now())
  const peers: PeerAlgorithm[] = []
  for (let i = 0; i < n; i++) {
    const streams = peerStreams(opts.seed, i)
    const x0 = opts.x0(i, streams.x0)
    const objective = config.algo === 'gossip' ? undefined : opts.objective?.(i, streams.objective)
    const algorithm = opts.attack?.peers.includes(i) === true ? { ...opts.algorithm, attack: opts.attack.spec } : opts.algorithm
    peers.push(createAlgorithm(algorithm, { x0, objective, rng: streams.algorithm, id: network.ids[i], now }))
  }
  const dim = peers[0].dim
  for (const p of peers) if (p.dim !== dim) throw new InvalidSimulationError('x0', `x0: every peer needs the same dimension, got ${dim} and ${p.dim}`)
  const params = peers.map((p) => p.params)
  const avg = new Float32Array(dim)
  const scheme = parseWeightScheme(config.weights)
  const lambdaCache = new WeakMap<Graph, number>()
  let round = 0
  let bytesSent = 0
  const controller = new AbortController()

  function lambdaOf (g: Graph): number {
    let l = lambdaCache.get(g)
    if (l === undefined) {
      try {
        l = lambda2(mixingMatrix(g, scheme))
      } catch (err) {
        if ((err as Error).name !== 'InvalidMatrixError') throw err
        l = NaN
      }
      lambdaCache.set(g, l)
    }
    return l
  }

  async function step (hooks: SimulationHooks = {}, forceEvaluate = false): Promise<RoundMetrics> {
    const r = round
    const t0 = now()
    const online = network.beginRound(r)
    const running: Array<Promise<RoundReport>> = []
    for (let i = 0; i < n; i++) if (online[i] === 1) running.push(peers[i].runRound(r, network.exchange(i), controller.signal))
    const reports = await Promise.all(running)
    const wallMs = now() - t0
    round = r + 1
    let loss = 0; let bytes = 0; let received = 0; let missing = 0; let stale = 0; let compute = 0; let comm = 0
    const rejected: RejectionCounts = { malformed: 0, wrongSize: 0, nonFinite: 0, unexpected: 0, outOfStep: 0 }
    for (const rep of reports) {
      loss += rep.trainLoss; bytes += rep.bytesSent; received += rep.received; missing += rep.missing; stale += rep.stale
      compute += rep.computeMs; comm += rep.commMs
      for (const k of Object.keys(rejected) as Array<keyof RejectionCounts>) rejected[k] += rep.rejected[k]
    }
    bytesSent += bytes
    for (let i = 0; i < n; i++) params[i] = peers[i].params
    const evaluating = hooks.evaluate !== undefined && (forceEvaluate || (evalEvery > 0 && (r + 1) % evalEvery === 0))
    const consensus = evaluating || (r + 1) % consensusEvery === 0 ? meanAndSpread(params, avg) : NaN
    const k = Math.max(1, reports.length)
    const metrics: RoundMetrics = {
      round: r,
      online: reports.length,
      trainLoss: reports.length > 0 ? loss / reports.length : NaN,
      consensusDistance: consensus,
      bytesSent,
      bytesThisRound: bytes,
      lambda2: lambdaOf(network.graph),
      received,
      missing,
      rejected,
      stale,
      computeMs: compute / k,
      commMs: comm / k,
      wallMs,
      reports
    }
    if (evaluating && hooks.evaluate !== undefined) {
      const ev = await hooks.evaluate(avg, r, opts.evaluatePeers === true ? params : undefined)
      if (ev.accuracy !== undefined) metrics.accuracy = ev.accuracy
      if (ev.loss !== undefined) metrics.testLoss = ev.loss
      if (ev.peerAccuracies !== undefined && ev.peerAccuracies.length > 0) {
        let min = Infinity; let sum = 0
        for (let i = 0; i < ev.peerAccuracies.length; i++) { min = Math.min(min, ev.peerAccuracies[i]); sum += ev.peerAccuracies[i] }
        metrics.peerAccuracyMin = min
        metrics.peerAccuracyMean = sum / ev.peerAccuracies.length
      }
    }
    await hooks.onRound?.(metrics)
    return metrics
  }

  return {
    network,
    peers,
    get round () { return round },
    step,
    average () {
      const out = new Float32Array(dim)
      meanAndSpread(peers.map((p) => p.params), out)
      return out
    },
    exportState () {
      return { round, bytesSent, peers: peers.map((p) => p.exportState()) }
    },
    importState (state) {
      if (state.peers.length !== n) throw new InvalidSimulationError('state', `state: expected ${n} peers, got ${state.peers.length}`)
      for (let i = 0; i < n; i++) peers[i].importState(state.peers[i])
      round = state.round
      bytesSent = state.bytesSent
    }
  }
}

export interface SimulationResult {
  /** the last round's metrics (undefined when rounds = 0) */
  last: RoundMetrics | undefined
  /** x̄ after the last round */
  average: Float32Array
  /** the simulation, for inspection or to continue */
  simulation: Simulation
}

/**
 * Runs `opts.rounds` rounds; `evaluate` every `evalEvery` rounds and after the last round (when evalEvery > 0).
 * Rejects with the first peer error (e.g. NonFiniteModelError).
 */
export async function runSimulation (opts: SimulationOptions, hooks: SimulationHooks = {}): Promise<SimulationResult> {
  const sim = createSimulation(opts)
  let last: RoundMetrics | undefined
  const evalEvery = opts.evalEvery ?? 0
  for (let r = 0; r < opts.rounds; r++) {
    last = await sim.step(hooks, evalEvery > 0 && r === opts.rounds - 1)
  }
  return { last, average: sim.average(), simulation: sim }
}
