/**
 * How stale a neighbour's model may be in asynchronous gossip (`sync: 'async'`), counted where it matters:
 * in the RECEIVER's rounds since the message was first handed to it.
 *
 * AD-PSGD (Lian et al. 2018, "Asynchronous Decentralized Parallel Stochastic Gradient Descent", Alg. 1) always
 * mixes a neighbour's newest model, however many updates that neighbour is behind. Counting staleness in the
 * sender's rounds (r − frame.round) breaks that for a peer that is merely slow: a peer F times slower falls
 * ever further behind in round numbers, so after a while every neighbour drops it for good and a ring becomes
 * a path. Counting the receiver's rounds since arrival instead, a live neighbour F times slower sends a new
 * model every F rounds of ours, so its messages are F − 1 rounds old at most and it stays mixed for the
 * whole run whenever F − 1 ≤ staleness; only a neighbour gone silent (or F − 1 > staleness rounds slower)
 * ages out, and its weight then returns to the peer itself, so every row stays stochastic.
 *
 * Why the same message is mixed again while it is fresh enough, instead of once. Each round's W is doubly
 * stochastic, but peers run rounds at different rates and mix copies of different ages, so the plain mean
 * (1/n) Σ x_i is not preserved: a round moves it by (1/n) Σ_i Σ_j W_ij (x̂_j − x_j), where x̂_j is the copy i
 * mixed. In the fluid limit (peer i mixes at rate ρ_i, dx_i/dt = ρ_i Σ_j W_ij (x_j − x_i) − η ρ_i ∇f_i(x_i)),
 * what is preserved is the weighted mean with π_i ∝ 1/ρ_i (π solves π^T diag(ρ)(I − W) = 0 for symmetric W),
 * and it moves by −η Σ_i π_i ρ_i ∇f_i ∝ −η Σ_i ∇f_i: every peer's data counts alike, the slow peer's
 * included, because its fewer updates carry proportionally more weight in the consensus. That needs the
 * fast peers to pull towards the slow one at their own rate, i.e. to mix its newest model every round.
 * Mixing each message once (staleness 0) would pull only at the slow peer's rate on its edges: then π is
 * uniform and the mean moves by −η Σ_i ρ_i ∇f_i, weighting the slow peer's data F times less. A weight that
 * decays with age ("staleness-aware" rules) lies between the two and biases the data weights the same way,
 * so this rule keeps the full W_ij until the age bound and none after it. The price is the bias term above,
 * of the order of W_ij times the slow peer's drift during its round; it vanishes as the models agree.
 */

import type { Slot } from './common.ts'
import type { RejectionCounts } from './types.ts'

interface Seen { round: number, since: number }

export class MessageAges {
  private readonly seen = new Map<string, Seen>()

  /**
   * Drops from `slots` (counted as outOfStep) every frame first handed over more than `staleness` of this
   * peer's rounds before round `r`; a frame of another round than the last one seen from its sender is new
   * (age 0), whether its round is higher or, after the sender restarted from a checkpoint, lower. Forgets
   * peers that are no longer neighbours, so a rejoin starts afresh. A frame of round `finalRound` (the run's last) or
   * later never ages out: its sender finished the run and this is its final model, which it will not update (without
   * this, the first peer to finish left a slower neighbour training alone for its last rounds; seen as one fast peer of
   * an async cluster ending 25 rounds behind the other at 90.8 % where the other reached 95.7 %).
   */
  filter (r: number, slots: Slot[], staleness: number, counts: RejectionCounts, finalRound = Infinity): void {
    if (this.seen.size > slots.length) this.retain(slots)
    for (const slot of slots) {
      const frame = slot.frame
      if (frame === undefined) continue
      let s = this.seen.get(slot.id)
      if (s === undefined || s.round !== frame.round) {
        s = { round: frame.round, since: r }
        this.seen.set(slot.id, s)
      }
      if (r - s.since > staleness && frame.round < finalRound) {
        counts.outOfStep++
        slot.frame = undefined
      }
    }
  }

  clear (): void {
    this.seen.clear()
  }

  private retain (slots: Slot[]): void {
    const keep = new Set(slots.map((s) => s.id))
    for (const id of this.seen.keys()) if (!keep.has(id)) this.seen.delete(id)
  }
}
