/**
 * How fast a running run advances, as a peer about to join it hears it: a joiner starts far enough ahead that
 * every member hears its announcement before that round, and how far that is depends on the run's pace.
 *
 * Each member's announced round is compared with the round it announced when this peer first heard it, over the
 * time between the two announcements (their `lastSeen`, the membership's clock). The rounds a run had already
 * run before this peer listened are not progress: comparing against this peer's own round 0, as an earlier
 * version did, read a run at round 61 heard for a second as 61 rounds a second and put the joiner 63 rounds
 * ahead of it (past the end of a 120-round run). Only members that are active at both announcements count.
 */
import type { MemberView } from '../membership/index.ts'

type Heard = Pick<MemberView, 'id' | 'round' | 'lastSeen' | 'self' | 'live' | 'state'>

export class RoundPace {
  private readonly first = new Map<string, { round: number, at: number }>()
  private fastest: number | undefined
  /** two announcements of a member closer than this (ms) say nothing about the pace */
  private readonly minSpanMs: number

  constructor (minSpanMs: number) {
    this.minSpanMs = minSpanMs
  }

  /** Takes in the members' latest announcements (call it as often as convenient: repeats change nothing). */
  observe (view: readonly Heard[]): void {
    for (const v of view) {
      if (v.self || !v.live) continue
      // only a member running the run paces it: a joiner announces round 0 until its first round is done, then
      // its join round, a jump that is not progress; a restarted member (round going down) starts afresh
      if (v.state !== 'active') { this.first.delete(v.id); continue }
      const first = this.first.get(v.id)
      if (first === undefined || v.round < first.round) {
        this.first.set(v.id, { round: v.round, at: v.lastSeen })
        continue
      }
      const span = v.lastSeen - first.at
      if (span < this.minSpanMs) continue
      const rate = Math.max(0, v.round - first.round) / span
      if (this.fastest === undefined || rate > this.fastest) this.fastest = rate
    }
  }

  /** Rounds per ms of the fastest member heard twice far enough apart; undefined before any was. */
  roundsPerMs (): number | undefined {
    return this.fastest
  }
}

/**
 * The time this peer's recent rounds with neighbours took (local steps and exchange), for the pace it keeps
 * alone: a peer that gave up on the members it lost (node/peer holdWhileCutOff forgot them) and trains on
 * alone would run flat out, with no one to wait for, and if its network comes back, its round would pull
 * every peer of the run forward. At the run's pace before the cut, its round stays near theirs.
 */
export class RecentRoundTime {
  private readonly times: number[] = []
  private readonly keep: number

  constructor (keep = 32) {
    this.keep = keep
  }

  /** a round with neighbours took `ms` */
  observe (ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) return
    this.times.push(ms)
    if (this.times.length > this.keep) this.times.shift()
  }

  /** the median of the last `keep` rounds observed; undefined before any */
  medianMs (): number | undefined {
    if (this.times.length === 0) return undefined
    const sorted = [...this.times].sort((a, b) => a - b)
    const mid = sorted.length >> 1
    return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
  }
}
