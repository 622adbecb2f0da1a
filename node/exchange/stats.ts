/** Traffic and rejection counters of one exchange. */

import { REJECT_REASONS } from './reasons.ts'
import type { ExchangeStats, PeerTraffic, RejectReason } from './types.ts'

export class Counters {
  private readonly peers = new Map<string, PeerTraffic>()
  private readonly rejected = new Map<RejectReason, number>()
  late = 0
  early = 0
  sendsSkipped = 0
  streamsOpened = 0
  streamsOpenedNoCrc = 0
  streamsAccepted = 0
  lastRound = -1
  lastWaitMs = 0
  lastMissing: string[] = []

  peer (id: string): PeerTraffic {
    let p = this.peers.get(id)
    if (p === undefined) {
      p = { bytesIn: 0, bytesOut: 0, messagesIn: 0, messagesOut: 0, sendFailures: 0, rejected: 0 }
      this.peers.set(id, p)
    }
    return p
  }

  reject (reason: RejectReason): void {
    this.rejected.set(reason, (this.rejected.get(reason) ?? 0) + 1)
  }

  snapshot (): ExchangeStats {
    const peers: Record<string, PeerTraffic> = {}
    for (const [id, p] of this.peers) peers[id] = { ...p }
    const rejected = Object.fromEntries(REJECT_REASONS.map((r) => [r, this.rejected.get(r) ?? 0])) as Record<RejectReason, number>
    return {
      peers, rejected, late: this.late, early: this.early, sendsSkipped: this.sendsSkipped, streamsOpened: this.streamsOpened, streamsOpenedNoCrc: this.streamsOpenedNoCrc, streamsAccepted: this.streamsAccepted,
      lastRound: this.lastRound, lastWaitMs: this.lastWaitMs, lastMissing: [...this.lastMissing]
    }
  }
}
