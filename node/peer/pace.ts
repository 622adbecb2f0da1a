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
