/**
 * What an observer knows about a run, as a pure state machine: membership announcements and round summaries
 * go in (with the observer's clock), a WatchSnapshot comes out. No network and no timers, so every rule is tested
 * with plain values.
 *
 * - Members: the announcements' own rules (node/membership `applyAnnouncement`, `memberAtRound`); a member is
 *   live while heard within 3 of its heartbeats plus the round deadline, as peers judge each other. The heartbeat
 *   of each peer is measured from the gaps between its announcements.
 * - A peer's round: the rounds it completed, from its latest summary or its latest announcement, whichever is newer
 *   (both count alike: a peer announces R once R rounds are done, but only once a heartbeat, while it sends a summary
 *   every round or every --telemetry-every rounds). The run's round, the snapshot's `round`: the most rounds a live
 *   peer completed, so that it never lags the peer rows it comes with.
 * - The membership graph: the run's topology over the live members of that round, numbered by slot as the peers
 *   number it (node/membership `memberTopology`), with the spectrum of its W (topologies `mixingMatrix`, `describe`).
 * - Network figures of a round (mean and minimum accuracy of the peers' own models, mean training loss, the
 *   consensus distance from the peers' sketches, node/telemetry `consensusFromSketches`) are fixed once every
 *   live peer has reported the round, or the run is FINALIZE_LAG_ROUNDS further, or FINALIZE_AFTER_MS passed.
 * - The end of the run (RunEnd): once peers of the run were heard and none remains, each having left after its last
 *   round or gone silent, so that `murmur watch` can say so and stop instead of showing an empty network.
 */
import type { AgreedConfig } from '../../lib/experiment/index.ts'
import { applyAnnouncement, memberAtRound, memberTopology } from '../membership/index.ts'
import type { Announcement, MemberRecord } from '../membership/index.ts'
import { consensusFromSketches } from '../telemetry/index.ts'
import type { RoundSummary } from '../telemetry/index.ts'
import { describe as describeTopology, mixingMatrix } from '../../topologies/index.ts'
import {
  ASSUMED_HEARTBEAT_MS, FINALIZE_AFTER_MS, FORGET_AFTER_MS, FINALIZE_LAG_ROUNDS, MAX_EVENTS, MAX_PEERS, MAX_PENDING_ROUNDS, MAX_POINTS,
  MAX_SPECTRUM_NODES, PEER_TIMEOUT_MS, TIMEOUT_HEARTBEATS
} from './constants.ts'
import type {
  AccuracyPoint, ConsensusPoint, EventKind, GraphView, LossPoint, PeerRow, RunEnd, RunInfo, Series, WatchCounters, WatchEvent, WatchSnapshot
} from './types.ts'

export interface WatchModelInit {
  runId: string
  /** default PEER_TIMEOUT_MS */
  peerTimeoutMs?: number
  /** default MAX_POINTS */
  maxPoints?: number
  /** default MAX_EVENTS */
  maxEvents?: number
}

interface Member extends MemberRecord {
  configHash: string
  /** measured heartbeat period (ms) */
  heartbeatMs: number
  /** timed out and not heard since */
  silent: boolean
}

interface Reporter {
  latest: RoundSummary
  /** observer clock of the latest summary */
  at: number
  sendRate: number | null
}

interface PendingRound {
  created: number
  acc: number[]
  loss: number[]
  seed: number | undefined
  sketches: Float32Array[]
}

interface SpectrumCache { key: string, graph: GraphView | null, error: string | null }

export class WatchModel {
  readonly runId: string
  private readonly peerTimeoutMs: number
  private readonly maxPoints: number
  private readonly maxEvents: number
  private readonly members = new Map<string, Member>()
  private readonly reporters = new Map<string, Reporter>()
  private readonly configs = new Map<string, AgreedConfig>()
  private readonly pending = new Map<number, PendingRound>()
  private finalizedUpTo = -1
  private readonly events: WatchEvent[] = []
  private eventSeq = 0
  private readonly accuracy: Series<AccuracyPoint> = { base: 0, points: [] }
  private readonly consensus: Series<ConsensusPoint> = { base: 0, points: [] }
  private readonly loss: Series<LossPoint> = { base: 0, points: [] }
  private readonly counters: WatchCounters = { announcements: 0, summaries: 0, rejected: {}, ignored: {} }
  private spectrum: SpectrumCache | undefined
  private end: RunEnd | undefined

  constructor (init: WatchModelInit) {
    this.runId = init.runId
    this.peerTimeoutMs = init.peerTimeoutMs ?? PEER_TIMEOUT_MS
    this.maxPoints = init.maxPoints ?? MAX_POINTS
    this.maxEvents = init.maxEvents ?? MAX_EVENTS
  }

  /** a validated membership announcement (its signer checked by the caller) */
  announce (a: Announcement, now: number): void {
    this.counters.announcements++
    const prev = this.members.get(a.id)
    if (prev === undefined && this.members.size >= MAX_PEERS) { this.ignore('capacity'); return }
    if (prev !== undefined && a.seq <= prev.seq) { this.ignore('stale'); return }
    this.configs.set(a.configHash, a.config)
    const rec = applyAnnouncement(prev, a, now)
    const gap = prev === undefined ? undefined : now - prev.lastSeen
    const heartbeatMs = gap === undefined || prev === undefined ? ASSUMED_HEARTBEAT_MS
      // the largest recent gap, decaying slowly: a burst of announcements (join, leave) must not shorten the timeout
      : Math.max(20, Math.min(60_000, Math.max(gap, 0.95 * prev.heartbeatMs)))
    const m: Member = { ...rec, configHash: a.configHash, heartbeatMs, silent: false }
    this.members.set(a.id, m)
    if (prev === undefined) {
      if (this.runHash() !== undefined && a.configHash !== this.runHash()) this.event(now, 'refused', m, `peer ${short(a.id)} (slot ${a.slot}) runs another config of this run id: the peers refuse it`)
      else if (m.since === undefined) this.event(now, 'heard', m, `peer ${short(a.id)} (slot ${a.slot}) is heard, waiting to join`)
    }
    if (prev?.silent === true) this.event(now, 'back', m, `peer ${short(a.id)} (slot ${a.slot}) is heard again`)
    if (m.since !== undefined && m.until === undefined && prev?.since !== m.since) {
      this.event(now, 'join', m, `peer ${short(a.id)} (slot ${a.slot}) joins at round ${m.since}`)
    }
    if (m.until !== undefined && prev?.until !== m.until) {
      // rounds counted as the progress lines, metrics and summaries count them (completed, 1-based): it works round index
      // until − 1 last, so it leaves once `until` rounds are done, and the other peers say it is gone from round `until`
      this.event(now, 'leave', m, `peer ${short(a.id)} (slot ${a.slot}) leaves after round ${m.until}`)
    }
  }

  /** a validated round summary (its signer checked by the caller) */
  summary (s: RoundSummary, now: number): void {
    this.counters.summaries++
    const prev = this.reporters.get(s.id)
    if (prev === undefined && this.reporters.size >= MAX_PEERS) { this.ignore('capacity'); return }
    if (prev !== undefined && s.round <= prev.latest.round) { this.ignore('stale'); return }
    const dt = prev === undefined ? 0 : s.time - prev.latest.time
    const sendRate = prev !== undefined && dt > 0 ? (s.bytesSent - prev.latest.bytesSent) / (dt / 1000) : prev?.sendRate ?? null
    this.reporters.set(s.id, { latest: s, at: now, sendRate })
    const member = this.members.get(s.id)
    if (member !== undefined && this.runHash() !== undefined && member.configHash !== this.runHash()) { this.ignore('config'); return }
    if (s.round <= this.finalizedUpTo) { this.ignore('late'); this.finalize(now); return }
    let p = this.pending.get(s.round)
    if (p === undefined) {
      p = { created: now, acc: [], loss: [], seed: undefined, sketches: [] }
      this.pending.set(s.round, p)
    }
    if (s.accuracy !== null && s.accuracyRound === s.round) p.acc.push(s.accuracy)
    if (s.trainLoss !== null) p.loss.push(s.trainLoss)
    if (s.sketch !== null) {
      // sketches are comparable only under one map: keep the first map of the round (all peers of a run agree on it)
      if (p.seed === undefined) p.seed = s.sketch.seed
      if (s.sketch.seed === p.seed) p.sketches.push(s.sketch.values)
      else this.ignore('sketch-seed')
    }
    this.finalize(now)
  }

  /** malformed input, by topic and fault */
  reject (topic: 'summary' | 'announcement', fault: string): void {
    const k = `${topic}:${fault}`
    this.counters.rejected[k] = (this.counters.rejected[k] ?? 0) + 1
  }

  /** the passage of time: silences, and rounds whose figures are due */
  tick (now: number): void {
    for (const m of this.members.values()) {
      if (!m.silent && m.until === undefined && !this.isLive(m, now)) {
        m.silent = true
        this.event(now, 'silent', m, `peer ${short(m.id)} (slot ${m.slot}) went silent (last heard ${((now - m.lastSeen) / 1000).toFixed(1)} s ago)`)
      }
    }
    // before forgetting: the end is judged on the peers it was heard from, and stays once they are forgotten
    this.checkEnd(now)
    for (const [id, m] of this.members) if (now - m.lastSeen > FORGET_AFTER_MS && now - (this.reporters.get(id)?.at ?? 0) > FORGET_AFTER_MS) this.members.delete(id)
    for (const [id, r] of this.reporters) if (now - r.at > FORGET_AFTER_MS && !this.members.has(id)) this.reporters.delete(id)
    this.finalize(now)
  }

  /**
   * The observer itself could not listen for `ms` up to `now` (its process was stopped or its machine slept): every
   * peer's last-heard time moves on by as much, so that the pause is not taken for the peers' silence (nor for the
   * run's end), and the peers have their usual timeout from now to be heard again.
   */
  stalled (ms: number, now: number): void {
    if (!(ms > 0)) return
    for (const m of this.members.values()) m.lastSeen = Math.min(now, m.lastSeen + ms)
    for (const r of this.reporters.values()) r.at = Math.min(now, r.at + ms)
    for (const p of this.pending.values()) p.created = Math.min(now, p.created + ms)
    this.event(now, 'stalled', { id: '', slot: null, round: runRound(this.peerRows(now)) ?? 0 },
      `this observer was stopped for ${(ms / 1000).toFixed(1)} s (suspended, or its machine slept): that time is not counted against the peers`)
  }

  snapshot (now: number): WatchSnapshot {
    const run = this.runInfo()
    const peers = this.peerRows(now)
    const current = runRound(peers)
    const memberIds = new Set(current === null ? [] : this.membersOf(current, now).map((m) => m.id))
    for (const p of peers) p.member = memberIds.has(p.id)
    const { graph, error } = current === null || run === null ? { graph: null, error: null } : this.graphOf(current, now, run)
    return {
      runId: this.runId,
      time: now,
      run,
      round: current,
      peers,
      graph,
      graphError: error,
      accuracy: last(this.accuracy),
      consensus: last(this.consensus),
      loss: last(this.loss),
      series: { accuracy: copySeries(this.accuracy), consensus: copySeries(this.consensus), loss: copySeries(this.loss) },
      events: [...this.events],
      counters: { ...this.counters, rejected: { ...this.counters.rejected }, ignored: { ...this.counters.ignored } },
      ended: this.end === undefined ? null : { ...this.end }
    }
  }

  private isLive (m: Member, now: number): boolean {
    const deadline = Number(this.configs.get(m.configHash)?.roundDeadlineMs ?? 0)
    return now - m.lastSeen <= TIMEOUT_HEARTBEATS * m.heartbeatMs + (Number.isFinite(deadline) ? deadline : 0)
  }

  /** the config hash most live members announce: the run's (`silentToo`: most members, silent or not) */
  private runHash (silentToo = false): string | undefined {
    const counts = new Map<string, number>()
    for (const m of this.members.values()) if (silentToo || !m.silent) counts.set(m.configHash, (counts.get(m.configHash) ?? 0) + 1)
    let best: string | undefined
    let most = 0
    for (const [h, c] of counts) if (c > most) { best = h; most = c }
    return best
  }

  private runInfo (): RunInfo | null {
    const h = this.runHash()
    const c = h === undefined ? undefined : this.configs.get(h)
    if (c === undefined) return null
    return {
      topology: String(c.topology ?? 'ring'),
      weights: String(c.weights ?? 'metropolis'),
      algo: String(c.algo ?? ''),
      codec: String(c.codec ?? ''),
      peers: Number(c.peers ?? 0),
      rounds: Number(c.rounds ?? 0),
      seed: Number(c.seed ?? 0)
    }
  }

  private runMembers (now: number): Member[] {
    const h = this.runHash()
    return [...this.members.values()].filter((m) => m.configHash === h && this.isLive(m, now))
  }

  private membersOf (round: number, now: number): Member[] {
    return this.runMembers(now).filter((m) => memberAtRound(m, round))
  }

  private graphOf (round: number, now: number, run: RunInfo): { graph: GraphView | null, error: string | null } {
    const members = this.membersOf(round, now)
    if (members.length === 0) return { graph: null, error: null }
    const c = this.configs.get(this.runHash() ?? '') ?? {}
    const rows = typeof c.rows === 'number' ? c.rows : undefined
    const key = [run.topology, run.weights, run.seed, rows, ...members.map((m) => `${m.id}:${m.slot}`).sort()].join('|')
    if (this.spectrum?.key !== key) {
      try {
        const topo = memberTopology(round, members.map((m) => ({ id: m.id, slot: m.slot })), run.topology, run.seed, members[0].id, { rows, order: 'slot' })
        const nodes = topo.ids.map((id) => ({ id, slot: (this.members.get(id) as Member).slot }))
        const edges: GraphView['edges'] = []
        topo.graph.adjacency.forEach((adj, i) => { for (const j of adj) if (i < j) edges.push({ source: topo.ids[i], target: topo.ids[j], bytes: 0 }) })
        let spectrum: { lambda2: number | null, gap: number | null, eigenvalues: number[] | null } = { lambda2: null, gap: null, eigenvalues: null }
        if (topo.graph.n <= MAX_SPECTRUM_NODES) {
          const d = describeTopology(topo.graph, mixingMatrix(topo.graph, run.weights))
          spectrum = { lambda2: d.lambda2, gap: d.spectralGap, eigenvalues: d.eigenvalues }
        }
        this.spectrum = { key, graph: { round, nodes, edges, ...spectrum }, error: null }
      } catch (err) {
        this.spectrum = { key, graph: null, error: `${(err as Error).name}: ${(err as Error).message}` }
      }
    }
    const cached = this.spectrum as SpectrumCache
    if (cached.graph === null) return { graph: null, error: cached.error }
    const edges = cached.graph.edges.map((e) => ({ ...e, bytes: Math.max(this.linkBytes(e.source, e.target), this.linkBytes(e.target, e.source)) }))
    return { graph: { ...cached.graph, round, edges }, error: null }
  }

  /** bytes `from` reports having exchanged with `to` (in + out, cumulative) */
  private linkBytes (from: string, to: string): number {
    const l = this.reporters.get(from)?.latest.links.find((x) => x.id === to)
    return l === undefined ? 0 : l.in + l.out
  }

  /** the peers' rows; `member` is false until the caller knows the round (snapshot) */
  private peerRows (now: number): PeerRow[] {
    const ids = new Set([...this.members.keys(), ...this.reporters.keys()])
    const h = this.runHash()
    const rows: PeerRow[] = []
    for (const id of ids) {
      const m = this.members.get(id)
      if (m !== undefined && h !== undefined && m.configHash !== h) continue
      const r = this.reporters.get(id)
      const s = r?.latest
      const reporting = r !== undefined && now - r.at <= this.peerTimeoutMs
      const live = m !== undefined ? this.isLive(m, now) : reporting
      // a leaver has left once it reported its last round (summary `until`) or stopped announcing: it said goodbye, so it
      // is "left", never "silent", and no longer a live peer of the run
      const left = m?.until !== undefined && (!live || (s?.round ?? -1) >= m.until)
      const status = left ? 'left' : !live ? 'silent' : m === undefined ? 'active' : m.state
      rows.push({
        id,
        slot: s?.slot ?? m?.slot ?? -1,
        status,
        member: false,
        round: roundOf(m, s),
        trainLoss: s?.trainLoss ?? null,
        accuracy: s?.accuracy ?? null,
        accuracyRound: s?.accuracyRound ?? null,
        degree: s?.degree ?? null,
        lambda2: s?.lambda2 ?? null,
        bytesSent: s?.bytesSent ?? 0,
        sendRate: r?.sendRate ?? null,
        roundMs: s?.roundMs ?? null,
        computeMs: s?.computeMs ?? null,
        commMs: s?.commMs ?? null,
        waitMs: s?.waitMs ?? null,
        age: r === undefined ? null : now - r.at
      })
    }
    return rows.sort((a, b) => a.slot - b.slot || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
  }

  /**
   * Sets the run's end once no peer of it remains (see `remains`), with an 'ended' event; clears it when one does
   * again (the run resumed under the same id). Peers of the run: the members of its config, even silent, and the
   * authors of summaries that never announced.
   */
  private checkEnd (now: number): void {
    const h = this.runHash() ?? this.runHash(true)
    const ids = [...this.members.values()].filter((m) => m.configHash === h).map((m) => m.id)
    for (const id of this.reporters.keys()) if (!this.members.has(id)) ids.push(id)
    if (ids.some((id) => this.remains(id, now))) { this.end = undefined; return }
    if (this.end !== undefined || ids.length === 0) return
    let round = 0
    let left = 0
    for (const id of ids) {
      const m = this.members.get(id)
      if (m?.until !== undefined) left++
      round = Math.max(round, roundOf(m, this.reporters.get(id)?.latest))
    }
    const silent = ids.length - left
    const peers = (n: number): string => `${n} ${n === 1 ? 'peer' : 'peers'}`
    const text = `run ended at round ${round}: ${left > 0 ? `${peers(left)} left${silent > 0 ? `, ${silent} went silent` : ''}` : `${peers(silent)} went silent`}`
    this.end = { time: now, round, left, silent, text }
    this.event(now, 'ended', { id: '', slot: null, round }, text)
  }

  /**
   * Still part of the run: not a leaver that has reported its last round (a leaver announces its leave a round early
   * when stopped, and works that round first), and live by the members' rule or heard within the peer timeout. The
   * longer of the two holds for a silent peer, so that a network hiccup of the observer's does not end the run.
   */
  private remains (id: string, now: number): boolean {
    const m = this.members.get(id)
    const r = this.reporters.get(id)
    // summary round R is written once R rounds are done; a leaver's last round is until − 1, so its last summary is `until`
    if (m?.until !== undefined && (r?.latest.round ?? -1) >= m.until) return false
    const heard = Math.max(m?.lastSeen ?? -Infinity, r?.at ?? -Infinity)
    return (m !== undefined && this.isLive(m, now)) || now - heard <= this.peerTimeoutMs
  }

  /** fixes the figures of every pending round that is due, oldest first (curves stay ordered by round) */
  private finalize (now: number): void {
    const rounds = [...this.pending.keys()].sort((a, b) => a - b)
    let maxRound = -1
    for (const r of this.reporters.values()) maxRound = Math.max(maxRound, r.latest.round)
    const members = this.runMembers(now)
    const liveReporters = [...this.reporters.entries()].filter(([, r]) => now - r.at <= this.peerTimeoutMs)
    // summary round r is written by the members of round index r − 1: each live one, and each live reporter, must be past it
    const reported = (round: number): boolean =>
      members.every((m) => !memberAtRound(m, round - 1) || (this.reporters.get(m.id)?.latest.round ?? -1) >= round) &&
      liveReporters.every(([, r]) => r.latest.round >= round)
    for (const round of rounds) {
      const p = this.pending.get(round) as PendingRound
      const due = round <= maxRound - FINALIZE_LAG_ROUNDS || now - p.created >= FINALIZE_AFTER_MS ||
        this.pending.size > MAX_PENDING_ROUNDS || reported(round)
      if (!due) break
      this.pending.delete(round)
      this.finalizedUpTo = round
      if (p.acc.length > 0) push(this.accuracy, { round, mean: mean(p.acc), min: Math.min(...p.acc), peers: p.acc.length }, this.maxPoints)
      if (p.loss.length > 0) push(this.loss, { round, mean: mean(p.loss), peers: p.loss.length }, this.maxPoints)
      if (p.sketches.length >= 2) push(this.consensus, { round, value: consensusFromSketches(p.sketches), peers: p.sketches.length }, this.maxPoints)
    }
  }

  private event (time: number, kind: EventKind, m: Pick<WatchEvent, 'id' | 'slot' | 'round'>, text: string): void {
    this.events.push({ seq: ++this.eventSeq, time, kind, id: m.id, slot: m.slot, round: m.round, text })
    if (this.events.length > this.maxEvents) this.events.splice(0, this.events.length - this.maxEvents)
  }

  private ignore (why: string): void {
    this.counters.ignored[why] = (this.counters.ignored[why] ?? 0) + 1
  }
}

/**
 * Rounds a peer completed: its latest summary's or its latest announcement's, whichever is newer. Both count the
 * same way (a peer announces R, and summarises R, once R rounds are done), but announcements go out once a heartbeat
 * and summaries every --telemetry-every rounds, so either can be the older.
 */
function roundOf (m: Pick<MemberRecord, 'round'> | undefined, s: Pick<RoundSummary, 'round'> | undefined): number {
  return Math.max(s?.round ?? 0, m?.round ?? 0)
}

/** the run's round as the snapshot reports it: the most rounds a live peer completed (null: no live peer) */
function runRound (peers: PeerRow[]): number | null {
  let r: number | null = null
  for (const p of peers) if (livePeer(p) && (r === null || p.round > r)) r = p.round
  return r
}

/** a peer row that counts among the run's live peers: neither gone silent nor left */
export function livePeer (p: Pick<PeerRow, 'status'>): boolean {
  return p.status !== 'silent' && p.status !== 'left'
}

/** the last 8 characters of a peer id (every Ed25519 PeerId starts with the same '12D3KooW') */
export function short (id: string): string {
  return id.length <= 12 ? id : `…${id.slice(-8)}`
}

function push<P> (s: Series<P>, p: P, max: number): void {
  s.points.push(p)
  if (s.points.length > max) {
    const drop = s.points.length - Math.floor(max / 2)
    s.points.splice(0, drop)
    s.base += drop
  }
}

function copySeries<P> (s: Series<P>): Series<P> {
  return { base: s.base, points: [...s.points] }
}

function last<P> (s: Series<P>): P | null {
  return s.points.length === 0 ? null : s.points[s.points.length - 1]
}

function mean (xs: number[]): number {
  let t = 0
  for (const x of xs) t += x
  return t / xs.length
}
