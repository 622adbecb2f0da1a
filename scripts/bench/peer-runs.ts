/**
 * Runs of real `murmur peer` processes (scripts/cluster.ts) for the overlap and async benchmarks, and the
 * per-peer figures they compare: mean round time and its split, rounds per second, final accuracy.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runCluster } from '../cluster.ts'
import { runNetnsCluster } from '../netns-cluster.ts'

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
  const t0 = performance.now()
  try {
    const code = await runCluster([...args, '--out', out, '--quiet'], { out: () => {}, err: () => {}, isTTY: false })
    if (code !== 0) throw new Error(`murmur cluster ${args.join(' ')} exited ${code}; see ${out}`)
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { accuracy: number | null, peers: number }
    return { peers: readPeerFigures(out, summary.peers, opts.skip ?? 5), accuracy: summary.accuracy, wallSeconds: (performance.now() - t0) / 1000 }
  } finally {
    if (opts.keep !== true) rmSync(out, { recursive: true, force: true })
  }
}

/**
 * The same with every peer in a network namespace of its own (scripts/netns-cluster.ts: peers as on separate
 * machines, `--link-rate` shapes their links). `accuracy` is the mean of the peers' own models (netns-cluster
 * merges no averaged model). Returns the reason instead when namespaces cannot be made here (not root, no `ip`).
 */
export async function runNetnsPeers (peers: number, args: string[], opts: { skip?: number } = {}): Promise<ClusterRun | { skipped: string }> {
  const out = mkdtempSync(join(tmpdir(), 'murmur-bench-netns-'))
  const t0 = performance.now()
  const printed: string[] = []
  try {
    const code = await runNetnsCluster(['--peers', String(peers), ...args, '--out', out], { out: (s) => { printed.push(s) }, err: () => {} })
    const skipped = printed.find((l) => l.startsWith('netns-cluster: skipped: '))
    if (skipped !== undefined) return { skipped: skipped.slice('netns-cluster: skipped: '.length) }
    if (code !== 0) throw new Error(`netns-cluster ${args.join(' ')} exited ${code}:\n${printed.join('\n')}`)
    const figures = readPeerFigures(out, peers, opts.skip ?? 5)
    const accs = figures.map((p) => p.accuracy).filter((a): a is number => a !== null)
    return { peers: figures, accuracy: accs.length === figures.length ? meanOf(accs) : null, wallSeconds: (performance.now() - t0) / 1000 }
  } finally {
    rmSync(out, { recursive: true, force: true })
  }
}

/** The figures of peers 0..peers−1 from `out`/peer-<slot>/metrics.jsonl (a murmur cluster or netns-cluster folder), rounds after the first `skip`. */
export function readPeerFigures (out: string, peers: number, skip: number): PeerFigures[] {
  const figures: PeerFigures[] = []
  for (let slot = 0; slot < peers; slot++) {
    const records = readFileSync(join(out, `peer-${slot}`, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record)
    const measured = records.slice(skip)
    const mean = (f: (r: Record) => number): number => measured.reduce((s, r) => s + f(r), 0) / Math.max(1, measured.length)
    const first = records[skip - 1] ?? records[0]
    const last = records[records.length - 1]
    figures.push({
      slot,
      rounds: last.round,
      roundMs: mean((r) => r.roundMs),
      computeMs: mean((r) => r.computeMs),
      commMs: mean((r) => r.commMs),
      roundsPerSecond: (last.round - first.round) / Math.max(1e-9, (last.elapsedMs - first.elapsedMs) / 1000),
      accuracy: last.accuracy
    })
  }
  return figures
}

export function meanOf (xs: readonly number[]): number {
  return xs.reduce((s, x) => s + x, 0) / Math.max(1, xs.length)
}

export function pct (x: number | null): string {
  return x === null ? 'n/a' : `${(x * 100).toFixed(2)} %`
}
