/**
 * node/exchange: the libp2p Exchange of a murmur peer (`/murmur/gossip/1.0.0`) and the model pull
 * (`/murmur/sync/1.0.0`). The wire format is lib/protocol's; semantics in docs/NETWORK.md § Exchange.
 *
 *   const exchange = createGossipExchange({ libp2p: node }, { runId, roundDeadlineMs: 2000, maxMessageBytes })
 *   await exchange.start()
 *   exchange.setNeighbours(ids, degree, maxDegree)        // between rounds
 *   const received = await exchange.round(r, outgoing, { signal })
 */

import { GossipExchangeClass } from './exchange.ts'
import type { GossipExchange, GossipExchangeComponents, GossipExchangeInit } from './types.ts'

export function createGossipExchange (components: GossipExchangeComponents, init: GossipExchangeInit): GossipExchange {
  return new GossipExchangeClass(components, init)
}

export type {
  GossipExchange, GossipExchangeComponents, GossipExchangeInit, ModelSnapshot, ModelProvider, PullOptions,
  ExchangeStats, PeerTraffic, RejectReason, ExchangeRejectReason
} from './types.ts'
export {
  ExchangeNotStartedError, ExchangeStoppedError, RoundOrderError, RoundInProgressError, InvalidExchangeOptionError,
  MaxDegreeUnknownError, SyncFailedError, NotServingError, SendCancelledError,
  InboundRejectedError, MessageRefusedError, RateLimitedError, FrameTooLargeError, UnencryptedStreamError, UnusableFrameError
} from './errors.ts'
export { REJECT_REASONS, BENIGN_REASONS } from './reasons.ts'
export * as constants from './constants.ts'
export { GOSSIP_PROTOCOL, GOSSIP_PROTOCOL_NO_CRC, SYNC_PROTOCOL } from '../../lib/protocol/index.ts'
