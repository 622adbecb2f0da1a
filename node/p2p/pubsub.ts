/**
 * The ONLY module that imports a gossipsub implementation. On libp2p 3 that is `@libp2p/gossipsub` (the
 * continuation of ChainSafe's code inside js-libp2p); when `@chainsafe/libp2p-gossipsub` supports libp2p 3
 * again, switching back is a change of the two import lines below. Everything else takes the types and the
 * validation result values from `node/p2p/index.ts`.
 */
import { gossipsub, StrictSign, TopicValidatorResult } from '@libp2p/gossipsub'
import type { GossipSub, GossipSubComponents, Message, TopicValidatorFn } from '@libp2p/gossipsub'
import { PUBSUB_HEARTBEAT_MS, PUBSUB_MAX_RPC_BYTES, PUBSUB_MAX_RPC_ENTRIES, PUBSUB_MESH, PUBSUB_SCORE_PARAMS } from './constants.ts'
import { PenaltyTable, registerPenaltyTable } from './penalty.ts'
import { UnscoredPubSubError } from './errors.ts'

export type PubSub = GossipSub
export type PubSubComponents = GossipSubComponents
/** A delivered message; with the StrictSign policy every one is `type: 'signed'` with a verified `from`. */
export type PubSubMessage = Message
export type { TopicValidatorFn }

/** What a topic validator returns: Accept (deliver and forward), Ignore (drop), Reject (drop and penalise the sender). */
export const ValidationResult = TopicValidatorResult
export type ValidationResult = TopicValidatorResult

export interface PubSubInit {
  /** gossipsub heartbeat (mesh maintenance) in ms; default 700 */
  heartbeatIntervalMs?: number
  /** largest inbound RPC frame in bytes (a frame may batch several messages); default 256 KiB */
  maxRpcBytes?: number
}

/**
 * Gossipsub configured for murmur: small meshes (degree 4 in [2, 8]), every message signed by its author and
 * verified on receipt (StrictSign, so `message.from` is who wrote it), bounded inbound frames and decoding
 * limits, publishing allowed before anyone else has subscribed (a peer announces itself from its first second),
 * a peer's own messages not delivered back to it, no score penalty for many peers sharing an IP address
 * (PUBSUB_SCORE_PARAMS: it graylisted every peer of a 16-peer cluster on one host), and murmur's own penalties
 * (penalizePeer) as the application-specific score P5.
 */
export function createPubSub (init: PubSubInit = {}): (components: PubSubComponents) => PubSub {
  return (components) => {
    const penalties = new PenaltyTable()
    const pubsub = gossipsubService(init, (id) => penalties.score(id))(components)
    registerPenaltyTable(pubsub, penalties)
    return pubsub
  }
}

function gossipsubService (init: PubSubInit, appSpecificScore: (id: string) => number): (components: PubSubComponents) => PubSub {
  return gossipsub({
    ...PUBSUB_MESH,
    heartbeatInterval: init.heartbeatIntervalMs ?? PUBSUB_HEARTBEAT_MS,
    globalSignaturePolicy: StrictSign,
    allowPublishToZeroTopicPeers: true,
    emitSelf: false,
    // P5 is the penalty table's score as is (≤ 0): its weight lives in PENALTY_SCORE_WEIGHT
    scoreParams: { ...PUBSUB_SCORE_PARAMS, appSpecificScore, appSpecificWeight: 1 },
    maxInboundDataLength: init.maxRpcBytes ?? PUBSUB_MAX_RPC_BYTES,
    decodeRpcLimits: {
      maxSubscriptions: PUBSUB_MAX_RPC_ENTRIES,
      maxMessages: PUBSUB_MAX_RPC_ENTRIES,
      maxIhaveMessageIDs: PUBSUB_MAX_RPC_ENTRIES,
      maxIwantMessageIDs: PUBSUB_MAX_RPC_ENTRIES,
      maxIdontwantMessageIDs: PUBSUB_MAX_RPC_ENTRIES,
      maxControlMessages: PUBSUB_MAX_RPC_ENTRIES,
      maxPeerInfos: 16
    }
  })
}

/**
 * What the gossipsub implementation has beyond its published GossipSub interface: the score of a peer, the
 * per-heartbeat score cache, and the "accept from" whitelist (a peer whose score was at least 0 has up to 128
 * RPCs or 1 s accepted without its score being read again). Reached only here, and checked at run time, so a
 * gossipsub without them fails with a named error rather than a TypeError.
 */
interface ScoreInternals {
  getScore?: (id: string) => number
  score?: { scoreCache?: Map<string, unknown> }
  acceptFromWhitelist?: Map<string, unknown>
}

/** A peer's current gossipsub score (the sum of P1..P7, murmur's penalties in P5). */
export function gossipScore (pubsub: PubSub, peerId: string): number {
  const getScore = (pubsub as unknown as ScoreInternals).getScore
  if (typeof getScore !== 'function') throw new UnscoredPubSubError('this gossipsub implementation does not expose getScore(peerId); node/p2p/pubsub.ts needs updating for it')
  return getScore.call(pubsub, peerId)
}

/** Makes gossipsub read the peer's score afresh: for its next RPC (graylist) and every other decision. */
export function dropCachedScore (pubsub: PubSub, peerId: string): void {
  const internals = pubsub as unknown as ScoreInternals
  internals.score?.scoreCache?.delete(peerId)
  internals.acceptFromWhitelist?.delete(peerId)
}
