/**
 * Asynchronous gossip benchmark (issue 5, part 4): real `murmur peer` processes on a ring with one peer slowed
 * (`--slowdown F`: it sleeps F − 1 times the CPU time its main thread spent in each round, as if its processor were F times slower),
 * synchronous then `--sync async`, in the same invocation. Figures, against the synchronous run: the rounds per
 * second of the other peers (goal ≥ 2× with F = 3) and the accuracy at equal work of the other peers.
 *
 * The default is 3 peers on 2 cores: the two fast peers have a core each, so the ratio measures the algorithm,
 * not the CPU shortage (with 4 peers on 2 cores the fast ones are CPU-bound themselves and the ratio cannot
 * pass about 1.7). On a ring of 3 every peer neighbours the slowed one.
 *
 * Equal accuracy is compared at the same number of rounds of the fast peers: both runs last `rounds` rounds of
 * the fast peers; in async mode the slowed peer is asked to leave (SIGTERM) when they are done, so every final
 * model is the one it held at that moment. Each peer's final model (its checkpoint) and their average are
 * evaluated on the whole test set here. Also checked in the output: that the slowed peer's rounds really took
 * about F times the others' (async run), against their rounds and against F times their main thread's CPU time a
 * round (their rounds also wait for a core when 3 processes share 2, which the wall-time ratio hides), and in how many
 * of their rounds its neighbours mixed it.
 *
 * Both figures move from run to run (the two fast peers share two cores with the slowed one, and a single model of
 * an asynchronous run is noisier than the exact average a synchronous ring of 3 reaches every round), so the bench
 * runs each seed of `--seeds` (default 1, 2 and 3: a synchronous and an asynchronous run each) and reports every
 * seed's figures, then their means and how many seeds met the goal on their own. `--seed N` runs one seed.
 *
 *   node scripts/bench/async.ts [--peers 3] [--rounds 150] [--slowdown 3] [--local-steps 8] [--staleness 8] [--seeds 1,2,3 | --seed 1]
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { getNumber, getOptionalNumber, getOptionalString, UsageError } from '../../node/cli/args.ts'
import { parseScriptArgs, roundsOption, runScript, seedOption, simOption } from '../lib/script-args.ts'
import type { ScriptSpec } from '../lib/script-args.ts'
import { intList, intListOption } from './cli.ts'
import { configHash, prepareTraining, resolveRunConfig, withModelDim } from '../../lib/experiment/index.ts'
import type { RunConfig } from '../../lib/experiment/index.ts'
import type { AlgorithmState } from '../../lib/algorithms/index.ts'
import { loadLatestCheckpoint } from '../../node/checkpoint/index.ts'
import { CHECKPOINT_DIR, METRICS_FILE, PEER_FILE } from '../../node/peer/index.ts'
import { runCluster } from '../cluster.ts'
import { meanOf, pct, readPeerFigures } from './peer-runs.ts'
import { busyCores, startCpuSampler } from './cpu-busy.ts'
import type { PeerFigures } from './peer-runs.ts'

export interface AsyncBenchOptions { peers: number, rounds: number, slowdown: number, localSteps: number, staleness: number, seed: number }

export const ASYNC_BENCH_DEFAULTS: AsyncBenchOptions = { peers: 3, rounds: 150, slowdown: 3, localSteps: 8, staleness: 8, seed: 1 }
/** the seeds of a full bench: one synchronous and one asynchronous run each */
export const ASYNC_BENCH_SEEDS: readonly number[] = [1, 2, 3]
/** issue 5, goal 4: the others' rounds per second, async over sync, at equal final accuracy (within this many points) */
export const ASYNC_GOAL_SPEEDUP = 2
export const ASYNC_GOAL_POINTS = 0.5

/** warm-up rounds left out of the per-round means */
const SKIP = 5

export interface ModeRun {
  peers: PeerFigures[]
  /** each peer's final model (its last checkpoint) on the whole test set, by slot */
  own: Array<{ slot: number, round: number, accuracy: number }>
  /** the average of those models */
  averaged: number
  /** per fast peer: its rounds after the first SKIP, and in how many of them the slowed peer was in its row */
  mixedSlow: Array<{ slot: number, rounds: number, withSlow: number }>
  /** per peer: its main thread's mean CPU time a round (NaN when the metrics lack it), after the first SKIP rounds */
  cpuMs: Array<{ slot: number, cpuMs: number }>
  /** rounds a peer held because it was cut off from most of the run ("holding at round" in its log.txt), all peers */
  held: number
  wallSeconds: number
  /**
   * the machine's busy cores (every process, ours and others') from when every peer was past its warm-up rounds
   * to when the first fast peer finished; undefined when that stretch held fewer than two samples
   */
  busyCores: number | undefined
  cores: number
}

export interface AsyncBenchResult {
  sync: ModeRun
  async: ModeRun
  /** the slowed peer's slot */
  slow: number
  /** mean rounds per second of the peers that are not slowed */
  syncRate: number
  asyncRate: number
  speedup: number
  /** async run: the slowed peer's mean round time over the others' (≈ the slowdown when it works as meant) */
  slowFactor: number
  /**
   * async run: the slowed peer's mean round over F times the others' main-thread CPU time a round, i.e. over the time
   * their work would take on a processor F times slower that never waits for a core: ≥ 1 when it is at least F times
   * slower than the others' work. slowFactor falls below F when the others' rounds also wait for a core (3 processes on 2).
   */
  slowOverWork: number
}

interface Row { round: number, cpuMs?: number, time: number, row: { neighbours: Array<{ id: string }> } }

/** One `murmur cluster` run in a temporary folder, read and evaluated, then removed. */
async function runMode (args: string[], o: AsyncBenchOptions, slow: number): Promise<ModeRun> {
  const out = mkdtempSync(join(tmpdir(), 'murmur-bench-async-'))
  const t0 = performance.now()
  const sampler = startCpuSampler()
  try {
    const code = await runCluster([...args, '--out', out, '--quiet'], { out: () => {}, err: () => {}, isTTY: false })
    const cpu = sampler.stop()
    if (code !== 0) throw new Error(`murmur cluster ${args.join(' ')} exited ${code}; see ${out}`)
    const wallSeconds = (performance.now() - t0) / 1000
    const peerDir = (slot: number): string => join(out, `peer-${slot}`)
    const peers = readPeerFigures(out, o.peers, SKIP)
    const slowId = (JSON.parse(readFileSync(join(peerDir(slow), PEER_FILE), 'utf8')) as { peerId: string }).peerId
    const mixedSlow = []
    const cpuMs = []
    // the stretch in which every peer trained: from the latest first measured round to the earliest last round of a fast peer
    let from = -Infinity
    let to = Infinity
    for (let slot = 0; slot < o.peers; slot++) {
      const rows = readFileSync(join(peerDir(slot), METRICS_FILE), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Row).slice(SKIP)
      cpuMs.push({ slot, cpuMs: meanOf(rows.map((r) => r.cpuMs ?? NaN)) })
      if (rows.length > 0) from = Math.max(from, rows[0].time)
      if (slot === slow) continue
      if (rows.length > 0) to = Math.min(to, rows[rows.length - 1].time)
      mixedSlow.push({ slot, rounds: rows.length, withSlow: rows.filter((r) => r.row.neighbours.some((n) => n.id === slowId)).length })
    }
    const config: RunConfig = resolveRunConfig(JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')) as Partial<RunConfig>)
    const held = heldRounds(Array.from({ length: o.peers }, (_, slot) => readFileSync(join(peerDir(slot), 'log.txt'), 'utf8')))
    const { own, averaged } = await evaluateFinal(config, o.peers, peerDir)
    return { peers, own, averaged, mixedSlow, cpuMs, held, wallSeconds, busyCores: busyCores(cpu, from, to), cores: cpu[0].cores }
  } finally {
    sampler.stop()
    rmSync(out, { recursive: true, force: true })
  }
}

/** How many rounds the peers' logs say they held, cut off from most of the run (node/peer's holdWhileCutOff). */
export function heldRounds (logs: readonly string[]): number {
  return logs.reduce((n, log) => n + (log.match(/holding at round \d+ instead of training alone/g)?.length ?? 0), 0)
}

/** every peer's newest checkpoint, and their average, on the whole test set */
async function evaluateFinal (config: RunConfig, n: number, peerDir: (slot: number) => string): Promise<Pick<ModeRun, 'own' | 'averaged'>> {
  const training = await prepareTraining(config)
  try {
    const evaluate = training.evaluate
    if (evaluate === undefined) throw new Error(`the run's model (${config.algo}) has no test set to evaluate on`)
    const hash = configHash(withModelDim(config, training.dim))
    const own: ModeRun['own'] = []
    let sum: Float64Array | undefined
    for (let slot = 0; slot < n; slot++) {
      const loaded = loadLatestCheckpoint<AlgorithmState>(join(peerDir(slot), CHECKPOINT_DIR), hash)
      if (loaded.checkpoint === undefined) throw new Error(`peer ${slot} left no checkpoint: ${loaded.skipped.map((s) => s.reason).join('; ') || 'none written'}`)
      const params = loaded.checkpoint.state.params
      own.push({ slot, round: loaded.checkpoint.round, accuracy: evaluate(params).accuracy })
      sum ??= new Float64Array(params.length)
      for (let k = 0; k < params.length; k++) sum[k] += params[k]
    }
    const mean = new Float32Array(sum!.length)
    for (let k = 0; k < mean.length; k++) mean[k] = sum![k] / n
    return { own, averaged: evaluate(mean).accuracy }
  } finally {
    training.dispose()
  }
}

export async function runAsyncBench (options: Partial<AsyncBenchOptions> = {}): Promise<AsyncBenchResult> {
  const o = { ...ASYNC_BENCH_DEFAULTS, ...options }
  const slow = o.peers - 1
  const common = ['--peers', String(o.peers), '--rounds', String(o.rounds), '--local-steps', String(o.localSteps), '--algo', 'dpsgd', '--topology', 'ring',
    '--eval-every', String(o.rounds), '--seed', String(o.seed), '--slowdown', `${slow}:${o.slowdown}`, '--round-deadline', '20000']
  const sync = await runMode(common, o, slow)
  // the slowed peer leaves when the first fast peer has done its last round: equal work of the fast peers in both modes
  const async = await runMode([...common, '--sync', 'async', '--staleness', String(o.staleness), '--churn', `leave:${slow}@${o.rounds}`], o, slow)
  const fast = (run: ModeRun): PeerFigures[] => run.peers.filter((p) => p.slot !== slow)
  const syncRate = meanOf(fast(sync).map((p) => p.roundsPerSecond))
  const asyncRate = meanOf(fast(async).map((p) => p.roundsPerSecond))
  const slowPeer = async.peers.find((p) => p.slot === slow)
  const fastCpuMs = meanOf(async.cpuMs.filter((c) => c.slot !== slow).map((c) => c.cpuMs))
  return {
    sync, async, slow, syncRate, asyncRate,
    speedup: asyncRate / syncRate,
    slowFactor: (slowPeer?.roundMs ?? NaN) / meanOf(fast(async).map((p) => p.roundMs)),
    slowOverWork: (slowPeer?.roundMs ?? NaN) / (o.slowdown * fastCpuMs)
  }
}

export function formatAsync (options: Partial<AsyncBenchOptions>, r: AsyncBenchResult): string {
  const o = { ...ASYNC_BENCH_DEFAULTS, ...options }
  const line = (name: string, run: ModeRun): string => {
    const slowPeer = run.peers.find((p) => p.slot === r.slow)
    const mixed = run.mixedSlow.map((m) => `${m.withSlow}/${m.rounds}`).join(', ')
    const others = run.peers.filter((p) => p.slot !== r.slow)
    return `${name} others ${meanOf(others.map((p) => p.roundsPerSecond)).toFixed(2)} rounds/s (compute ${meanOf(others.map((p) => p.computeMs)).toFixed(0)} ms a round), ` +
      `slowed peer ${(slowPeer?.roundsPerSecond ?? NaN).toFixed(2)} rounds/s (${run.own.find((m) => m.slot === r.slow)?.round ?? '?'} rounds); ` +
      `averaged model ${pct(run.averaged)}; each peer's own: ${run.own.map((m) => pct(m.accuracy)).join(', ')}; ` +
      `slowed peer in its neighbours' rows: ${mixed} rounds; rounds held cut off: ${run.held}; ${run.wallSeconds.toFixed(0)} s`
  }
  const diff = (r.async.averaged - r.sync.averaged) * 100
  const cpuOf = (slowed: boolean): number => meanOf(r.async.cpuMs.filter((c) => (c.slot === r.slow) === slowed).map((c) => c.cpuMs))
  const roundOf = (slowed: boolean): number => meanOf(r.async.peers.filter((p) => (p.slot === r.slow) === slowed).map((p) => p.roundMs))
  return [
    `${o.peers} processes, ring, D-PSGD, MNIST MLP, ${o.localSteps} local steps, ${o.rounds} rounds of the fast peers; slot ${r.slow} slowed ${o.slowdown}x; async staleness ${o.staleness}`,
    line('synchronous:', r.sync),
    line('async:      ', r.async),
    `slowed peer's round / the others' round (async run) = ${r.slowFactor.toFixed(2)} (meant: ${o.slowdown}); main-thread CPU a round: ` +
      `others ${cpuOf(false).toFixed(1)} ms in rounds of ${roundOf(false).toFixed(1)} ms, slowed peer ${cpuOf(true).toFixed(1)} ms in rounds of ${roundOf(true).toFixed(1)} ms; ` +
      `slowed round / (${o.slowdown} × the others' CPU a round) = ${r.slowOverWork.toFixed(2)} (≥ 1: at least ${o.slowdown}x slower than their work)`,
    `machine while every peer trained: ${busyText(r.sync)} of ${r.sync.cores} cores busy (synchronous), ${busyText(r.async)} (async); ` +
      'near all cores: the fast peers waited for a core, which bounds the speed-up',
    `others' rounds per second, async / sync = ${r.speedup.toFixed(2)} (goal ≥ 2); averaged model async − sync = ${diff >= 0 ? '+' : ''}${diff.toFixed(2)} points`
  ].join('\n')
}

function busyText (run: ModeRun): string {
  return run.busyCores === undefined ? '?' : run.busyCores.toFixed(2)
}

/** The change of the averaged model's accuracy, async − sync, in points. */
export function accuracyChange (r: AsyncBenchResult): number {
  return (r.async.averaged - r.sync.averaged) * 100
}

/** Runs `runAsyncBench` once per seed, in order, handing each result to `onSeed` as it comes (progress). */
export async function runAsyncBenchSeeds (options: Partial<AsyncBenchOptions>, seeds: readonly number[], onSeed?: (seed: number, r: AsyncBenchResult) => void): Promise<AsyncBenchResult[]> {
  if (seeds.length === 0) throw new RangeError('async bench: expected at least one seed')
  const out: AsyncBenchResult[] = []
  for (const seed of seeds) {
    const r = await runAsyncBench({ ...options, seed })
    onSeed?.(seed, r)
    out.push(r)
  }
  return out
}

/** Every seed's two figures, their means, and how many seeds met the goal (speed and accuracy both) on their own. */
export function formatAsyncSeeds (seeds: readonly number[], results: readonly AsyncBenchResult[]): string {
  const speedups = results.map((r) => r.speedup)
  const changes = results.map(accuracyChange)
  const signed = (x: number): string => `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(2)}`
  const met = results.filter((r) => r.speedup >= ASYNC_GOAL_SPEEDUP && accuracyChange(r) >= -ASYNC_GOAL_POINTS).length
  const meanSpeedup = meanOf(speedups)
  const meanChange = meanOf(changes)
  const verdict = meanSpeedup >= ASYNC_GOAL_SPEEDUP && meanChange >= -ASYNC_GOAL_POINTS ? 'met' : 'not met'
  return [
    `seeds ${seeds.join(', ')}: async / sync = ${speedups.map((x) => x.toFixed(2)).join(', ')} (mean ${meanSpeedup.toFixed(2)}); ` +
      `averaged model async − sync = ${changes.map(signed).join(', ')} points (mean ${signed(meanChange)})`,
    `goal ≥ ${ASYNC_GOAL_SPEEDUP}x within ${ASYNC_GOAL_POINTS} point: ${verdict} on the means; met by ${met} of ${results.length} seeds on their own`
  ].join('\n')
}

export const ASYNC_SPEC: ScriptSpec = {
  name: 'async',
  run: 'node scripts/bench/async.ts',
  summary: 'Asynchronous gossip (--sync async) against synchronous rounds, real murmur peer processes on a ring with one peer slowed --slowdown times',
  details: `Figures, against the synchronous run of the same seed: the other peers' rounds per second (goal >= ${ASYNC_GOAL_SPEEDUP}x with a ` +
    `slowdown of 3) and the averaged model's accuracy at equal work of the other peers (goal within ${ASYNC_GOAL_POINTS} point). Each seed ` +
    `runs a synchronous and an asynchronous job; by default seeds ${ASYNC_BENCH_SEEDS.join(', ')}, then their means and how many seeds met ` +
    'the goal on their own. About 20 s a seed with the defaults.',
  options: [
    { ...simOption('peers'), min: 2, default: ASYNC_BENCH_DEFAULTS.peers, description: 'peer processes, on a ring (3 on 2 cores: each fast peer has a core)' },
    roundsOption(ASYNC_BENCH_DEFAULTS.rounds, 'rounds of the fast peers in each job'),
    {
      name: 'slowdown', type: 'number', min: 1, max: 1000, placeholder: 'F', default: ASYNC_BENCH_DEFAULTS.slowdown,
      description: 'the slowed peer sleeps F - 1 times the CPU time of each round, as if F times slower (murmur peer --slowdown)'
    },
    { ...simOption('local-steps'), default: ASYNC_BENCH_DEFAULTS.localSteps, description: 'local SGD steps between gossip rounds' },
    { ...simOption('staleness'), default: ASYNC_BENCH_DEFAULTS.staleness, description: 'async: rounds a neighbour\'s message is mixed for after it arrived' },
    { ...seedOption('run this one seed only'), default: undefined },
    intListOption('seeds', { min: 0, max: 0xffffffff, description: `the seeds to run, one synchronous and one asynchronous job each (default: ${ASYNC_BENCH_SEEDS.join(',')})` })
  ],
  examples: [
    'node scripts/bench/async.ts                 # seeds 1, 2, 3 with the defaults, about a minute',
    'node scripts/bench/async.ts --peers 2 --seed 1'
  ],
  exitCodes: '0 after the figures are printed (a missed goal included), 1 when a job failed, 2 for a bad option.'
}

export interface AsyncCli { options: AsyncBenchOptions, seeds: number[] }

export function parseAsyncCli (argv: readonly string[]): AsyncCli | { help: true } {
  const args = parseScriptArgs(ASYNC_SPEC, argv)
  if (args.help) return { help: true }
  const seed = getOptionalNumber(args, 'seed')
  const seeds = getOptionalString(args, 'seeds')
  if (seed !== undefined && seeds !== undefined) throw new UsageError('--seed and --seeds: give one of them (--seed N runs one seed)', 'seeds', 'one of --seed and --seeds')
  const options: AsyncBenchOptions = {
    peers: getNumber(args, 'peers'),
    rounds: getNumber(args, 'rounds'),
    slowdown: getNumber(args, 'slowdown'),
    localSteps: getNumber(args, 'local-steps'),
    staleness: getNumber(args, 'staleness'),
    seed: seed ?? ASYNC_BENCH_DEFAULTS.seed
  }
  return { options, seeds: seed !== undefined ? [seed] : seeds === undefined ? [...ASYNC_BENCH_SEEDS] : intList(seeds, 0) ?? [] }
}

async function main ({ options: o, seeds }: AsyncCli): Promise<undefined> {
  const results = await runAsyncBenchSeeds(o, seeds, (seed, r) => { console.log(`seed ${seed}:\n${formatAsync({ ...o, seed }, r)}`) })
  if (results.length > 1) console.log(formatAsyncSeeds(seeds, results))
  return undefined
}

if (import.meta.main) await runScript(ASYNC_SPEC, process.argv.slice(2), parseAsyncCli, main)
