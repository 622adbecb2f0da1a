/**
 * The membership rules as pure functions of what a peer has heard (docs/PROTOCOL.md § Membership, Rules): when a peer
 * counts as a member of a round, the round a joiner starts at, duplicate slots. No clock, no network: the
 * caller passes `now`, so every rule is tested without either.
 */
import type { Announcement, MemberState } from './message.ts'

/** What one peer knows about another (or about itself), from its latest announcement. */
export interface MemberRecord {
  id: string
  addrs: string[]
  slot: number
  round: number
  state: MemberState
  /** first round at which it is a member; undefined while a joiner has not decided */
  since?: number
  /** first round at which it is no longer a member (announced by a graceful leave) */
  until?: number
  seq: number
  /** clock reading (ms) of the latest accepted announcement */
  lastSeen: number
}

/** Member of `round` by its announced rounds alone: since ≤ round < until. */
export function memberAtRound (r: Pick<MemberRecord, 'since' | 'until'>, round: number): boolean {
  return r.since !== undefined && r.since <= round && (r.until === undefined || round < r.until)
}

/** Heard within the timeout. */
export function isLive (r: Pick<MemberRecord, 'lastSeen'>, now: number, timeoutMs: number): boolean {
  return now - r.lastSeen <= timeoutMs
}

/**
 * The record after an accepted announcement. A leaver keeps the first round it was known by (or 0 if it was
 * never heard before leaving: it was a member somewhere, so it counts until its leave takes effect).
 */
export function applyAnnouncement (prev: MemberRecord | undefined, a: Announcement, now: number): MemberRecord {
  const rec: MemberRecord = { id: a.id, addrs: a.addrs, slot: a.slot, round: a.round, state: a.state, seq: a.seq, lastSeen: now }
  if (a.state === 'leaving') {
    rec.since = prev?.since ?? 0
    rec.until = a.effectiveRound
  } else if (a.effectiveRound !== undefined) {
    rec.since = a.effectiveRound
  }
  return rec
}

/** Ordered (code-unit sort, as topologies' buildMemberGraph) ids of the live records that are members of `round`. */
export function membersAtRound (records: Iterable<MemberRecord>, round: number, now: number, timeoutMs: number): string[] {
  const ids: string[] = []
  for (const r of records) if (isLive(r, now, timeoutMs) && memberAtRound(r, round)) ids.push(r.id)
  return ids.sort()
}

/**
 * The round a joiner announces: R + lead, R the highest round of a live active member; 0 when no member is
 * active yet (the run has not started, so everyone heard so far starts together at round 0).
 */
export function joinRound (records: Iterable<MemberRecord>, now: number, timeoutMs: number, lead: number): number {
  let max = -1
  for (const r of records) if (r.state === 'active' && isLive(r, now, timeoutMs) && r.round > max) max = r.round
  return max < 0 ? 0 : max + lead
}

/** How many peers of the run this peer can reach now, and how many it lost without a word (see cutOff). */
export interface Reach {
  /** this peer and every live member that has not announced its leave */
  reachable: number
  /** members that went silent (timed out, no leave announced) and are still remembered */
  lost: number
}

/**
 * What this peer can see of the run: `records` are every other peer it remembers (timed-out ones are kept for
 * FORGET_AFTER_TIMEOUTS timeouts). A member that announced its leave is not lost, whether heard or not; nor is a
 * joiner that never became a member.
 */
export function reach (records: Iterable<MemberRecord>, now: number, timeoutMs: number): Reach {
  let reachable = 1
  let lost = 0
  for (const r of records) {
    if (r.until !== undefined || r.since === undefined) continue
    if (isLive(r, now, timeoutMs)) reachable++
    else lost++
  }
  return { reachable, lost }
}

/**
 * Cut off from most of the run: the members that went silent outnumber the ones this peer still hears (itself
 * included), so the likelier story is that its own network failed, not theirs. Training on alone would race
 * ahead on its own shard (no neighbour to wait for), and on reconnecting its round would pull every peer of
 * the run forward; so a cut-off peer holds (node/peer) until it hears them again or forgets them. Crashes look
 * the same from here: when most of the run was killed, the survivor holds until it forgets them (10 timeouts)
 * and then goes on. A split in equal halves is not a cut-off: both go on.
 */
export function cutOff (r: Reach): boolean {
  return r.lost > r.reachable
}

export interface SlotConflict {
  slot: number
  /** the ids claiming it, sorted */
  ids: string[]
}

/** Slots claimed by more than one of the given peers, by slot. */
export function slotConflicts (claims: Iterable<{ id: string, slot: number }>): SlotConflict[] {
  const bySlot = new Map<number, string[]>()
  for (const c of claims) {
    const ids = bySlot.get(c.slot)
    if (ids === undefined) bySlot.set(c.slot, [c.id])
    else ids.push(c.id)
  }
  return [...bySlot].filter(([, ids]) => ids.length > 1).map(([slot, ids]) => ({ slot, ids: ids.sort() })).sort((a, b) => a.slot - b.slot)
}
