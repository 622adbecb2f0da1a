/**
 * Overlap benchmark: the same job of real `murmur peer` processes, synchronous, with `--overlap` (the model a
 * round starts from is sent first and the local steps run while it travels, paced on the event loop) and with
 * `--overlap --train-thread worker` (the local steps in a worker thread, the event loop free for the exchange's
 * I/O during them; node/train-thread). Figures, each
 * against the synchronous runs of the same invocation: overlap's round time over max(compute, communicate)
 * and over their sum as the synchronous runs measured them (goal ≤ 1.15 × the max), and the final accuracy
 * difference (goal within 0.5 point). With --repeats k the three modes alternate k times (sync, overlap, worker,
 * sync, …) so that a change in the machine's load falls on all alike; the figures are means over the runs.
 * --no-worker leaves the worker variant out.
 *
 * Two settings:
 * - loopback (default): every peer a process on this machine (`murmur cluster`); with more peers than cores
 *   there is no idle core, and "communicate" is mostly waiting for CPU-starved neighbours.
 * - --link-rate RATE: every peer in a network namespace of its own behind links shaped to RATE each way
 *   (scripts/netns-cluster.ts, tc tbf; needs root), the case overlap exists for: peers on separate machines,
 *   whose messages spend time on the wire while the CPU is free to train.
 *
 *   node scripts/bench/overlap.ts [--peers 4] [--rounds 200] [--local-steps 4] [--batch 32] [--model mlp] [--repeats 1]
 *   node scripts/bench/overlap.ts --link-rate 100mbit --peers 2 --local-steps 8 --rounds 100 --repeats 2
 */
import { getBoolean, getNumber, getOptionalString, getString } from '../../node/cli/args.ts'
import { allowedOf, parseScriptArgs, roundsOption, runScript, simOption } from '../lib/script-args.ts'
import type { ScriptSpec } from '../lib/script-args.ts'
import { linkRateOption } from './cli.ts'
import { meanOf, pct, runNetnsPeers, runPeers } from './peer-runs.ts'
import type { ClusterRun } from './peer-runs.ts'

export interface OverlapBenchOptions {
  peers: number
  rounds: number
  localSteps: number
  batch: number
  seed?: number
  /** a --model spec (default mlp) */
  model?: string
  /** run the peers in network namespaces behind links of this tc rate (e.g. '100mbit'); loopback when absent */
  linkRate?: string
  /** alternating sync/overlap(/worker) rounds of runs (default 1) */
  repeats?: number
  /** also run --overlap --train-thread worker (default true) */
  worker?: boolean
}

export interface OverlapBenchResult {
  sync: ClusterRun[]
  overlap: ClusterRun[]
  /** means over runs and peers of the per-round means */
  syncComputeMs: number
  syncCommMs: number
  syncRoundMs: number
  overlapComputeMs: number
  overlapCommMs: number
  overlapRoundMs: number
  /** the --train-thread worker runs (empty with worker: false) and their figures (NaN then) */
  worker: ClusterRun[]
  workerComputeMs: number
  workerCommMs: number
  workerRoundMs: number
  /** worker round time / max(sync compute, sync communicate) */
  workerVsMax: number
  /** mean over rounds of worker − sync final accuracy */
  workerAccuracyDelta: number | null
  /** overlap round time / max(sync compute, sync communicate) */
  vsMax: number
  /** overlap round time / (sync compute + sync communicate) */
  vsSum: number
  /** mean over pairs of overlap − sync final accuracy */
  accuracyDelta: number | null
}

const mean = (runs: ClusterRun[], f: (p: ClusterRun['peers'][number]) => number): number => meanOf(runs.map((r) => meanOf(r.peers.map(f))))

/** Runs the benchmark; returns why not when --link-rate needs namespaces this machine cannot make. */
export async function runOverlapBench (o: OverlapBenchOptions): Promise<OverlapBenchResult | { skipped: string }> {
  const common = ['--rounds', String(o.rounds), '--local-steps', String(o.localSteps), '--batch', String(o.batch), '--model', o.model ?? 'mlp',
    '--algo', 'dpsgd', '--topology', 'ring', '--eval-every', String(o.rounds), '--seed', String(o.seed ?? 1), '--round-deadline', '20000']
  const run = async (extra: string[]): Promise<ClusterRun | { skipped: string }> => o.linkRate === undefined
    ? await runPeers(['--peers', String(o.peers), ...common, ...extra])
    : await runNetnsPeers(o.peers, [...common, '--link-rate', o.linkRate, ...extra])
  const sync: ClusterRun[] = []
  const overlap: ClusterRun[] = []
  const worker: ClusterRun[] = []
  const modes: Array<[string[], ClusterRun[]]> = [[[], sync], [['--overlap'], overlap]]
  if (o.worker !== false) modes.push([['--overlap', '--train-thread', 'worker'], worker])
  for (let k = 0; k < (o.repeats ?? 1); k++) {
    for (const [extra, into] of modes) {
      const r = await run([...extra])
      if ('skipped' in r) return r
      into.push(r)
    }
  }
  const syncComputeMs = mean(sync, (p) => p.computeMs)
  const syncCommMs = mean(sync, (p) => p.commMs)
  const overlapRoundMs = mean(overlap, (p) => p.roundMs)
  const deltaOf = (runs: ClusterRun[]): number | null => {
    const deltas = sync.flatMap((s, k) => s.accuracy === null || runs[k]?.accuracy == null ? [] : [runs[k].accuracy! - s.accuracy])
    return deltas.length === sync.length ? meanOf(deltas) : null
  }
  const workerRoundMs = worker.length === 0 ? NaN : mean(worker, (p) => p.roundMs)
  return {
    sync,
    overlap,
    syncComputeMs,
    syncCommMs,
    syncRoundMs: mean(sync, (p) => p.roundMs),
    overlapComputeMs: mean(overlap, (p) => p.computeMs),
    overlapCommMs: mean(overlap, (p) => p.commMs),
    overlapRoundMs,
    vsMax: overlapRoundMs / Math.max(syncComputeMs, syncCommMs),
    vsSum: overlapRoundMs / (syncComputeMs + syncCommMs),
    accuracyDelta: deltaOf(overlap),
    worker,
    workerComputeMs: worker.length === 0 ? NaN : mean(worker, (p) => p.computeMs),
    workerCommMs: worker.length === 0 ? NaN : mean(worker, (p) => p.commMs),
    workerRoundMs,
    workerVsMax: workerRoundMs / Math.max(syncComputeMs, syncCommMs),
    workerAccuracyDelta: worker.length === 0 ? null : deltaOf(worker)
  }
}

export function formatOverlap (o: OverlapBenchOptions, r: OverlapBenchResult | { skipped: string }): string {
  const where = o.linkRate === undefined
    ? `${o.peers} processes on this machine (loopback)`
    : `${o.peers} peers in network namespaces, each link shaped to ${o.linkRate} each way (tc tbf)`
  const head = `${where}, ring, D-PSGD, MNIST ${o.model ?? 'mlp'}, batch ${o.batch}, ${o.localSteps} local steps, ${o.rounds} rounds, ` +
    `${o.repeats ?? 1} alternating round(s) of sync/overlap${o.worker === false ? '' : '/worker'} runs (means per peer and round, first 5 rounds skipped)`
  if ('skipped' in r) return `${head}\nskipped: ${r.skipped}`
  const ms = (x: number): string => `${x.toFixed(1)} ms`
  const accs = (runs: ClusterRun[]): string => runs.map((x) => pct(x.accuracy)).join(', ')
  const model = o.linkRate === undefined ? 'averaged model' : 'mean of the peers\' models'
  return [
    head,
    `synchronous: compute ${ms(r.syncComputeMs)}, communicate ${ms(r.syncCommMs)}, round ${ms(r.syncRoundMs)}; ${model} ${accs(r.sync)}`,
    `overlap:     compute ${ms(r.overlapComputeMs)}, communicate (not hidden) ${ms(r.overlapCommMs)}, round ${ms(r.overlapRoundMs)}; ${model} ${accs(r.overlap)}`,
    `overlap round / max(sync compute, sync communicate) = ${r.vsMax.toFixed(2)} (goal ≤ 1.15); / their sum = ${r.vsSum.toFixed(2)}; / sync round = ${(r.overlapRoundMs / r.syncRoundMs).toFixed(2)}`,
    `accuracy, overlap − sync: ${r.accuracyDelta === null ? 'n/a' : `${(r.accuracyDelta * 100).toFixed(2)} points`} (goal within ±0.5)`,
    ...(r.worker.length === 0
      ? []
      : [
          `worker:      compute ${ms(r.workerComputeMs)}, communicate (not hidden) ${ms(r.workerCommMs)}, round ${ms(r.workerRoundMs)}; ${model} ${accs(r.worker)}`,
          `worker round / max(sync compute, sync communicate) = ${r.workerVsMax.toFixed(2)} (goal ≤ 1.15); / sync round = ${(r.workerRoundMs / r.syncRoundMs).toFixed(2)}; / overlap round = ${(r.workerRoundMs / r.overlapRoundMs).toFixed(2)}`,
          `accuracy, worker − sync: ${r.workerAccuracyDelta === null ? 'n/a' : `${(r.workerAccuracyDelta * 100).toFixed(2)} points`} (goal within ±0.5)`
        ])
  ].join('\n')
}

export const OVERLAP_SPEC: ScriptSpec = {
  name: 'overlap',
  run: 'node scripts/bench/overlap.ts',
  summary: 'The same job of real murmur peer processes synchronous, with --overlap, and with --overlap --train-thread worker: round time against max(compute, communicate) and the accuracy difference',
  details: 'Goals, against the synchronous runs of the same invocation: overlap\'s round <= 1.15 x max(compute, communicate), final accuracy ' +
    'within 0.5 point. With --repeats k the modes alternate k times (sync, overlap, worker, sync, ...) so that a change in the machine\'s ' +
    'load falls on all alike. Loopback by default (every peer a process here, murmur cluster); with --link-rate every peer in a network ' +
    'namespace of its own behind links shaped to RATE each way (scripts/netns-cluster.ts; root only, "skipped: <why>" elsewhere). ' +
    'A minute or more: three jobs of --rounds rounds per repeat.',
  options: [
    { ...simOption('peers'), min: 2, default: 4, description: 'peer processes, on a ring' },
    roundsOption(200, 'rounds of each job'),
    { ...simOption('local-steps'), default: 4, description: 'local SGD steps between gossip rounds' },
    { ...simOption('batch'), default: 32, description: 'minibatch size a peer' },
    { ...simOption('model'), default: 'mlp', description: `the model on MNIST: ${allowedOf('model')}` },
    linkRateOption('run the peers in network namespaces behind links of this rate each way (root) instead of on loopback'),
    { name: 'repeats', type: 'int', min: 1, default: 1, description: 'alternating rounds of sync/overlap(/worker) jobs; the figures are means over them' },
    { name: 'no-worker', type: 'boolean', default: false, description: 'leave out the --train-thread worker jobs' }
  ],
  examples: [
    'node scripts/bench/overlap.ts --peers 4 --local-steps 4 --rounds 60 --repeats 2',
    'node scripts/bench/overlap.ts --link-rate 100mbit --peers 2 --local-steps 4 --rounds 200 --repeats 2   # as root'
  ],
  exitCodes: '0 after the figures are printed (goals missed or a skipped --link-rate run included), 1 when a job failed, 2 for a bad option.'
}

export function parseOverlapCli (argv: readonly string[]): OverlapBenchOptions | { help: true } {
  const args = parseScriptArgs(OVERLAP_SPEC, argv)
  if (args.help) return { help: true }
  return {
    peers: getNumber(args, 'peers'),
    rounds: getNumber(args, 'rounds'),
    localSteps: getNumber(args, 'local-steps'),
    batch: getNumber(args, 'batch'),
    model: getString(args, 'model'),
    linkRate: getOptionalString(args, 'link-rate'),
    repeats: getNumber(args, 'repeats'),
    worker: !getBoolean(args, 'no-worker')
  }
}

async function main (o: OverlapBenchOptions): Promise<undefined> {
  console.log(formatOverlap(o, await runOverlapBench(o)))
  return undefined
}

if (import.meta.main) await runScript(OVERLAP_SPEC, process.argv.slice(2), parseOverlapCli, main)
