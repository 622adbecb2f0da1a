/**
 * Runs one experiment in the simulator: loads the data, splits it over the peers, builds the model,
 * the topology and the peers, and reports one metrics record a round. No disk writes and no argv: the
 * CLI and the scripts decide where records go.
 */

import { loadDataset, partition, partitionStats } from '../data/index.ts'
import { createModel, initBackend, parseModelSpec } from '../model/index.ts'
import type { Model } from '../model/index.ts'
import { modelObjective } from '../objectives/index.ts'
import { createSimulation } from '../sim/index.ts'
import type { RoundMetrics, SimulationOptions } from '../sim/index.ts'
import { hashSeed } from '../random/index.ts'
import { meanAndSpread } from '../vector/index.ts'
import { buildGraph, describe, mixingMatrix } from '../../topologies/index.ts'
import type { Graph } from '../../topologies/index.ts'
import { resolveExperiment } from './config.ts'
import type { ExperimentConfig } from './config.ts'

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
  const graph: Graph = buildGraph(config.topology, config.peers, { seed: config.seed, rows: config.rows })
  const spectrum = describeOrNaN(graph, config.weights)
  let model: Model | undefined
  let backend: string | null = null
  const base: Omit<SimulationOptions, 'x0'> = {
    peers: config.peers,
    topology: graph,
    algorithm: {
      algo: config.algo, lr: config.lr, momentum: config.momentum, weightDecay: config.weightDecay,
      localSteps: config.localSteps, order: config.order, gamma: config.gamma, codec: config.codec, weights: config.weights
    },
    rounds: config.rounds,
    seed: config.seed,
    dropProbability: config.drop,
    offlineProbability: config.offline,
    evalEvery: config.evalEvery,
    evaluatePeers: config.algo !== 'gossip'
  }
  let options: SimulationOptions
  let info: ExperimentInfo
  let evaluate: ((avg: Float32Array, round: number, peers?: readonly Float32Array[]) => { accuracy?: number, loss?: number, peerAccuracies?: number[] }) | undefined
  if (config.algo === 'gossip') {
    // pure consensus: distinct seeded N(0, 1) vectors, no data and no model
    options = {
      ...base,
      x0: (_peer, rng) => {
        const x = new Float32Array(config.dim)
        for (let i = 0; i < x.length; i++) x[i] = rng.normal()
        return x
      }
    }
    info = { config, backend: null, dim: config.dim, trainSamples: null, testSamples: null, shardSizes: null, partitionSkew: null, edges: spectrum.edges, lambda2: spectrum.lambda2, spectralGap: spectrum.spectralGap, initialConsensusDistance: NaN }
  } else {
    backend = await initBackend(config.backend)
    const data = await loadDataset(config.dataset, { dataDir: config.dataDir, normalize: config.normalize })
    const parts = partition(data.train.y, config.peers, config.partition, hashSeed(config.seed, 'partition'))
    const stats = partitionStats(data.train.y, parts, data.classes)
    const m = createModel(parseModelSpec(config.model, data))
    model = m
    const x0 = m.init(hashSeed(config.seed, 'model'))
    options = {
      ...base,
      // every peer starts from the same seeded initial model, as in the references (decentralizepy, CHOCO-SGD)
      x0: () => x0,
      objective: (peer, rng) => modelObjective(m, data.train, parts[peer], config.batch, rng)
    }
    evaluate = (avg, round, peers) => {
      const final = round === config.rounds - 1
      const ev = m.evaluate(avg, data.test, config.evalLimit > 0 ? { limit: config.evalLimit } : {})
      const limit = final || config.peerEvalLimit === 0 ? undefined : config.peerEvalLimit
      const peerAccuracies = peers?.map((x) => m.evaluate(x, data.test, limit !== undefined ? { limit } : {}).accuracy)
      return { accuracy: ev.accuracy, loss: ev.loss, peerAccuracies }
    }
    const sizes = parts.map((p) => p.length)
    info = {
      config, backend, dim: m.dim, trainSamples: data.train.n, testSamples: data.test.n,
      shardSizes: { min: Math.min(...sizes), max: Math.max(...sizes) }, partitionSkew: stats.skew,
      edges: spectrum.edges, lambda2: spectrum.lambda2, spectralGap: spectrum.spectralGap, initialConsensusDistance: NaN
    }
  }
  const sim = createSimulation(options)
  info.initialConsensusDistance = meanAndSpread(sim.peers.map((p) => p.params), new Float32Array(info.dim))
  await hooks.onStart?.(info)
  const start = performance.now()
  const reached: Record<string, number | null> = Object.fromEntries(THRESHOLDS.map((t) => [String(t), null]))
  let last: MetricsRecord | undefined
  let best: number | null = null
  let lastEval: { accuracy: number | null, testLoss: number | null, min: number | null, mean: number | null } = { accuracy: null, testLoss: null, min: null, mean: null }
  try {
    for (let r = 0; r < config.rounds; r++) {
      const stopping = hooks.shouldStop?.() === true
      const raw = await sim.step(evaluate !== undefined ? { evaluate } : {}, evaluate !== undefined && (r === config.rounds - 1 || stopping))
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
    model?.dispose()
  }
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
    backend,
    dim: info.dim,
    lambda2: info.lambda2,
    spectralGap: info.spectralGap
  }
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

