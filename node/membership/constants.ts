/** Defaults and bounds of node/membership (docs/PROTOCOL.md § Membership). */

/** Version of the announcement format; also the last segment of the topic name. */
export const MEMBERSHIP_VERSION = 1
/** How often a peer announces itself (ms). */
export const HEARTBEAT_MS = 1000
/** A peer silent for this many heartbeats (plus the round deadline) is gone. */
export const TIMEOUT_HEARTBEATS = 3
/**
 * A joiner becomes a member at R + JOIN_LEAD, R the highest round announced by an active member: one whole
 * round for its announcement to reach every peer before anyone builds a topology that contains it.
 */
export const JOIN_LEAD = 2
/** Largest encoded announcement (bytes). */
export const MAX_ANNOUNCEMENT_BYTES = 8192
/** Most addresses one announcement may carry, and the longest address (characters). */
export const MAX_ADDRS = 16
export const MAX_ADDR_CHARS = 256
/** Longest peer id string accepted (base58 Ed25519 ids are 52 characters; CID forms are longer). */
export const MAX_ID_CHARS = 128
/** Most keys of the `config` object and the longest string value in it. */
export const MAX_CONFIG_KEYS = 64
export const MAX_CONFIG_STRING_CHARS = 1024
/** Peers tracked at once (members and refused); announcements from further new ids are ignored. */
export const MAX_TRACKED_PEERS = 1024
/** A record not heard for this many timeouts is forgotten. */
export const FORGET_AFTER_TIMEOUTS = 10
/** A member silent for this many timeouts: its open connections are taken for dead, aborted and redialed. */
export const DEAD_CONNECTION_TIMEOUTS = 3
/**
 * A lost member whose host refused this many redials in a row (ECONNREFUSED on every address: the host is up
 * and nothing listens on the member's port) has crashed or exited: it is forgotten then, not at the silent
 * horizon. A cut network drops or times out dials instead; such a member stays lost until the horizon.
 */
export const REFUSED_DIALS_TO_FORGET = 2
/** Longest run id (it is part of the topic name). */
export const MAX_RUN_ID_CHARS = 128
/** Each dial to a member that is not connected yet gives up after this long (ms). */
export const MEMBER_DIAL_TIMEOUT_MS = 5000
