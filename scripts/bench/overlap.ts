/**
 * Overlap benchmark: the same job of real `murmur peer` processes, synchronous then with `--overlap`
 * (the model a round starts from is sent first and the local steps run while it travels). Figures, each
 * against the synchronous runs of the same invocation: overlap's round time over max(compute, communicate)
 * and over their sum as the synchronous runs measured them (goal ≤ 1.15 × the max), and the final accuracy
 * difference (goal within 0.5 point). With --repeats k the two modes alternate k times (sync, overlap, sync,
 * …) so that a change in the machine's load falls on both alike; the figures are means over the runs.
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
import { parseArgs } from 'node:util'
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
  /** alternating sync/overlap pairs (default 1) */
  repeats?: number
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
  for (let k = 0; k < (o.repeats ?? 1); k++) {
    for (const [extra, into] of [[[], sync], [['--overlap'], overlap]] as const) {
      const r = await run([...extra])
      if ('skipped' in r) return r
      into.push(r)
    }
  }
  const syncComputeMs = mean(sync, (p) => p.computeMs)
  const syncCommMs = mean(sync, (p) => p.commMs)
  const overlapRoundMs = mean(overlap, (p) => p.roundMs)
  const deltas = sync.flatMap((s, k) => s.accuracy === null || overlap[k].accuracy === null ? [] : [overlap[k].accuracy! - s.accuracy])
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
    accuracyDelta: deltas.length === sync.length ? meanOf(deltas) : null
  }
}

export function formatOverlap (o: OverlapBenchOptions, r: OverlapBenchResult | { skipped: string }): string {
  const where = o.linkRate === undefined
    ? `${o.peers} processes on this machine (loopback)`
    : `${o.peers} peers in network namespaces, each link shaped to ${o.linkRate} each way (tc tbf)`
  const head = `${where}, ring, D-PSGD, MNIST ${o.model ?? 'mlp'}, batch ${o.batch}, ${o.localSteps} local steps, ${o.rounds} rounds, ` +
    `${o.repeats ?? 1} alternating sync/overlap pair(s) (means per peer and round, first 5 rounds skipped)`
  if ('skipped' in r) return `${head}\nskipped: ${r.skipped}`
  const ms = (x: number): string => `${x.toFixed(1)} ms`
  const accs = (runs: ClusterRun[]): string => runs.map((x) => pct(x.accuracy)).join(', ')
  const model = o.linkRate === undefined ? 'averaged model' : 'mean of the peers\' models'
  return [
    head,
    `synchronous: compute ${ms(r.syncComputeMs)}, communicate ${ms(r.syncCommMs)}, round ${ms(r.syncRoundMs)}; ${model} ${accs(r.sync)}`,
    `overlap:     compute ${ms(r.overlapComputeMs)}, communicate (not hidden) ${ms(r.overlapCommMs)}, round ${ms(r.overlapRoundMs)}; ${model} ${accs(r.overlap)}`,
    `overlap round / max(sync compute, sync communicate) = ${r.vsMax.toFixed(2)} (goal ≤ 1.15); / their sum = ${r.vsSum.toFixed(2)}; / sync round = ${(r.overlapRoundMs / r.syncRoundMs).toFixed(2)}`,
    `accuracy, overlap − sync: ${r.accuracyDelta === null ? 'n/a' : `${(r.accuracyDelta * 100).toFixed(2)} points`} (goal within ±0.5)`
  ].join('\n')
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      peers: { type: 'string', default: '4' },
      rounds: { type: 'string', default: '200' },
      'local-steps': { type: 'string', default: '4' },
      batch: { type: 'string', default: '32' },
      model: { type: 'string', default: 'mlp' },
      'link-rate': { type: 'string' },
      repeats: { type: 'string', default: '1' }
    }
  })
  const o: OverlapBenchOptions = {
    peers: Number(values.peers),
    rounds: Number(values.rounds),
    localSteps: Number(values['local-steps']),
    batch: Number(values.batch),
    model: values.model,
    linkRate: values['link-rate'],
    repeats: Number(values.repeats)
  }
  console.log(formatOverlap(o, await runOverlapBench(o)))
}
