/**
 * Which round messages are wanted, and where they wait. The window is [r, r + window] around the round r of
 * the last `round` call: round r's messages from its neighbours are collected while it waits; later rounds
 * within the window are buffered (at most one per sender and round, at most `maxEarly` in all) and handed
 * over when their round is called, if the sender is a neighbour then; anything for a round that has
 * resolved or was skipped is late; rounds beyond the window are refused. A sender's rounds only grow (its
 * outbox writes them in order), so a round at or below the highest one already received from it is a
 * duplicate (the same round) or a replay (an older one), never delivered. No I/O and no clock: the exchange
 * drives it and counts the verdicts.
 */

import type { Received } from '../../lib/algorithms/index.ts'
import type { ExchangeRejectReason } from './types.ts'

export type Verdict = 'current' | 'early' | 'late' | 'notNeighbour' | 'tooEarly' | 'duplicate' | 'replay' | 'earlyFull'

/** A buffered message that `begin` could not hand to its round. */
export interface Dropped { from: string, verdict: Verdict }

/** The verdicts that refuse a message (the others file it). */
export function isRefusal (v: Verdict): v is Verdict & ExchangeRejectReason {
  return v !== 'current' && v !== 'early' && v !== 'late'
}

export interface InboxInit {
  window: number
  maxEarly: number
}

export class Inbox {
  private readonly window: number
  private readonly maxEarly: number
  /** round of the last call, −1 before the first */
  private current = -1
  private waiting = false
  private members = new Set<string>()
  private arrived = new Map<string, Received>()
  /** neighbours whose message of the waiting round was refused for its content: not waited for any longer */
  private forfeited = new Set<string>()
  /** the same for rounds not called yet (counted in earlyCount, so bounded like the buffer) */
  private readonly earlyForfeits = new Map<number, Set<string>>()
  private readonly early = new Map<number, Map<string, Received>>()
  private earlyCount = 0
  /** the highest round received whole from each sender that is a neighbour or has a message buffered */
  private readonly seen = new Map<string, number>()
  /** called when the waiting round has a message from every neighbour */
  onComplete: (() => void) | undefined

  constructor (init: InboxInit) {
    this.window = init.window
    this.maxEarly = init.maxEarly
  }

  get round (): number { return this.current }
  get active (): boolean { return this.waiting }
  get complete (): boolean { return this.arrived.size + this.forfeited.size === this.members.size }

  /** Where a message of `round` from `from` would go now (without storing it). */
  classify (from: string, round: number): Verdict {
    if (this.current >= 0 && round === this.current && !this.members.has(from)) return 'notNeighbour'
    const last = this.seen.get(from)
    if (last !== undefined && round <= last) return round === last ? 'duplicate' : 'replay'
    if (this.current >= 0) {
      if (round < this.current || (round === this.current && !this.waiting)) return 'late'
      if (round === this.current) return this.arrived.has(from) ? 'duplicate' : 'current'
      if (round > this.current + this.window) return 'tooEarly'
    }
    if (this.early.get(round)?.has(from) === true) return 'duplicate'
    return this.earlyCount >= this.maxEarly ? 'earlyFull' : 'early'
  }

  /** Records that a whole message of `round` came from `from` without being stored (read through as late). */
  note (from: string, round: number): void {
    if (round > (this.seen.get(from) ?? -1)) this.seen.set(from, round)
  }

  /**
   * A whole message of `round` from `from` that the receiver cannot use (a malformed or non-finite model):
   * if it was the waiting round's message of a neighbour, the round stops waiting for that neighbour (it is
   * reported missing), so a peer sending unusable models does not hold its neighbours to the deadline. A
   * usable message of that round arriving later is still taken; one of a later round is remembered for it.
   */
  forfeit (from: string, round: number): void {
    if (round > this.current && round <= this.current + this.window && this.earlyCount < this.maxEarly) {
      let slot = this.earlyForfeits.get(round)
      if (slot === undefined) { slot = new Set(); this.earlyForfeits.set(round, slot) }
      if (!slot.has(from)) { slot.add(from); this.earlyCount++ }
      return
    }
    if (!this.waiting || round !== this.current || !this.members.has(from) || this.arrived.has(from) || this.forfeited.has(from)) return
    this.forfeited.add(from)
    if (this.complete) this.onComplete?.()
  }

  /** Stores a whole message if it is wanted; returns the verdict. */
  deliver (from: string, round: number, degree: number, payload: Uint8Array): Verdict {
    const verdict = this.classify(from, round)
    if (!isRefusal(verdict)) this.note(from, round)
    const message: Received = { from: { id: from }, degree, payload }
    if (verdict === 'current') {
      // a usable message after an unusable one of the same round is mixed after all
      this.forfeited.delete(from)
      this.arrived.set(from, message)
      if (this.complete) this.onComplete?.()
    } else if (verdict === 'early') {
      let slot = this.early.get(round)
      if (slot === undefined) { slot = new Map(); this.early.set(round, slot) }
      slot.set(from, message)
      this.earlyCount++
    }
    return verdict
  }

  /**
   * Starts waiting for round r from `neighbours`: buffered messages of r move in (verdicts of those that
   * cannot are returned), buffered ones of earlier rounds are late, and those beyond the new window too early.
   */
  begin (r: number, neighbours: readonly string[]): Dropped[] {
    this.current = r
    this.waiting = true
    this.members = new Set(neighbours)
    this.arrived = new Map()
    this.forfeited = new Set()
    const dropped: Dropped[] = []
    for (const [round, slot] of this.early) {
      if (round > r + this.window) {
        for (const from of slot.keys()) dropped.push({ from, verdict: 'tooEarly' })
      } else if (round < r) {
        for (const from of slot.keys()) dropped.push({ from, verdict: 'late' })
      } else if (round === r) {
        for (const [from, m] of slot) {
          if (this.members.has(from)) this.arrived.set(from, m)
          else dropped.push({ from, verdict: 'notNeighbour' })
        }
      } else {
        continue
      }
      this.earlyCount -= slot.size
      this.early.delete(round)
    }
    for (const [round, slot] of this.earlyForfeits) {
      if (round > r && round <= r + this.window) continue
      if (round === r) for (const from of slot) if (this.members.has(from) && !this.arrived.has(from)) this.forfeited.add(from)
      this.earlyCount -= slot.size
      this.earlyForfeits.delete(round)
    }
    this.forgetStrangers()
    return dropped
  }

  /** Keeps the replay memory to the neighbours and the senders of buffered messages, so it stays bounded. */
  private forgetStrangers (): void {
    for (const id of this.seen.keys()) {
      if (this.members.has(id)) continue
      let buffered = false
      for (const slot of this.early.values()) if (slot.has(id)) { buffered = true; break }
      for (const slot of this.earlyForfeits.values()) if (slot.has(id)) { buffered = true; break }
      if (!buffered) this.seen.delete(id)
    }
  }

  /** Stops waiting; returns what arrived in the order of `neighbours` and who is missing. */
  end (neighbours: readonly string[]): { received: Received[], missing: string[] } {
    this.waiting = false
    const received: Received[] = []
    const missing: string[] = []
    for (const id of neighbours) {
      const m = this.arrived.get(id)
      if (m === undefined) missing.push(id)
      else received.push(m)
    }
    this.arrived = new Map()
    this.forfeited = new Set()
    return { received, missing }
  }
}
