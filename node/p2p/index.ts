/**
 * node/p2p: the libp2p 3 node of a murmur peer, its persistent identity, the multiaddr flags, who may connect
 * (swarm key, PeerId allowlist) and the gossipsub score penalties for faults murmur detects.
 * This file is the module's whole public surface; gossipsub types and values come from here, never from
 * the gossipsub package (only node/p2p/pubsub.ts imports it).
 */
export { countExternalMemoryInGlobalLimit, EXTERNAL_MEMORY_FLAG } from './gc.ts'
export { loadOrCreateIdentity } from './identity.ts'
export type { Identity } from './identity.ts'
export { createPeerNode } from './node.ts'
export { connectionEncrypters, fastNoise, fastNoiseCrypto, DEFAULT_ENCRYPTERS, ENCRYPTERS, FrameAuthenticationError, InvalidEncrypterError } from './encrypters.ts'
export type { EncrypterName } from './encrypters.ts'
export { aesGcmNoiseCrypto, noiseAesGcm, NOISE_AESGCM_PROTOCOL } from './noise-aesgcm.ts'
export { aesGcmFrameStats, MAX_FRAME_PLAINTEXT_BYTES } from './aesgcm-frames.ts'
export type { AesGcmFrameStats } from './aesgcm-frames.ts'
export { FrameTooLargeError, TlsConnectionError } from './encrypter-errors.ts'
export { nativeTls, nativeTlsStats, TLS_PROTOCOL } from './tls-native.ts'
export type { NativeTlsStats } from './tls-native.ts'
export type { PeerNode, PeerNodeInit, PeerServices } from './node.ts'
export type { BootstrapFailure } from './bootstrap-redial.ts'
export type { SharedIdentity } from './identity-watch.ts'
export { createPubSub, ValidationResult } from './pubsub.ts'
export { penalizePeer, penaltyStats, peerScore } from './penalty.ts'
export type { PenaltyStats, PubSubHolder } from './penalty.ts'
export { generateSwarmKey, parseSwarmKey, readSwarmKey, writeSwarmKey, SWARM_KEY_HEADER } from './swarm-key.ts'
export type { SwarmKey } from './swarm-key.ts'
export { allowlistGater, parseAllowlist, readAllowlist } from './allowlist.ts'
export type { RefusalDirection, RefusedPeer } from './allowlist.ts'
export { accessNotes, handshakeFailureCause, handshakeFailureReporter, refusalReporter } from './access.ts'
export type { AccessNotes, HandshakeFailureReporter, RefusalReporter } from './access.ts'
export { handshakeWatch } from './handshake-watch.ts'
export type { HandshakeFailure, HandshakeWatch } from './handshake-watch.ts'
export type { PubSub, PubSubInit, PubSubMessage, TopicValidatorFn } from './pubsub.ts'
export {
  bootstrapAddrs, isLoopbackAddr, isWildcardAddr, parseAnnounceAddrs, parseBootstrapAddrs, parseListenAddrs, peerIdOfAddr, splitAddrList
} from './addrs.ts'
export {
  InvalidIdentityFileError, InvalidPeerIdError, MissingPeerIdError, UnparsableMultiaddrError, UnsupportedAddressError,
  AllowlistNotFoundError, InsecureSwarmKeyError, InvalidAllowlistError, InvalidSwarmKeyError, SwarmKeyExistsError,
  SwarmKeyNotFoundError, UnscoredPubSubError, BootstrapConnectionDroppedError, HandshakeTimeoutError
} from './errors.ts'
export type { AddressFlag } from './errors.ts'
export {
  BOOTSTRAP_RETRY_MS, DEFAULT_LISTEN, DROPPED_WITHIN_MS, IDENTITY_FILE, INBOUND_CONNECTION_THRESHOLD, MAX_CONNECTIONS, MAX_INCOMING_PENDING_CONNECTIONS,
  PENALTY_HALF_LIFE_MS, PENALTY_SCORE_WEIGHT
} from './constants.ts'
