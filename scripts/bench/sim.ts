/**
 * Simulator throughput: gossip-only rounds per second for n peers of dimension d on a graph (default the
 * target case, 256 peers × d = 100,000 on a ring, codec none), next to the memory-bandwidth floor measured
 * in the same process: a bare copy and a bare sum over n × d floats (what one round must at least move:
 * every peer reads its neighbours' vectors and writes its own; the consensus distance reads them again).
 * Run: node scripts/bench/sim.ts [n] [d] [rounds] [topology] [consensusEvery]
 *      node scripts/bench/sim.ts spectra [n]      λ₂ of n-node graphs by lambda2Sparse (default n = 4,096)
 */

import { runSimulation } from '../../lib/sim/index.ts'
import { isKernelVector } from '../../lib/vector/index.ts'
import { buildGraph, eigenvalues, lambda2Sparse, mixingMatrix } from '../../topologies/index.ts'

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

export interface SpectrumRow {
  topology: string
  n: number
  ms: number
  lambda2: number
  /** the closed form where one is known (ring, square torus with Metropolis weights), else null */
  exact: number | null
  method: string
  iterations: number
}

export interface SpectraBenchResult {
  rows: SpectrumRow[]
  /** baseline: the dense symmetric eigensolver (full spectrum) on a graph of `denseN` nodes, ms */
  denseMs: number
  denseN: number
}

/**
 * Closed forms (DESIGN.md, "what the literature gives"): ring, weights 1/3: 1/3 + 2/3·cos(2π/n);
 * r×r torus (r ≥ 3), weights 1/5: 3/5 + 2/5·cos(2π/r); exponential graph with n a power of two and
 * Metropolis weights: 1 − 2/log₂ n (Ying et al. 2021; checked against the dense solver in
 * test/topologies/lanczos.test.ts). null elsewhere.
 */
export function closedFormLambda2 (topology: string, n: number): number | null {
  if (topology === 'ring' && n >= 3) return 1 / 3 + (2 / 3) * Math.cos(2 * Math.PI / n)
  const side = Math.round(Math.sqrt(n))
  if (topology === 'torus' && side * side === n && side >= 3) return 3 / 5 + (2 / 5) * Math.cos(2 * Math.PI / side)
  const log = Math.log2(n)
  if (topology === 'exponential' && Number.isInteger(log) && log >= 3) return 1 - 2 / log
  return null
}

/** λ₂ of n-node graphs by lambda2Sparse (Lanczos or shift-and-invert), timed, with the dense solver at denseN as the baseline. */
export function runSpectraBench (opts: { n?: number, topologies?: string[], denseN?: number, seed?: number } = {}): SpectraBenchResult {
  const n = opts.n ?? 4096
  const denseN = opts.denseN ?? 1024
  const rows: SpectrumRow[] = []
  for (const topology of opts.topologies ?? ['ring', 'torus', 'erdos-renyi:0.005', 'exponential']) {
    const g = buildGraph(topology, n, { seed: opts.seed ?? 1 })
    const t0 = performance.now()
    const r = lambda2Sparse(g)
    rows.push({ topology, n, ms: performance.now() - t0, lambda2: r.lambda2, exact: closedFormLambda2(topology, n), method: r.method, iterations: r.iterations })
  }
  const dense = mixingMatrix(buildGraph('ring', denseN), 'metropolis')
  const t0 = performance.now()
  eigenvalues(dense)
  return { rows, denseMs: performance.now() - t0, denseN }
}

if (import.meta.main && process.argv[2] === 'spectra') {
  const n = process.argv[3] === undefined ? undefined : Number(process.argv[3])
  console.log(JSON.stringify(runSpectraBench({ n }), null, 2))
} else if (import.meta.main) {
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
