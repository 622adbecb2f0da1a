/**
 * Lowering a peer's gossipsub score for faults murmur itself detects (a rejected membership announcement, a
 * refused gossip frame). Gossipsub's own penalties do not cover them: P4 (invalid message deliveries) counts
 * only on topics with score parameters, and murmur's topics are named per run; P7 (behaviour penalty) belongs
 * to the router's own checks and decays to a fifth every second. So murmur keeps its own decaying count per
 * peer and feeds it to gossipsub as the application-specific score P5 (constants.ts has the weights and what
 * each level does).
 */
import type { PeerId } from '@libp2p/interface'
import { MAX_PENALIZED_PEERS, PENALTY_FORGET_BELOW, PENALTY_HALF_LIFE_MS, PENALTY_SCORE_WEIGHT } from './constants.ts'
import { UnscoredPubSubError } from './errors.ts'
import { dropCachedScore, gossipScore } from './pubsub.ts'
import type { PubSub } from './pubsub.ts'

export interface PenaltyStats {
  /** penalties given since start, all peers */
  total: number
  /** penalties given since start, by the reason the caller named */
  byReason: Record<string, number>
  /** peers with a penalty count that has not decayed away */
  peers: number
}

interface Entry { count: number, at: number }

/** Per-peer penalty counts with exponential decay; the P5 score of a peer is −weight · count². */
export class PenaltyTable {
  private readonly entries = new Map<string, Entry>()
  private readonly reasons = new Map<string, number>()
  private total = 0
  private readonly now: () => number
  private readonly halfLifeMs: number
  private readonly weight: number

  constructor (opts: { now?: () => number, halfLifeMs?: number, weight?: number } = {}) {
    this.now = opts.now ?? Date.now
    this.halfLifeMs = opts.halfLifeMs ?? PENALTY_HALF_LIFE_MS
    this.weight = opts.weight ?? PENALTY_SCORE_WEIGHT
  }

  /** Adds `units` faults (default 1) to a peer's count. */
  add (id: string, reason: string, units = 1): void {
    const now = this.now()
    const count = this.count(id, now) + units
    // re-inserted so that Map order is least recently penalised first
    this.entries.delete(id)
    this.entries.set(id, { count, at: now })
    this.reasons.set(reason, (this.reasons.get(reason) ?? 0) + 1)
    this.total++
    if (this.entries.size > MAX_PENALIZED_PEERS) this.prune(now)
  }

  /** The peer's decayed penalty count. */
  count (id: string, now = this.now()): number {
    const e = this.entries.get(id)
    if (e === undefined) return 0
    const c = e.count * Math.pow(2, -(now - e.at) / this.halfLifeMs)
    if (c < PENALTY_FORGET_BELOW) { this.entries.delete(id); return 0 }
    return c
  }

  /** Gossipsub's P5 for the peer (≤ 0). */
  score (id: string): number {
    const c = this.count(id)
    return c === 0 ? 0 : -this.weight * c * c
  }

  stats (): PenaltyStats {
    const now = this.now()
    let peers = 0
    for (const id of [...this.entries.keys()]) if (this.count(id, now) > 0) peers++
    return { total: this.total, byReason: Object.fromEntries(this.reasons), peers }
  }

  private prune (now: number): void {
    for (const id of [...this.entries.keys()]) this.count(id, now)
    for (const id of this.entries.keys()) {
      if (this.entries.size <= MAX_PENALIZED_PEERS) break
      this.entries.delete(id)
    }
  }
}

const tables = new WeakMap<PubSub, PenaltyTable>()

/** Called by createPubSub: the table whose scores the gossipsub instance reads as P5. */
export function registerPenaltyTable (pubsub: PubSub, table: PenaltyTable): void {
  tables.set(pubsub, table)
}

function tableOf (pubsub: PubSub): PenaltyTable {
  const t = tables.get(pubsub)
  if (t === undefined) throw new UnscoredPubSubError('penalizePeer: this pubsub service was not built by node/p2p createPubSub, so it has no murmur penalty score; build the node with createPeerNode')
  return t
}

/** Anything holding murmur's pubsub service: a PeerNode, or the components of membership and the exchange. */
export interface PubSubHolder { services: { pubsub: PubSub } }

/**
 * Lowers `peerId`'s gossipsub score for a fault murmur detected (`reason` names it in the counters, e.g.
 * 'membership:json'; `units` weighs it, default 1). Takes effect at once: gossipsub's cached score of the
 * peer (kept a heartbeat) and its "accept from" whitelist entry are dropped. Returns the peer's gossipsub score afterwards
 * (0 while gossipsub does not know the peer: the penalty applies once it does, decaying meanwhile).
 */
export function penalizePeer (node: PubSubHolder, peerId: PeerId | string, reason: string, units = 1): number {
  const pubsub = node.services.pubsub
  const id = peerId.toString()
  tableOf(pubsub).add(id, reason, units)
  dropCachedScore(pubsub, id)
  return gossipScore(pubsub, id)
}

/** A peer's current gossipsub score on this node (murmur's penalties are part of it). */
export function peerScore (node: PubSubHolder, peerId: PeerId | string): number {
  return gossipScore(node.services.pubsub, peerId.toString())
}

/** Counters of the penalties given through penalizePeer on this node. */
export function penaltyStats (node: PubSubHolder): PenaltyStats {
  return tableOf(node.services.pubsub).stats()
}
