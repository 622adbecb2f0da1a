/**
 * Simulator throughput: gossip-only rounds per second for n peers of dimension d on a graph (default the
 * target case, 256 peers × d = 100,000 on a ring, codec none), next to the memory-bandwidth floor measured
 * in the same process: a bare copy and a bare sum over n × d floats (what one round must at least move:
 * every peer reads its neighbours' vectors and writes its own; the consensus distance reads them again).
 * Run: node scripts/bench/sim.ts [n] [d] [rounds] [topology] [consensusEvery]
 *      node scripts/bench/sim.ts spectra [n]      λ₂ of n-node graphs by lambda2Sparse (default n = 4,096)
 *      node scripts/bench/sim.ts --help
 */

import { getNumber, UsageError } from '../../node/cli/args.ts'
import { parseScriptArgs, runScript, seedOption } from '../lib/script-args.ts'
import type { ScriptSpec } from '../lib/script-args.ts'
import { runSimulation } from '../../lib/sim/index.ts'
import { isKernelVector } from '../../lib/vector/index.ts'
import { buildGraph, eigenvalues, lambda2Sparse, MAX_NODES, mixingMatrix, parseTopologySpec, TOPOLOGY_FORMS } from '../../topologies/index.ts'

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

/** the smallest n whose erdos-renyi:0.005 is connected w.h.p. (p = 0.005 above ln(n)/n, with margin) */
const SPECTRA_MIN_N = 2048

export const SIM_SPEC: ScriptSpec = {
  name: 'sim',
  run: 'node scripts/bench/sim.ts',
  summary: 'Simulator throughput: gossip-only rounds per second of N peers of dimension D on a graph, or (spectra) lambda2 of N-node graphs without the full spectrum',
  details: [
    'node scripts/bench/sim.ts [N [D [ROUNDS [TOPOLOGY [CONSENSUS_EVERY]]]]]',
    '  gossip rounds/s of N peers (default 256) x D floats (default 100,000), ROUNDS rounds (default 40) on TOPOLOGY',
    '  (default ring), codec none, with the consensus distance every CONSENSUS_EVERY rounds (default 1), next to a bare',
    '  copy and a bare sum over the same floats. JSON on stdout; seconds.',
    '  TOPOLOGY: ' + TOPOLOGY_FORMS,
    'node scripts/bench/sim.ts spectra [N]',
    '  lambda2 of N-node (default 4,096) ring, torus, erdos-renyi:0.005 and exponential graphs by lambda2Sparse, timed,',
    '  with the dense eigensolver on a 1,024-node ring as the baseline. JSON on stdout; a few seconds at 4,096.',
    `  N >= ${SPECTRA_MIN_N.toLocaleString('en-US')}: below, erdos-renyi:0.005 is under its connectivity threshold ln(N)/N and not connected.`
  ].join('\n'),
  options: [{ ...seedOption('seed of the vectors (gossip) and of the random graphs (both forms)'), placeholder: 'SEED' }],
  positionals: { name: '[N [D [ROUNDS [TOPOLOGY [CONSENSUS_EVERY]]]]] | spectra [N]', min: 0, max: 5 },
  examples: [
    'node scripts/bench/sim.ts 1024 10000 20 ring 1000   # 1,024 peers x 10,000 floats, consensus distance every 1000 rounds',
    'node scripts/bench/sim.ts spectra 4096'
  ],
  exitCodes: '0 after the figures are printed, 2 for a bad argument.'
}

export type SimCli = { spectra: false, options: SimBenchOptions } | { spectra: true, n?: number, seed: number }

/** A positional integer in [min, max]; a UsageError naming it. */
function intArg (name: string, text: string | undefined, min: number, max: number): number | undefined {
  if (text === undefined) return undefined
  const value = Number(text)
  if (!/^\d+$/.test(text) || value < min || value > max) throw new UsageError(`${name}: expected an integer in [${min}, ${max}], got '${text}'`, name, `an integer in [${min}, ${max}]`)
  return value
}

export function parseSimCli (argv: readonly string[]): SimCli | { help: true } {
  const args = parseScriptArgs(SIM_SPEC, argv)
  if (args.help) return { help: true }
  const [first, ...rest] = args.positionals
  const seed = getNumber(args, 'seed')
  if (first === 'spectra') {
    if (rest.length > 1) throw new UsageError(`'node scripts/bench/sim.ts spectra' takes at most one argument (N), got ${rest.length}: ${rest.join(' ')}`, 'N')
    return { spectra: true, n: intArg('N', rest[0], SPECTRA_MIN_N, MAX_NODES), seed }
  }
  const [n, d, rounds, topology, every] = args.positionals
  if (topology !== undefined) {
    try {
      parseTopologySpec(topology)
    } catch (err) {
      throw new UsageError(`TOPOLOGY: ${(err as Error).message}`, 'TOPOLOGY', TOPOLOGY_FORMS)
    }
  }
  return {
    spectra: false,
    options: {
      peers: intArg('N', n, 1, MAX_NODES),
      dim: intArg('D', d, 1, 100_000_000),
      rounds: intArg('ROUNDS', rounds, 1, 10_000_000),
      topology,
      consensusEvery: intArg('CONSENSUS_EVERY', every, 1, 10_000_000),
      seed
    }
  }
}

async function main (cli: SimCli): Promise<undefined> {
  if (cli.spectra) console.log(JSON.stringify(runSpectraBench({ n: cli.n, seed: cli.seed }), null, 2))
  else console.log(JSON.stringify(await runSimBench(cli.options), null, 2))
  return undefined
}

if (import.meta.main) await runScript(SIM_SPEC, process.argv.slice(2), parseSimCli, main)
