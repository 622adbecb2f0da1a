/**
 * Runs of real `murmur peer` processes (scripts/cluster.ts) for the overlap and async benchmarks, and the
 * per-peer figures they compare: mean round time and its split, rounds per second, final accuracy.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runCluster } from '../cluster.ts'

interface Record { round: number, accuracy: number | null, computeMs: number, commMs: number, roundMs: number, elapsedMs: number }

export interface PeerFigures {
  slot: number
  rounds: number
  /** means over the measured rounds (the first `skip` are warm-up) */
  roundMs: number
  computeMs: number
  commMs: number
  roundsPerSecond: number
  /** the peer's own model on the whole test set after its last round */
  accuracy: number | null
}

export interface ClusterRun {
  peers: PeerFigures[]
  /** the averaged model of the last snapshot (scripts/cluster.ts summary) */
  accuracy: number | null
  wallSeconds: number
}

/** Starts `murmur cluster` with `args` in a temporary folder, reads every peer's metrics and removes the folder. */
export async function runPeers (args: string[], opts: { skip?: number, keep?: boolean } = {}): Promise<ClusterRun> {
  const out = mkdtempSync(join(tmpdir(), 'murmur-bench-'))
  const skip = opts.skip ?? 5
  const t0 = performance.now()
  try {
    const code = await runCluster([...args, '--out', out, '--quiet'], { out: () => {}, err: () => {}, isTTY: false })
    if (code !== 0) throw new Error(`murmur cluster ${args.join(' ')} exited ${code}; see ${out}`)
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { accuracy: number | null, peers: number }
    const peers: PeerFigures[] = []
    for (let slot = 0; slot < summary.peers; slot++) {
      const records = readFileSync(join(out, `peer-${slot}`, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record)
      const measured = records.slice(skip)
      const mean = (f: (r: Record) => number): number => measured.reduce((s, r) => s + f(r), 0) / Math.max(1, measured.length)
      const first = records[skip - 1] ?? records[0]
      const last = records[records.length - 1]
      peers.push({
        slot,
        rounds: last.round,
        roundMs: mean((r) => r.roundMs),
        computeMs: mean((r) => r.computeMs),
        commMs: mean((r) => r.commMs),
        roundsPerSecond: (last.round - first.round) / Math.max(1e-9, (last.elapsedMs - first.elapsedMs) / 1000),
        accuracy: last.accuracy
      })
    }
    return { peers, accuracy: summary.accuracy, wallSeconds: (performance.now() - t0) / 1000 }
  } finally {
    if (opts.keep !== true) rmSync(out, { recursive: true, force: true })
  }
}

export function meanOf (xs: readonly number[]): number {
  return xs.reduce((s, x) => s + x, 0) / Math.max(1, xs.length)
}

export function pct (x: number | null): string {
  return x === null ? 'n/a' : `${(x * 100).toFixed(2)} %`
}
