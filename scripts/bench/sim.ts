/**
 * Simulator throughput: gossip-only rounds per second for n peers of dimension d on a graph (default the
 * target case, 256 peers × d = 100,000 on a ring, codec none).
 * Run: node scripts/bench/sim.ts [n] [d] [rounds] [topology] [consensusEvery]
 */

import { runSimulation } from '../../lib/sim/index.ts'
import { buildGraph } from '../../topologies/index.ts'

export interface SimBenchOptions {
  peers?: number
  dim?: number
  rounds?: number
  /** a topologies spec, e.g. 'ring', 'torus', 'exponential' */
  topology?: string
  codec?: string
  /** compute the consensus distance every this many rounds (default 1: every round) */
  consensusEvery?: number
  seed?: number
}

export interface SimBenchResult {
  peers: number
  dim: number
  rounds: number
  topology: string
  codec: string
  setupMs: number
  /** wall time of the timed rounds (the first round is a warm-up and not timed) */
  runMs: number
  roundsPerSecond: number
  /** mean over the timed rounds of the driver's per-round wall time */
  meanRoundMs: number
  finalConsensusDistance: number
}

export async function runSimBench (opts: SimBenchOptions = {}): Promise<SimBenchResult> {
  const peers = opts.peers ?? 256
  const dim = opts.dim ?? 100_000
  const rounds = opts.rounds ?? 40
  const topology = opts.topology ?? 'ring'
  const codec = opts.codec ?? 'none'
  const t0 = performance.now()
  const graph = buildGraph(topology, peers)
  let timedStart = 0
  let sumRound = 0
  let last = NaN
  let firstDone = 0
  const result = await runSimulation({
    peers,
    topology: graph,
    algorithm: { algo: 'gossip', codec },
    x0: (_i, rng) => {
      const x = new Float32Array(dim)
      for (let k = 0; k < dim; k++) x[k] = rng.next() - 0.5
      return x
    },
    rounds: rounds + 1,
    seed: opts.seed ?? 1,
    consensusEvery: opts.consensusEvery ?? 1
  }, {
    onRound: (m) => {
      if (m.round === 0) { timedStart = performance.now(); firstDone = timedStart; return }
      sumRound += m.wallMs
      if (!Number.isNaN(m.consensusDistance)) last = m.consensusDistance
    }
  })
  const end = performance.now()
  void result
  const runMs = end - timedStart
  return {
    peers, dim, rounds, topology, codec,
    setupMs: firstDone - t0,
    runMs,
    roundsPerSecond: rounds / (runMs / 1000),
    meanRoundMs: sumRound / rounds,
    finalConsensusDistance: last
  }
}

if (import.meta.main) {
  const [n, d, r, topo, every] = process.argv.slice(2)
  const res = await runSimBench({
    peers: n === undefined ? undefined : Number(n),
    dim: d === undefined ? undefined : Number(d),
    rounds: r === undefined ? undefined : Number(r),
    topology: topo,
    consensusEvery: every === undefined ? undefined : Number(every)
  })
  console.log(JSON.stringify(res, null, 2))
}
