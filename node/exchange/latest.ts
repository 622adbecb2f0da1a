/**
 * The newest round message of each neighbour, for asynchronous gossip (`--sync async`, AD-PSGD-style: Lian
 * et al. 2018). In that mode the exchange never waits: `round(r)` sends and at once hands the algorithm the
 * newest whole message each current neighbour has sent, whatever its round; the algorithm decides what is too
 * stale to mix (lib/algorithms staleness.ts: a message handed over in more than `staleness` of the receiver's
 * rounds; the sender's round does not matter, so a slow but live neighbour stays mixed). A message is wanted only
 * when it is newer than the one held, so a slow link delivers the latest model and never a backlog. No I/O and no
 * clock: the exchange drives it.
 *
 * It also decides whom to send to (`shouldSend`): a neighbour that keeps up with this peer gets every round, and one
 * that lags far behind (a slow peer) gets a new model only once it has moved on since the last one it was sent,
 * about once per round of its own. Sent every round, a 3x slower neighbour would receive, decrypt and throw away
 * two models out of three, on the CPU it is short of; the one it mixes is still at most about one of its rounds old.
 */

import type { Received } from '../../lib/algorithms/index.ts'

interface Held { round: number, message: Received }

/** the last send to a neighbour: this peer's round, and the neighbour's newest round held then */
interface Sent { round: number, theirs: number | undefined }

/** A lagging neighbour that has not moved on is still sent a model every this many rounds. */
export const KEEPALIVE_ROUNDS = 8

export class LatestMessages {
  private readonly held = new Map<string, Held>()
  private readonly sent = new Map<string, Sent>()

  /** whether a message of `round` from `from` is newer than the one held (checked at its first chunk) */
  wants (from: string, round: number): boolean {
    const h = this.held.get(from)
    return h === undefined || round > h.round
  }

  /** keeps a whole message if it is the newest of its sender; returns whether it was kept */
  put (from: string, round: number, degree: number, payload: Uint8Array): boolean {
    if (!this.wants(from, round)) return false
    this.held.set(from, { round, message: { from: { id: from }, degree, payload } })
    return true
  }

  /** the round of the newest message held from `from` (undefined when none) */
  roundOf (from: string): number | undefined {
    return this.held.get(from)?.round
  }

  /**
   * The newest message of each of `neighbours` that has sent one, in their order. The same message is handed
   * out again until a newer one arrives: its payload is read-only, as every Received payload is.
   */
  latest (neighbours: readonly string[]): Received[] {
    const out: Received[] = []
    for (const id of neighbours) {
      const h = this.held.get(id)
      if (h !== undefined) out.push(h.message)
    }
    return out
  }

  /**
   * Whether this peer's round `r` model should go to `to`: yes when nothing was sent to it yet or nothing was heard
   * from it, when its newest round is at most one behind `r` (it keeps up), when it has sent a newer round since
   * the last send to it, or when that send is KEEPALIVE_ROUNDS old.
   */
  shouldSend (to: string, r: number): boolean {
    const theirs = this.held.get(to)?.round
    const last = this.sent.get(to)
    if (theirs === undefined || last === undefined) return true
    return theirs >= r - 1 || theirs !== last.theirs || r - last.round >= KEEPALIVE_ROUNDS
  }

  /** the round of the last model sent to `to` (−1 when none) */
  lastSentRound (to: string): number {
    return this.sent.get(to)?.round ?? -1
  }

  /** records that this peer's round `r` model went to `to` */
  markSent (to: string, r: number): void {
    this.sent.set(to, { round: r, theirs: this.held.get(to)?.round })
  }

  /** forgets the peers that are not in `neighbours` (they left the graph; a rejoin starts afresh) */
  retain (neighbours: readonly string[]): void {
    if (this.held.size === 0 && this.sent.size === 0) return
    const keep = new Set(neighbours)
    for (const id of this.held.keys()) if (!keep.has(id)) this.held.delete(id)
    for (const id of this.sent.keys()) if (!keep.has(id)) this.sent.delete(id)
  }
}
