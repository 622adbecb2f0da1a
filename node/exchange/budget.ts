/**
 * Per-peer rate limits, counted in the receiver's rounds rather than in wall time: a conforming neighbour
 * sends one message a round whatever the round length, so a budget per round fits fast and slow runs
 * alike. Every peer's budget is full again at each `round` call; between two calls a peer may start at
 * most `maxMessages` messages and send at most `maxBytes` frame bytes over all its streams. The usage map
 * holds the peers heard since the last call only.
 */

import { RateLimitedError } from './errors.ts'

export interface BudgetInit {
  maxMessages: number
  maxBytes: number
}

interface Usage { messages: number, bytes: number }

export class RoundBudget {
  private readonly maxMessages: number
  private readonly maxBytes: number
  private used = new Map<string, Usage>()

  constructor (init: BudgetInit) {
    this.maxMessages = init.maxMessages
    this.maxBytes = init.maxBytes
  }

  /** A new round: every peer may send its full budget again. */
  refill (): void {
    this.used = new Map()
  }

  /**
   * Charges one frame of `bytes` from `peer` (and a message when the frame opens one); throws
   * RateLimitedError when that goes over a budget. Called before the frame is parsed.
   */
  charge (peer: string, bytes: number, opensMessage: boolean): void {
    let u = this.used.get(peer)
    if (u === undefined) { u = { messages: 0, bytes: 0 }; this.used.set(peer, u) }
    u.bytes += bytes
    if (opensMessage) u.messages++
    if (u.messages > this.maxMessages) {
      throw new RateLimitedError(peer, 'messages', `${peer} started ${u.messages} messages since this peer's last round call, above maxMessagesPerRound ${this.maxMessages}`)
    }
    if (u.bytes > this.maxBytes) {
      throw new RateLimitedError(peer, 'bytes', `${peer} sent ${u.bytes} frame bytes since this peer's last round call, above maxBytesPerRound ${this.maxBytes}`)
    }
  }
}
