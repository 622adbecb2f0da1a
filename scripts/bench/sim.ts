/**
 * Simulator throughput: gossip-only rounds per second for n peers of dimension d on a graph (default the
 * target case, 256 peers × d = 100,000 on a ring, codec none), next to the memory-bandwidth floor measured
 * in the same process: a bare copy and a bare sum over n × d floats (what one round must at least move:
 * every peer reads its neighbours' vectors and writes its own; the consensus distance reads them again).
 * Run: node scripts/bench/sim.ts [n] [d] [rounds] [topology] [consensusEvery]
 */

import { runSimulation } from '../../lib/sim/index.ts'
import { isKernelVector } from '../../lib/vector/index.ts'
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
  /** the peers' parameters live in kernel memory, so mixing ran the WebAssembly SIMD kernels */
  kernels: boolean
  /** best of 5: copying n × d floats (Float32Array.set, one array) and summing them in float64 (4 accumulators) */
  copyMs: number
  sumMs: number
  /** ms a round over the bare copy: 1 would be a round as cheap as copying every parameter once */
  roundOverCopy: number
}

/**
 * The bandwidth floor: best-of-reps copy and sum of `floats` float32 values in one contiguous array.
 * `checksum` is returned so the summing loop has an observable result and cannot be optimised away.
 */
export function bandwidthBaseline (floats: number, reps = 5): { copyMs: number, sumMs: number, checksum: number } {
  const src = new Float32Array(floats)
  const dst = new Float32Array(floats)
  for (let i = 0; i < floats; i++) src[i] = (i % 1000) * 1e-3
  let copyMs = Infinity
  let sumMs = Infinity
  let sink = 0
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now()
    dst.set(src)
    const t1 = performance.now()
    let a = 0; let b = 0; let c = 0; let e = 0
    for (let i = 0; i + 3 < floats; i += 4) { a += src[i]; b += src[i + 1]; c += src[i + 2]; e += src[i + 3] }
    const t2 = performance.now()
    sink += a + b + c + e + dst[r]
    copyMs = Math.min(copyMs, t1 - t0)
    sumMs = Math.min(sumMs, t2 - t1)
  }
  return { copyMs, sumMs, checksum: sink }
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
  const { simulation } = await runSimulation({
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
  const runMs = end - timedStart
  const kernels = simulation.peers.every((p) => isKernelVector(p.params))
  const { copyMs, sumMs } = bandwidthBaseline(peers * dim)
  return {
    peers, dim, rounds, topology, codec,
    setupMs: firstDone - t0,
    runMs,
    roundsPerSecond: rounds / (runMs / 1000),
    meanRoundMs: sumRound / rounds,
    finalConsensusDistance: last,
    kernels,
    copyMs,
    sumMs,
    roundOverCopy: runMs / rounds / copyMs
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
