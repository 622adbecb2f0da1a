/**
 * Overlap benchmark: the same job of real `murmur peer` processes, synchronous then with `--overlap`
 * (the model a round starts from is sent first and the local steps run while it travels). Figures, each
 * against the synchronous run of the same invocation: overlap's round time over max(compute, communicate)
 * and over their sum as the synchronous run measured them (goal ≤ 1.15 × the max), and the final accuracy
 * difference (goal within 0.5 point).
 *
 *   node scripts/bench/overlap.ts [--peers 4] [--rounds 200] [--local-steps 4] [--batch 32]
 */
import { parseArgs } from 'node:util'
import { meanOf, pct, runPeers } from './peer-runs.ts'
import type { ClusterRun } from './peer-runs.ts'

export interface OverlapBenchOptions { peers: number, rounds: number, localSteps: number, batch: number, seed?: number }

export interface OverlapBenchResult {
  sync: ClusterRun
  overlap: ClusterRun
  /** means over peers of the per-round means */
  syncComputeMs: number
  syncCommMs: number
  syncRoundMs: number
  overlapRoundMs: number
  /** overlap round time / max(sync compute, sync communicate) */
  vsMax: number
  /** overlap round time / (sync compute + sync communicate) */
  vsSum: number
  accuracyDelta: number | null
}

export async function runOverlapBench (o: OverlapBenchOptions): Promise<OverlapBenchResult> {
  const common = ['--peers', String(o.peers), '--rounds', String(o.rounds), '--local-steps', String(o.localSteps), '--batch', String(o.batch),
    '--algo', 'dpsgd', '--topology', 'ring', '--eval-every', String(o.rounds), '--seed', String(o.seed ?? 1), '--round-deadline', '20000']
  const sync = await runPeers(common)
  const overlap = await runPeers([...common, '--overlap'])
  const syncComputeMs = meanOf(sync.peers.map((p) => p.computeMs))
  const syncCommMs = meanOf(sync.peers.map((p) => p.commMs))
  const overlapRoundMs = meanOf(overlap.peers.map((p) => p.roundMs))
  return {
    sync,
    overlap,
    syncComputeMs,
    syncCommMs,
    syncRoundMs: meanOf(sync.peers.map((p) => p.roundMs)),
    overlapRoundMs,
    vsMax: overlapRoundMs / Math.max(syncComputeMs, syncCommMs),
    vsSum: overlapRoundMs / (syncComputeMs + syncCommMs),
    accuracyDelta: sync.accuracy === null || overlap.accuracy === null ? null : overlap.accuracy - sync.accuracy
  }
}

export function formatOverlap (o: OverlapBenchOptions, r: OverlapBenchResult): string {
  const ms = (x: number): string => `${x.toFixed(1)} ms`
  return [
    `${o.peers} processes, ring, D-PSGD, MNIST MLP, batch ${o.batch}, ${o.localSteps} local steps, ${o.rounds} rounds (means per peer and round, first 5 rounds skipped)`,
    `synchronous: compute ${ms(r.syncComputeMs)}, communicate ${ms(r.syncCommMs)}, round ${ms(r.syncRoundMs)}; averaged model ${pct(r.sync.accuracy)}`,
    `overlap:     compute ${ms(meanOf(r.overlap.peers.map((p) => p.computeMs)))}, communicate (not hidden) ${ms(meanOf(r.overlap.peers.map((p) => p.commMs)))}, round ${ms(r.overlapRoundMs)}; averaged model ${pct(r.overlap.accuracy)}`,
    `overlap round / max(sync compute, sync communicate) = ${r.vsMax.toFixed(2)} (goal ≤ 1.15); / their sum = ${r.vsSum.toFixed(2)}; / sync round = ${(r.overlapRoundMs / r.syncRoundMs).toFixed(2)}`,
    `accuracy, overlap − sync: ${r.accuracyDelta === null ? 'n/a' : `${(r.accuracyDelta * 100).toFixed(2)} points`} (goal within ±0.5)`
  ].join('\n')
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { peers: { type: 'string', default: '4' }, rounds: { type: 'string', default: '200' }, 'local-steps': { type: 'string', default: '4' }, batch: { type: 'string', default: '32' } } })
  const o = { peers: Number(values.peers), rounds: Number(values.rounds), localSteps: Number(values['local-steps']), batch: Number(values.batch) }
  console.log(formatOverlap(o, await runOverlapBench(o)))
}
