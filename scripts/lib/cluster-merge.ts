/**
 * Merges the per-peer metrics of a local cluster into the simulator's schema (OUT/metrics.jsonl), with
 * the averaged model's accuracy and the consensus distance computed from the peers' snapshots, and writes
 * OUT/summary.json and plots.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { prepareTraining } from '../../lib/experiment/index.ts'
import type { RunConfig } from '../../lib/experiment/index.ts'
import { meanAndSpread } from '../../lib/vector/index.ts'
import { readSnapshot, snapshotPath } from '../../node/peer/index.ts'
import type { PeerRecord } from '../../node/peer/index.ts'
import { lineChart } from '../../node/report/index.ts'
import type { Point } from '../../node/report/index.ts'

export interface ClusterPeer {
  dataDir: string
  slot: number
  exitCode: number | null
  signal: string | null
  peakRssMb: number
  /** ran --attack: left out of the averaged model and the accuracy figures, which are the honest peers' (as in murmur sim) */
  attacker?: boolean
}

export interface ClusterSummary {
  peers: number
  exitedCleanly: number
  rounds: number
  accuracy: number | null
  peerAccuracyMin: number | null
  peerAccuracyMean: number | null
  consensusDistance: number | null
  bytesSent: number
  roundTimeP50: number
  roundTimeP95: number
  wallSeconds: number
  /** shares of the peers' summed time (timeSplit): compute, exchange, waiting, and the rest of their rounds; they sum to 1 */
  timeShare: TimeShare
  peakRssMb: number[]
  peakRssMbMax: number
  exits: Array<{ slot: number, exitCode: number | null, signal: string | null }>
}

/** A peer's records in the order it wrote them, every life of a restarted peer included. */
function rawRecords (dataDir: string): PeerRecord[] {
  const path = join(dataDir, 'metrics.jsonl')
  if (!existsSync(path)) return []
  return readFileSync(path, 'utf8').split('\n').filter((l) => l.trim() !== '').flatMap((l) => {
    try { return [JSON.parse(l) as PeerRecord] } catch { return [] } // a peer killed mid-write leaves a torn last line
  })
}

/** One record a round: a peer restarted with --resume records again the rounds between its checkpoint and its crash, and the last one counts. */
function lastPerRound (raw: readonly PeerRecord[]): PeerRecord[] {
  return [...new Map(raw.map((r) => [r.round, r])).values()].sort((a, b) => a.round - b.round)
}

/**
 * Shares of the peers' summed time. compute: local steps, coding and mixing (with --slowdown's sleep); communicate:
 * in the exchange; wait: blocked outside the exchange (for the run to start or the join round, held while cut off,
 * paused alone at the run's pace); other: the rest of the rounds (evaluating the peer's own model, snapshots, the
 * round's bookkeeping; a checkpoint is written after the round's record, so in no share). They sum to 1 (all 0 without time).
 */
export interface TimeShare { compute: number, communicate: number, wait: number, other: number }

/** The fields of a peer record the time split reads; elapsedMs and time tell a restarted peer's lives apart. */
export type TimedRecord = Pick<PeerRecord, 'computeMs' | 'commMs' | 'waitMs' | 'roundMs'> & Partial<Pick<PeerRecord, 'elapsedMs' | 'time'>>

const ms = (x: unknown): number => typeof x === 'number' && Number.isFinite(x) && x > 0 ? x : 0

/**
 * A peer's waitMs is of two kinds (node/peer peer.ts): the wait to enter the run (its start, or the join round of a
 * joiner or a restarted peer) comes before the first round of a process's life, outside that round's roundMs; a hold
 * while cut off and a pause alone happen inside a round, so its roundMs holds them already. Adding every waitMs to
 * every roundMs counted those twice: a peer held 5 s in one round added 10 s to the whole, and every share shrank.
 * So the whole is each record's roundMs, plus the waitMs of a life's first record, plus (should a later record's wait
 * not fit in its round beside its compute and exchange) the part that does not. Every record counts, a round redone
 * after a restart too: that time was spent.
 */
export function timeSplit (peers: ReadonlyArray<readonly TimedRecord[]>): TimeShare {
  let compute = 0
  let comm = 0
  let wait = 0
  let whole = 0
  for (const rs of peers) {
    let prev: TimedRecord | undefined
    for (const r of rs) {
      const [c, m, w, round] = [ms(r.computeMs), ms(r.commMs), ms(r.waitMs), ms(r.roundMs)]
      compute += c
      comm += m
      wait += w
      whole += round + (startsLife(prev, r) ? w : Math.max(0, w - Math.max(0, round - c - m)))
      prev = r
    }
  }
  if (!(whole > 0)) return { compute: 0, communicate: 0, wait: 0, other: 0 }
  // compute + exchange + wait fit in the whole by construction; max(0) only absorbs float round-off
  const share = { compute: compute / whole, communicate: comm / whole, wait: wait / whole }
  return { ...share, other: Math.max(0, 1 - share.compute - share.communicate - share.wait) }
}

/**
 * The first record of a process's life: the file's first, or one written by a process that started after the record
 * before it was written (time − elapsedMs is when the process started; --resume appends to the same metrics.jsonl).
 */
function startsLife (prev: TimedRecord | undefined, r: TimedRecord): boolean {
  if (prev === undefined) return true
  if (typeof r.time !== 'number' || typeof r.elapsedMs !== 'number' || typeof prev.time !== 'number') return false
  return r.time - r.elapsedMs > prev.time
}

function quantile (sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]
}

export async function mergeCluster (opts: { out: string, config: RunConfig, peers: ClusterPeer[], wallSeconds: number }): Promise<ClusterSummary> {
  const { out, config, peers } = opts
  const raw = peers.map((p) => rawRecords(p.dataDir))
  const perPeer = raw.map(lastPerRound)
  const maxRound = Math.max(0, ...perPeer.map((rs) => rs.length > 0 ? rs[rs.length - 1].round : 0))
  const training = await prepareTraining(config)
  const lines: string[] = []
  const accPoints: Point[] = []
  const consPoints: Point[] = []
  let bytes = 0
  // the summary's figures, each from the last round that measured it: the peers evaluate their own models on their
  // --eval-every rounds and at the end, the averaged model is measured on snapshot rounds only (none with
  // --snapshot-every 0, and then it stays null rather than taking the peers' figures for its own)
  let lastAveraged: { accuracy: number | null, consensus: number | null } = { accuracy: null, consensus: null }
  let lastPeers: { min: number | null, mean: number | null } = { min: null, mean: null }
  const byRound = new Map<number, PeerRecord[]>()
  for (const rs of perPeer) for (const r of rs) byRound.set(r.round, [...(byRound.get(r.round) ?? []), r])
  const honest = peers.filter((p) => p.attacker !== true)
  const honestRecords = new Set(perPeer.filter((_, i) => peers[i].attacker !== true).flat())
  const dim = training.dim
  for (let round = 1; round <= maxRound; round++) {
    const rs = byRound.get(round) ?? []
    bytes += rs.reduce((s, r) => s + r.bytesThisRound, 0)
    const losses = rs.map((r) => r.trainLoss).filter((x) => Number.isFinite(x))
    const accs = rs.filter((r) => honestRecords.has(r)).map((r) => r.accuracy).filter((x): x is number => x !== null)
    const snaps = honest.map((p) => readSnapshot(snapshotPath(p.dataDir, round), dim)).filter((s): s is Float32Array => s !== undefined)
    let consensus: number | null = null
    let accuracy: number | null = null
    let testLoss: number | null = null
    if (snaps.length > 0) {
      const avg = new Float32Array(dim)
      consensus = meanAndSpread(snaps, avg)
      if (training.evaluate !== undefined) {
        const ev = training.evaluate(avg, config.evalLimit)
        accuracy = ev.accuracy
        testLoss = ev.loss
      }
    }
    const lambdas = rs.map((r) => r.lambda2).filter((x) => Number.isFinite(x)).sort((a, b) => a - b)
    const rec = {
      round,
      trainLoss: losses.length > 0 ? losses.reduce((a, b) => a + b, 0) / losses.length : null,
      accuracy,
      testLoss,
      peerAccuracyMin: accs.length > 0 ? Math.min(...accs) : null,
      peerAccuracyMean: accs.length > 0 ? accs.reduce((a, b) => a + b, 0) / accs.length : null,
      consensusDistance: consensus,
      bytesSent: bytes,
      bytesThisRound: rs.reduce((s, r) => s + r.bytesThisRound, 0),
      lambda2: lambdas.length > 0 ? quantile(lambdas, 0.5) : null,
      online: rs.length,
      snapshots: snaps.length,
      received: rs.reduce((s, r) => s + r.received, 0),
      missing: rs.reduce((s, r) => s + r.missing, 0),
      stale: rs.reduce((s, r) => s + r.stale, 0),
      computeMs: rs.length > 0 ? rs.reduce((s, r) => s + r.computeMs, 0) / rs.length : null,
      commMs: rs.length > 0 ? rs.reduce((s, r) => s + r.commMs, 0) / rs.length : null,
      roundMsMax: rs.length > 0 ? Math.max(...rs.map((r) => r.roundMs)) : null
    }
    lines.push(JSON.stringify(rec))
    if (accuracy !== null) accPoints.push({ x: round, y: accuracy, series: 'averaged model' })
    if (rec.peerAccuracyMin !== null) accPoints.push({ x: round, y: rec.peerAccuracyMin, series: 'worst peer' })
    if (consensus !== null) consPoints.push({ x: round, y: consensus, series: 'consensus distance' })
    if (accuracy !== null || consensus !== null) lastAveraged = { accuracy, consensus }
    if (rec.peerAccuracyMin !== null) lastPeers = { min: rec.peerAccuracyMin, mean: rec.peerAccuracyMean }
  }
  training.dispose()
  writeFileSync(join(out, 'metrics.jsonl'), lines.join('\n') + (lines.length > 0 ? '\n' : ''))
  const all = perPeer.flat()
  const roundTimes = all.map((r) => r.roundMs).sort((a, b) => a - b)
  const summary: ClusterSummary = {
    peers: peers.length,
    exitedCleanly: peers.filter((p) => p.exitCode === 0).length,
    rounds: maxRound,
    accuracy: lastAveraged.accuracy,
    peerAccuracyMin: lastPeers.min,
    peerAccuracyMean: lastPeers.mean,
    consensusDistance: lastAveraged.consensus,
    bytesSent: bytes,
    roundTimeP50: quantile(roundTimes, 0.5),
    roundTimeP95: quantile(roundTimes, 0.95),
    wallSeconds: opts.wallSeconds,
    timeShare: timeSplit(raw),
    peakRssMb: peers.map((p) => Math.round(p.peakRssMb)),
    peakRssMbMax: Math.max(0, ...peers.map((p) => p.peakRssMb)),
    exits: peers.map((p) => ({ slot: p.slot, exitCode: p.exitCode, signal: p.signal }))
  }
  writeFileSync(join(out, 'summary.json'), JSON.stringify(summary, null, 2) + '\n')
  if (accPoints.length > 0) {
    writeFileSync(join(out, 'accuracy.svg'), await lineChart({ title: `${peers.length} peer processes, ${config.topology}, ${config.algo} ${config.codec}: test accuracy`, xTitle: 'round', yTitle: 'accuracy', points: accPoints, markers: true }))
  }
  if (consPoints.length > 0) {
    writeFileSync(join(out, 'consensus.svg'), await lineChart({ title: `${peers.length} peer processes: consensus distance`, xTitle: 'round', yTitle: '(1/n) Σ‖x_i − x̄‖² (log)', points: consPoints, logY: true, markers: true }))
  }
  return summary
}
