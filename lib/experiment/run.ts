/**
 * Runs one experiment in the simulator: loads the data, splits it over the peers, builds the model,
 * the topology and the peers, and reports one metrics record a round. No disk writes and no argv: the
 * CLI and the scripts decide where records go.
 */

import { createSimulation } from '../sim/index.ts'
import type { RoundMetrics, SimulationOptions } from '../sim/index.ts'
import { meanAndSpread } from '../vector/index.ts'
import { describe, mixingMatrix } from '../../topologies/index.ts'
import type { Graph } from '../../topologies/index.ts'
import { algorithmConfig, resolveExperiment } from './config.ts'
import { InvalidExperimentConfigError, RunDivergedError } from './errors.ts'
import { prepareTraining } from './setup.ts'
import { experimentTopology } from './topology.ts'
import type { ExperimentConfig } from './config.ts'

/** the longest a run goes without letting the event loop turn (ms) */
const YIELD_EVERY_MS = 50

/**
 * Most parameters the simulator holds, summed over its peers (peers × dim): 2^30, 4 GiB of float32. Each peer
 * also keeps a gradient, momentum and message buffers of the same size, about 5 copies in all (measured: 18 bytes
 * a parameter for gossip), so this bound is about 20 GB of memory. A bigger run fails in the middle of allocating
 * its peers; it needs fewer peers, a smaller model, or a network run (one peer a process).
 */
export const MAX_SIMULATED_PARAMS = 2 ** 30

/** One line of metrics.jsonl. `round` counts completed rounds (1 after the first). NaN is written as null. */
export interface MetricsRecord {
  round: number
  trainLoss: number
  /** averaged model's test accuracy, on evaluation rounds; null otherwise */
  accuracy: number | null
  testLoss: number | null
  /** each peer's own model on the test set (intermediate: first peerEvalLimit samples; final: all) */
  peerAccuracyMin: number | null
  peerAccuracyMean: number | null
  /** (1/n) Σ ‖x_i − x̄‖² */
  consensusDistance: number
  /** cumulative bytes sent by all peers */
  bytesSent: number
  bytesThisRound: number
  lambda2: number
  online: number
  received: number
  missing: number
  stale: number
  rejected: Record<string, number>
  computeMs: number
  commMs: number
  wallMs: number
  elapsedMs: number
}

export interface ExperimentInfo {
  config: ExperimentConfig
  backend: string | null
  dim: number
  trainSamples: number | null
  testSamples: number | null
  shardSizes: { min: number, max: number } | null
  partitionSkew: number | null
  edges: number
  lambda2: number
  spectralGap: number
  /** what the run mixes over instead of `config.topology`, which has no graph on `config.peers` nodes (lib/experiment experimentTopology) */
  topologyNote?: string
  /** (1/n) Σ‖x_i − x̄‖² of the initial parameters (0 when every peer starts from the same model) */
  initialConsensusDistance: number
}

export interface ExperimentSummary {
  rounds: number
  accuracy: number | null
  testLoss: number | null
  peerAccuracyMin: number | null
  peerAccuracyMean: number | null
  bestAccuracy: number | null
  /** first evaluated round at which the averaged model reached each accuracy */
  roundsToAccuracy: Record<string, number | null>
  consensusDistance: number
  bytesSent: number
  bytesPerPeerPerRound: number
  wallSeconds: number
  roundsPerSecond: number
  backend: string | null
  dim: number
  lambda2: number
  spectralGap: number
  /** null for a run that ended; for one stopped by a non-finite model, the round (metrics' numbering) and why */
  diverged: { round: number, reason: string } | null
}

export interface ExperimentHooks {
  onStart?: (info: ExperimentInfo) => void | Promise<void>
  onRound?: (record: MetricsRecord, raw: RoundMetrics) => void | Promise<void>
  /** checked between rounds: stop early (e.g. on SIGINT) and still summarise */
  shouldStop?: () => boolean
}

const THRESHOLDS = [0.9, 0.95, 0.97, 0.98]

function orNull (v: number | undefined): number | null {
  return v === undefined || !Number.isFinite(v) ? null : v
}

export async function runExperiment (partial: Partial<ExperimentConfig>, hooks: ExperimentHooks = {}): Promise<ExperimentSummary> {
  const config = resolveExperiment(partial)
  if (config.attack !== undefined && config.attackers === undefined) {
    throw new InvalidExperimentConfigError('attackers', `attackers: attack '${config.attack}' needs the peers that run it: --attackers N (a count, chosen from the seed) or --attackers 3,7 (slots); in a config file "attackers": 2 or [3, 7]`)
  }
  // the network's graph of these peers, the nearest one where the spec has none on this many (a cluster's run.json replays)
  const { graph, note: topologyNote } = experimentTopology(config)
  const spectrum = describeOrNaN(graph, config.weights)
  const training = await prepareTraining(config)
  if (config.peers * training.dim > MAX_SIMULATED_PARAMS) {
    training.dispose()
    throw new InvalidExperimentConfigError('peers', `peers: ${config.peers} peers × ${training.dim.toLocaleString('en-US')} parameters = ` +
      `${(config.peers * training.dim).toExponential(1)} values to simulate in one process, more than the limit of ${MAX_SIMULATED_PARAMS.toLocaleString('en-US')} ` +
      '(2^30, 4 GiB of float32 before each peer\'s buffers): use fewer peers or a smaller model')
  }
  const options: SimulationOptions = {
    peers: config.peers,
    topology: graph,
    // the attack goes to the designated peers only (below), never to every peer
    algorithm: { ...algorithmConfig(config), attack: undefined },
    ...(config.attack !== undefined ? { attack: { spec: config.attack, peers: config.attackers ?? [] } } : {}),
    rounds: config.rounds,
    seed: config.seed,
    dropProbability: config.drop,
    offlineProbability: config.offline,
    evalEvery: config.evalEvery,
    evaluatePeers: training.evaluate !== undefined,
    x0: training.x0,
    objective: training.objective
  }
  const test = training.evaluate
  const attackers = new Set(config.attack !== undefined ? config.attackers : [])
  const honestAverage = new Float32Array(attackers.size > 0 ? training.dim : 0)
  const evaluate = test === undefined
    ? undefined
    : (avg: Float32Array, round: number, peers?: readonly Float32Array[]): { accuracy: number, loss: number, peerAccuracies?: number[] } => {
        const final = round === config.rounds - 1
        // with attackers, the averaged model and the peer figures are the honest peers' only
        const honest = peers === undefined || attackers.size === 0 ? peers : peers.filter((_, i) => !attackers.has(i))
        if (honest !== undefined && honest !== peers) meanAndSpread(honest, honestAverage)
        const ev = test(honest !== peers ? honestAverage : avg, config.evalLimit)
        const limit = final ? 0 : config.peerEvalLimit
        return { accuracy: ev.accuracy, loss: ev.loss, peerAccuracies: honest?.map((x) => test(x, limit).accuracy) }
      }
  const sizes = training.shardSizes
  const info: ExperimentInfo = {
    config,
    backend: training.backend,
    dim: training.dim,
    trainSamples: training.trainSamples,
    testSamples: training.testSamples,
    shardSizes: sizes === null ? null : { min: Math.min(...sizes), max: Math.max(...sizes) },
    partitionSkew: training.partitionSkew,
    edges: spectrum.edges,
    lambda2: spectrum.lambda2,
    spectralGap: spectrum.spectralGap,
    ...(topologyNote !== undefined ? { topologyNote } : {}),
    initialConsensusDistance: NaN
  }
  const sim = createSimulation(options)
  info.initialConsensusDistance = meanAndSpread(sim.peers.map((p) => p.params), new Float32Array(info.dim))
  await hooks.onStart?.(info)
  const start = performance.now()
  const reached: Record<string, number | null> = Object.fromEntries(THRESHOLDS.map((t) => [String(t), null]))
  let last: MetricsRecord | undefined
  let best: number | null = null
  let lastEval: { accuracy: number | null, testLoss: number | null, min: number | null, mean: number | null } = { accuracy: null, testLoss: null, min: null, mean: null }
  let yielded = performance.now()
  try {
    for (let r = 0; r < config.rounds; r++) {
      // a simulated round awaits nothing that waits for the event loop: give it a turn now and then, so that
      // signals (Ctrl-C asks shouldStop), timers and I/O of the caller are served during a long run
      if (performance.now() - yielded >= YIELD_EVERY_MS) {
        await new Promise<void>((resolve) => { setImmediate(resolve) })
        yielded = performance.now()
      }
      const stopping = hooks.shouldStop?.() === true
      let raw: RoundMetrics
      try {
        raw = await sim.step(evaluate !== undefined ? { evaluate } : {}, evaluate !== undefined && (r === config.rounds - 1 || stopping))
      } catch (err) {
        throw inMetricsRounds(err, r, () => summarise())
      }
      const record: MetricsRecord = {
        round: raw.round + 1,
        trainLoss: raw.trainLoss,
        accuracy: orNull(raw.accuracy),
        testLoss: orNull(raw.testLoss),
        peerAccuracyMin: orNull(raw.peerAccuracyMin),
        peerAccuracyMean: orNull(raw.peerAccuracyMean),
        consensusDistance: raw.consensusDistance,
        bytesSent: raw.bytesSent,
        bytesThisRound: raw.bytesThisRound,
        lambda2: raw.lambda2,
        online: raw.online,
        received: raw.received,
        missing: raw.missing,
        stale: raw.stale,
        rejected: { ...raw.rejected },
        computeMs: raw.computeMs,
        commMs: raw.commMs,
        wallMs: raw.wallMs,
        elapsedMs: performance.now() - start
      }
      if (record.accuracy !== null) {
        lastEval = { accuracy: record.accuracy, testLoss: record.testLoss, min: record.peerAccuracyMin, mean: record.peerAccuracyMean }
        best = Math.max(best ?? 0, record.accuracy)
        for (const t of THRESHOLDS) if (reached[String(t)] === null && record.accuracy >= t) reached[String(t)] = record.round
      }
      last = record
      await hooks.onRound?.(record, raw)
      if (stopping) break
    }
  } finally {
    training.dispose()
  }
  return summarise()

  /** the figures of the rounds run so far (all of them at the end; those before the failing round on divergence) */
  function summarise (): ExperimentSummary {
    const wallSeconds = (performance.now() - start) / 1000
    const rounds = last?.round ?? 0
    return {
      rounds,
      accuracy: lastEval.accuracy,
      testLoss: lastEval.testLoss,
      peerAccuracyMin: lastEval.min,
      peerAccuracyMean: lastEval.mean,
      bestAccuracy: best,
      roundsToAccuracy: reached,
      consensusDistance: last?.consensusDistance ?? NaN,
      bytesSent: last?.bytesSent ?? 0,
      bytesPerPeerPerRound: rounds > 0 ? (last?.bytesSent ?? 0) / rounds / config.peers : 0,
      wallSeconds,
      roundsPerSecond: rounds / Math.max(wallSeconds, 1e-9),
      backend: training.backend,
      dim: info.dim,
      lambda2: info.lambda2,
      spectralGap: info.spectralGap,
      diverged: null
    }
  }
}

/**
 * A peer's NonFiniteModelError names the protocol round r, counted from 0, while metrics.jsonl counts rounds
 * completed: "round 9" there is a finite record, and the model broke in the 10th round. Say it in the metrics'
 * numbering, and that the run diverged (the error keeps its name and its protocol `round`).
 */
function inMetricsRounds (err: unknown, r: number, summarise: () => ExperimentSummary): unknown {
  if (!(err instanceof Error) || err.name !== 'NonFiniteModelError') return err
  const reason = err.message.replace(new RegExp(`^round ${r}: `), '')
  const held = r === 0 ? 'no round finished' : r === 1 ? 'the metrics hold round 1' : `the metrics hold rounds 1 to ${r}`
  const message = `the run diverged in round ${r + 1} (${held}): ${reason}`
  return new RunDivergedError(r, message, { ...summarise(), diverged: { round: r + 1, reason } })
}

function describeOrNaN (graph: Graph, scheme: string): { edges: number, lambda2: number, spectralGap: number } {
  try {
    const s = describe(graph, mixingMatrix(graph, scheme))
    return { edges: s.edges, lambda2: s.lambda2, spectralGap: s.spectralGap }
  } catch (err) {
    // above the dense eigen-solver's size limit the spectrum is simply not reported
    if ((err as Error).name !== 'InvalidMatrixError') throw err
    let edges = 0
    for (const nb of graph.adjacency) edges += nb.length
    return { edges: edges / 2, lambda2: NaN, spectralGap: NaN }
  }
}

