/**
 * The real-process arm of the end-to-end benchmark (issue 5, part 5): `murmur cluster` starts one `murmur peer`
 * process a peer on 127.0.0.1 (TCP + Noise + Yamux) and stops the run at the first snapshot round whose averaged
 * model reaches the target (`--until-accuracy`, scripts/lib/cluster-target.ts). Afterwards, from the peers' files:
 * - rounds: that snapshot round R (snapshots every `evalEvery` rounds, the simulator's evaluation grid);
 * - seconds: from the start of round 1 (the earliest peer) to the end of round R (the last peer), the peers' own
 *   clocks (`time` and `roundMs` of their metrics records). Start-up (processes, tfjs, membership) is reported
 *   apart. Evaluation is outside this interval: the peers evaluate nothing (--eval-every 0) and the cluster tests
 *   the snapshots in its own process beside them (its time testing, from OUT/summary.json, is reported; its CPU is
 *   taken from the same cores, so part of it does slow the peers);
 * - bytes: the algorithm's messages of all peers up to round R (the simulator's definition; the envelope, Noise,
 *   Yamux and membership traffic are not counted: a peer's wire counters lag its records by the sends still in
 *   flight, up to a round's worth, more than the envelope adds);
 * - worst peer: each peer's own snapshot of round R on the whole test set (after the run, not timed).
 */
import { loadavg, tmpdir } from 'node:os'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { runCluster } from '../cluster.ts'
import { prepareTraining, resolveRunConfig } from '../../lib/experiment/index.ts'
import type { ExperimentConfig, RunConfig } from '../../lib/experiment/index.ts'
import { readSnapshot, snapshotPath } from '../../node/peer/index.ts'
import type { PeerRecord } from '../../node/peer/index.ts'

export interface ProcessArmOptions {
  peers: number
  target: number
  maxRounds: number
  evalEvery: number
  seed: number
  /** give up after this many seconds (the cluster SIGKILLs its peers) */
  timeoutSeconds?: number
  log: (s: string) => void
  /** keep the cluster's folder (for a look at its report) instead of removing it */
  keep?: boolean
}

export interface ProcessArmResult {
  /** snapshot round whose averaged model first reached the target; null if none did within the budget */
  rounds: number | null
  accuracy: number | null
  /** round 1's start to round `rounds`' end, evaluation excluded */
  seconds: number | null
  /** from launching the cluster to the start of round 1 */
  startupSeconds: number | null
  /** the time the cluster spent testing averaged models (beside the peers, on the same cores) until it stopped them */
  evalSeconds: number | null
  bytes: number | null
  worstPeer: number | null
  /** peers that exited 0 */
  exitedCleanly: number
  out: string | null
}

function records (dir: string): PeerRecord[] {
  try {
    return readFileSync(join(dir, 'metrics.jsonl'), 'utf8').split('\n').filter((l) => l.trim() !== '').flatMap((l) => {
      try { return [JSON.parse(l) as PeerRecord] } catch { return [] }
    })
  } catch {
    return []
  }
}

/** The figures to the first merged round at or above the target, from a finished cluster folder. */
export async function readProcessArm (out: string, config: RunConfig, target: number, launchedAt: number): Promise<Omit<ProcessArmResult, 'evalSeconds' | 'exitedCleanly' | 'out'>> {
  const merged = readFileSync(join(out, 'metrics.jsonl'), 'utf8').split('\n').filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as { round: number, accuracy: number | null, bytesSent: number })
  const tested = merged.filter((r) => r.accuracy !== null)
  const hit = tested.find((r) => (r.accuracy ?? 0) >= target)
  const peerDirs = Array.from({ length: config.peers }, (_, i) => join(out, `peer-${i}`))
  const perPeer = peerDirs.map(records)
  const firsts = perPeer.map((rs) => rs.find((r) => r.round === 1)).filter((r): r is PeerRecord => r !== undefined)
  const start = firsts.length > 0 ? Math.min(...firsts.map((r) => r.time - r.roundMs)) : null
  const none = { rounds: null, accuracy: null, seconds: null, bytes: null, worstPeer: null }
  const startupSeconds = start === null ? null : (start - launchedAt) / 1000
  if (hit === undefined || start === null) return { ...none, startupSeconds }
  const atHit = perPeer.map((rs) => rs.find((r) => r.round === hit.round)).filter((r): r is PeerRecord => r !== undefined)
  const end = Math.max(...atHit.map((r) => r.time))
  // each peer's own model at the hit
  const training = await prepareTraining(config, { slot: 0 })
  let worstPeer: number | null = null
  try {
    const evaluate = training.evaluate
    if (evaluate !== undefined) {
      for (const dir of peerDirs) {
        const x = readSnapshot(snapshotPath(dir, hit.round), training.dim)
        if (x !== undefined) worstPeer = Math.min(worstPeer ?? 1, evaluate(x, config.evalLimit).accuracy)
      }
    }
  } finally {
    training.dispose()
  }
  return {
    rounds: hit.round,
    accuracy: hit.accuracy,
    seconds: (end - start) / 1000,
    startupSeconds,
    bytes: hit.bytesSent,
    worstPeer
  }
}

/** Runs `murmur cluster` for one arm (its experiment fields as in the simulator) until the averaged model reaches the target. */
export async function runProcessArm (arm: Partial<ExperimentConfig>, o: ProcessArmOptions): Promise<ProcessArmResult> {
  const config = resolveRunConfig({ ...arm, peers: o.peers, topology: 'ring', seed: o.seed, rounds: o.maxRounds, evalEvery: 0, evalLimit: 0 })
  const args = ['--peers', String(o.peers), '--topology', 'ring', '--algo', config.algo, '--codec', config.codec, '--lr', String(config.lr), '--seed', String(o.seed),
    ...(config.gamma !== undefined ? ['--gamma', String(config.gamma)] : []),
    '--rounds', String(o.maxRounds), '--eval-every', '0', '--eval-limit', '0', '--snapshot-every', String(o.evalEvery),
    '--until-accuracy', String(o.target), '--timeout', String(o.timeoutSeconds ?? 1800)]
  const out = mkdtempSync(join(tmpdir(), 'murmur-e2e-'))
  o.log(`  murmur cluster ${args.join(' ')} (load ${loadavg()[0].toFixed(1)})`)
  const launchedAt = Date.now()
  let code: number
  try {
    // the cluster's own progress line (round, ETA, the averaged model's latest accuracy) goes to stderr
    code = await runCluster([...args, '--out', out], { out: (s) => { o.log(s.replace(/^/gm, '    ')) }, err: (s) => { o.log(`  ${s.trim()}`) }, isTTY: process.stderr.isTTY === true })
  } catch (err) {
    if (o.keep !== true) rmSync(out, { recursive: true, force: true })
    throw err
  }
  try {
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { exitedCleanly: number, untilAccuracy?: { testSeconds: number } }
    if (code !== 0) o.log(`  murmur cluster exited ${code}: ${summary.exitedCleanly} of ${o.peers} peers exited 0`)
    const figures = await readProcessArm(out, config, o.target, launchedAt)
    // the cluster's own time testing snapshots (on the cores the peers used) is the evaluation cost of this arm
    const evalSeconds = figures.rounds === null ? null : summary.untilAccuracy?.testSeconds ?? null
    return { ...figures, evalSeconds, exitedCleanly: summary.exitedCleanly, out: o.keep === true ? out : null }
  } finally {
    if (o.keep !== true) rmSync(out, { recursive: true, force: true })
  }
}
