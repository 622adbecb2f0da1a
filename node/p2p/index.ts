/**
 * node/p2p: the libp2p 3 node of a murmur peer, its persistent identity and the multiaddr flags.
 * This file is the module's whole public surface; gossipsub types and values come from here, never from
 * the gossipsub package (only node/p2p/pubsub.ts imports it).
 */
export { loadOrCreateIdentity } from './identity.ts'
export type { Identity } from './identity.ts'
export { createPeerNode } from './node.ts'
export type { PeerNode, PeerNodeInit, PeerServices } from './node.ts'
export { createPubSub, ValidationResult } from './pubsub.ts'
export type { PubSub, PubSubInit, PubSubMessage, TopicValidatorFn } from './pubsub.ts'
export {
  bootstrapAddrs, isLoopbackAddr, isWildcardAddr, parseAnnounceAddrs, parseBootstrapAddrs, parseListenAddrs, peerIdOfAddr, splitAddrList
} from './addrs.ts'
export {
  InvalidIdentityFileError, InvalidPeerIdError, MissingPeerIdError, UnparsableMultiaddrError, UnsupportedAddressError
} from './errors.ts'
export type { AddressFlag } from './errors.ts'
export {
  BOOTSTRAP_RETRY_MS, DEFAULT_LISTEN, IDENTITY_FILE, INBOUND_CONNECTION_THRESHOLD, MAX_CONNECTIONS, MAX_INCOMING_PENDING_CONNECTIONS
} from './constants.ts'
