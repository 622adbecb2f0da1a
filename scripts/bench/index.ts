/**
 * `npm run bench`: every benchmark, each figure beside a baseline measured in the same run (these
 * machines are shared and noisy, so only ratios travel). The sections, what each measures and how long it takes,
 * are BENCH_SECTIONS below (`npm run bench -- --help` prints them):
 *
 *   npm run bench                 codecs, model steps vs PyTorch, simulator throughput, lambda2 at n = 4,096,
 *                                 exchange goodput (about a minute)
 *   npm run bench -- --full       also exchange goodput over a 1 Gbit/s link between network namespaces (root),
 *                                 overlap and async gossip on real peer processes, time and bytes to 97 % on
 *                                 MNIST (16 simulated peers per codec and 16 real processes vs centralized SGD), and D-PSGD vs CHOCO-SGD on
 *                                 MNIST, 600 rounds each (about 12 minutes)
 *   npm run bench -- --only codecs,sim
 */
import { getBoolean, getOptionalString, UsageError } from '../../node/cli/args.ts'
import { runScript, parseScriptArgs, splitList } from '../lib/script-args.ts'
import type { ScriptSpec } from '../lib/script-args.ts'
import { namesProblem } from './cli.ts'

export interface BenchSection {
  name: string
  /** runs only with --full */
  full: boolean
  /** what it measures, against what baseline */
  measures: string
  /** roughly how long it takes on 2 shared cores (the full benches of BENCHMARKS.md) */
  takes: string
}

/** Every section, in the order a run takes them. */
export const BENCH_SECTIONS: readonly BenchSection[] = [
  { name: 'codecs', full: false, measures: 'encode/decode speed of every codec at d = 1M vs an fp32 copy; topk:0.01 at 100k-10M vs the previous encoder', takes: '~5 s' },
  { name: 'model', full: false, measures: 'one SGD step (mlp, cnn; batch 32, 64, 128) per tfjs backend vs PyTorch, one thread', takes: '~30 s; ~2 min with --full' },
  { name: 'sim', full: false, measures: 'simulator gossip rounds/s, 256 peers x d = 100k and 1,024 x 10k on a ring, vs a bare JS average', takes: '~15 s' },
  { name: 'spectra', full: false, measures: 'lambda2 of 4,096-node ring, torus, Erdos-Renyi, exponential graphs vs the dense eigensolver', takes: '~5 s' },
  { name: 'goodput', full: false, measures: 'a model between two processes over the gossip protocol (each encrypter) vs raw TCP and native TLS', takes: '~20 s; +1 min with --full' },
  { name: 'overlap', full: true, measures: '--overlap (and its worker thread) vs synchronous rounds, 4 real peer processes, then 2 over 100 Mbit/s links', takes: '~3 min' },
  { name: 'async', full: true, measures: '--sync async vs sync rounds/s and accuracy, one of 3 real peer processes slowed 3x, seeds 1, 2, 3', takes: '~1 min' },
  { name: 'end-to-end', full: true, measures: 'time and bytes to 97 % on MNIST: 16 simulated peers per codec and 16 processes vs centralized SGD', takes: '~6 min' },
  { name: 'compression', full: true, measures: 'D-PSGD vs CHOCO-SGD top-1 % accuracy and bytes, 16 simulated peers, ring, MNIST MLP, 600 rounds each', takes: '~1 min' }
]

const SECTION_NAMES = BENCH_SECTIONS.map((s) => s.name)

function sectionLines (full: boolean): string[] {
  const width = Math.max(...SECTION_NAMES.map((n) => n.length)) + 2
  return BENCH_SECTIONS.filter((s) => s.full === full).map((s) => `  ${s.name.padEnd(width)}${s.measures} (${s.takes})`)
}

export const BENCH_SPEC: ScriptSpec = {
  name: 'bench',
  run: 'node scripts/bench/index.ts',
  npm: 'bench',
  summary: 'Every benchmark, each figure beside a baseline measured in the same run (the machines are shared and noisy, so only ratios travel)',
  details: [
    'Sections, in the order they run (a plain run takes about a minute):',
    ...sectionLines(false),
    '',
    'With --full (about 12 minutes), also these, on real peer processes; the parts that need network namespaces',
    '(root) print "skipped: <why>" without them:',
    ...sectionLines(true),
    '',
    '--full also times model steps 7 x 1 s instead of 3 x 0.5 s, and adds goodput over a 1 Gbit/s link between two',
    'network namespaces (root). Each section is also a script of its own: node scripts/bench/<section>.ts --help',
    '(compression: node scripts/compare-compression.ts; spectra: node scripts/bench/sim.ts spectra).'
  ].join('\n'),
  options: [
    { name: 'full', type: 'boolean', default: false, description: 'also the real-process sections and the longer timings (see above)' },
    {
      name: 'only',
      type: 'string',
      placeholder: 'SECTIONS',
      allowed: `a comma-separated list of sections: ${SECTION_NAMES.join(', ')}`,
      description: `run only these sections, comma-separated, in the order above (default: every section of the run); one of ${SECTION_NAMES.join(', ')}`,
      check: (v) => namesProblem(String(v), SECTION_NAMES, 'section')
    }
  ],
  examples: [
    'npm run bench -- --only codecs,sim          # two quick sections, a few seconds',
    'npm run bench -- --full --only end-to-end   # one --full section',
    'npm run bench -- --full                     # everything, about 12 minutes'
  ],
  exitCodes: '0 when every section ran (a figure that misses its goal is printed, not an error), 1 when one failed, 2 for a bad option.'
}

export interface BenchCli {
  full: boolean
  /** the sections to run, in the run's order */
  sections: string[]
}

/** The sections and --full of a command line; a UsageError naming --only for an unknown section or a --full one without --full. */
export function parseBenchCli (argv: readonly string[]): BenchCli | { help: true } {
  const args = parseScriptArgs(BENCH_SPEC, argv)
  if (args.help) return { help: true }
  const full = getBoolean(args, 'full')
  const only = getOptionalString(args, 'only')
  if (only === undefined) return { full, sections: BENCH_SECTIONS.filter((s) => full || !s.full).map((s) => s.name) }
  const named = new Set(splitList(only))
  const needsFull = BENCH_SECTIONS.filter((s) => s.full && named.has(s.name)).map((s) => s.name)
  if (!full && needsFull.length > 0) {
    throw new UsageError(`--only ${needsFull.join(',')}: runs only with --full (npm run bench -- --full --only ${only})`, 'only', 'with --full')
  }
  return { full, sections: SECTION_NAMES.filter((name) => named.has(name)) }
}

function line (text: string): void { console.log(text) }

async function codecs (): Promise<void> {
  const { formatTopkBench, runCodecBench, runTopkBench } = await import('./codecs.ts')
  const d = 1_000_000
  const r = runCodecBench({ d })
  line(`\n## Codecs, d = ${d.toLocaleString('en-US')} (median of ${r.repeats}; baseline: 'none', an fp32 copy)`)
  line('codec            bytes        ratio   encode ms  encode MB/s  decode ms  vs none (enc)')
  for (const row of r.rows) {
    line(`${row.spec.padEnd(16)} ${String(row.bytes).padStart(9)} ${row.ratio.toFixed(1).padStart(8)}x ${row.encodeMs.toFixed(2).padStart(10)} ${row.encodeMBps.toFixed(0).padStart(12)} ${row.decodeMs.toFixed(2).padStart(10)} ${row.encodeVsNone.toFixed(2).padStart(10)}x`)
  }
  const topk = r.rows.find((x) => x.spec === 'topk:0.01')
  const sign = r.rows.find((x) => x.spec === 'sign')
  const qsgd = r.rows.find((x) => x.spec.startsWith('qsgd'))
  line(`targets: topk:0.01 encode ${topk?.encodeMs.toFixed(2)} ms (≤ 15), sign ${sign?.encodeMBps.toFixed(0)} MB/s (≥ 200), ${qsgd?.spec} ${qsgd?.encodeMBps.toFixed(0)} MB/s (≥ 200)`)
  line('\n## topk:0.01 encode and decode at 100k, 1M and 10M floats, against the previous implementation and an fp32 copy')
  line(formatTopkBench(runTopkBench()))
}

async function model (full: boolean): Promise<void> {
  const { formatModelBench, runModelBench } = await import('./model.ts')
  const o = full ? { repeats: 7, seconds: 1 } : { repeats: 3, seconds: 0.5 }
  const r = await runModelBench({ models: ['mlp', 'cnn'], backends: ['wasm', 'tensorflow'], batches: [32, 64, 128], ...o })
  line(`\n## Compute per peer: one SGD step (forward + backward + gradient read back + SGD update) vs PyTorch, same model and batch (mlp ${r.dims.mlp} and cnn ${r.dims.cnn} parameters)`)
  line(formatModelBench(r))
}

async function simSection (peers: number, dim: number, target: number): Promise<void> {
  const { runSimBench } = await import('./sim.ts')
  // baseline: one bare pass that reads three vectors and writes one, over the same bytes as a ring round
  const xs = Array.from({ length: peers }, () => new Float32Array(dim).fill(1))
  const ys = Array.from({ length: peers }, () => new Float32Array(dim))
  const t0 = performance.now()
  const reps = 5
  for (let k = 0; k < reps; k++) {
    for (let i = 0; i < peers; i++) {
      const a = xs[i]; const b = xs[(i + 1) % peers]; const c = xs[(i + peers - 1) % peers]; const o = ys[i]
      for (let j = 0; j < dim; j++) o[j] = (a[j] + b[j] + c[j]) / 3
    }
  }
  const bareRoundsPerSecond = reps / ((performance.now() - t0) / 1000)
  const r = await runSimBench({ peers, dim, rounds: 20, consensusEvery: 1 })
  const r2 = await runSimBench({ peers, dim, rounds: 20, consensusEvery: 1000 })
  line(`\n## Simulator, gossip only, ${peers} peers × d = ${dim.toLocaleString('en-US')}, ring`)
  line(`with consensus distance every round: ${r.roundsPerSecond.toFixed(1)} rounds/s; without: ${r2.roundsPerSecond.toFixed(1)} rounds/s (target ≥ ${target})`)
  line(`baseline, a bare 3-term average over the same buffers in plain JS: ${bareRoundsPerSecond.toFixed(1)} rounds/s (simulator at ${(r.roundsPerSecond / bareRoundsPerSecond).toFixed(2)} of it with, ${(r2.roundsPerSecond / bareRoundsPerSecond).toFixed(2)} without)`)
}

async function sim (): Promise<void> {
  await simSection(256, 100_000, 20)
  await simSection(1024, 10_000, 10)
}

async function spectra (): Promise<void> {
  const { runSpectraBench } = await import('./sim.ts')
  const r = runSpectraBench({ n: 4096 })
  line(`\n## lambda2 of n = 4,096 graphs without the full spectrum (lambda2Sparse; target ≤ 30 s each), Metropolis weights`)
  line(`baseline: the dense eigensolver (full spectrum) on a ring of ${r.denseN} took ${(r.denseMs / 1000).toFixed(2)} s; its O(n³) predicts ≈ ${(r.denseMs * (4096 / r.denseN) ** 3 / 1000).toFixed(0)} s at n = 4,096`)
  line('topology            seconds  vs dense@4096 (pred.)  lambda2              closed form          method        steps')
  for (const row of r.rows) {
    const predicted = r.denseMs * (row.n / r.denseN) ** 3
    line(`${row.topology.padEnd(19)} ${(row.ms / 1000).toFixed(2).padStart(7)}  ${(predicted / row.ms).toFixed(0).padStart(8)}x faster       ${row.lambda2.toFixed(15).padEnd(20)} ${(row.exact === null ? '—' : row.exact.toFixed(15)).padEnd(20)} ${row.method.padEnd(13)} ${row.iterations}`)
  }
}

async function goodput (full: boolean): Promise<void> {
  const { runGoodputBench, formatGoodput } = await import('./goodput.ts')
  line('\n## Model transfer between two processes: gossip protocol (TCP + encrypter + Yamux) vs raw node:net TCP, same bytes, interleaved')
  line('default = node/p2p (/murmur/noise-aesgcm/1.0.0: Noise XX, AES-256-GCM, 1 MiB frames); chacha = murmur\'s /noise (ChaCha20-Poly1305); noise-stock = @chainsafe/libp2p-noise\'s own crypto; tls = @libp2p/tls; tls-native = murmur\'s tls encrypter (the same protocol, Node\'s native TLS on the TCP socket). Goal: default ≥ 0.6 of raw at ≥ 1M floats, dense-equivalent ≥ 5x')
  // 21 interleaved repeats: single ratios of one run spread from 0.25 to 1.0 (raw TCP alone varies 2x), medians of 5 by ±0.1
  line(formatGoodput(await runGoodputBench({ repeats: 21 })))
  if (full) {
    // peers on separate machines: the dense model bound by a 1 Gbit/s link, not by the CPU (needs root for the namespaces)
    const { runGoodputOverLink } = await import('./goodput-link.ts')
    const shaped = await runGoodputOverLink({ floats: [1_000_000, 10_000_000], repeats: 5, warmup: 1, linkRate: '1gbit' })
    line('\n## The same between two network namespaces over a link shaped to 1 Gbit/s each way (tc tbf), raw TCP over the same link')
    line('skipped' in shaped ? `skipped: ${shaped.skipped}` : formatGoodput(shaped))
  }
}

async function overlap (): Promise<void> {
  const { runOverlapBench, formatOverlap } = await import('./overlap.ts')
  const o = { peers: 4, rounds: 200, localSteps: 4, batch: 32 }
  line('\n## Overlap (--overlap) vs synchronous rounds, real peer processes')
  line(formatOverlap(o, await runOverlapBench(o)))
  // peers as on separate machines (namespaces, 100 Mbit/s links; needs root): at batch 32 the 407 KB model's wire time
  // dominates; at batch 384 the 4 local steps take about as long as the wire (the case overlap must halve)
  for (const batch of [32, 384]) {
    const ns = { peers: 2, rounds: 200, localSteps: 4, batch, linkRate: '100mbit', repeats: 2 }
    line(formatOverlap(ns, await runOverlapBench(ns)))
  }
}

async function asyncGossip (): Promise<void> {
  const { ASYNC_BENCH_DEFAULTS, ASYNC_BENCH_SEEDS, runAsyncBenchSeeds, formatAsync, formatAsyncSeeds } = await import('./async.ts')
  const o = ASYNC_BENCH_DEFAULTS
  line(`\n## Asynchronous gossip (--sync async) vs synchronous, one of ${o.peers} peers slowed ${o.slowdown}x, real peer processes, seeds ${ASYNC_BENCH_SEEDS.join(', ')}`)
  const results = await runAsyncBenchSeeds(o, ASYNC_BENCH_SEEDS, (seed, r) => { line(`seed ${seed}:\n${formatAsync({ ...o, seed }, r)}`) })
  line(formatAsyncSeeds(ASYNC_BENCH_SEEDS, results))
}

async function endToEnd (): Promise<void> {
  const { runEndToEnd, formatEndToEnd } = await import('./end-to-end.ts')
  line('\n## End to end: 16 peers (ring), simulated and as 16 real processes (murmur cluster), to 97 % on MNIST vs centralized SGD in one process, same data, backend and optimiser')
  line(formatEndToEnd(await runEndToEnd({ target: 0.97 }), 0.97))
}

async function compression (): Promise<void> {
  const { runCompressionComparison } = await import('../compare-compression.ts')
  line('\n## D-PSGD vs CHOCO-SGD top-1 %, 16 peers, ring, MNIST MLP, 600 rounds')
  await runCompressionComparison({ rounds: 600 })
}

/** What each section runs; `full` is --full (longer model timings, goodput over a shaped link). */
const RUN: Record<string, (full: boolean) => Promise<void>> = {
  codecs, model, sim, spectra, goodput, overlap, async: asyncGossip, 'end-to-end': endToEnd, compression
}

async function main (cli: BenchCli): Promise<undefined> {
  for (const name of cli.sections) await RUN[name](cli.full)
  return undefined
}

if (import.meta.main) await runScript(BENCH_SPEC, process.argv.slice(2), parseBenchCli, main)
