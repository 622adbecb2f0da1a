/** Wire constants of the murmur stream protocols; docs/PROTOCOL.md is the byte-level specification. */

/** libp2p protocol ids (multistream-select). */
export const GOSSIP_PROTOCOL = '/murmur/gossip/1.0.0'
/**
 * The same frames with the checksum field 0 and no CRC-32 computed or checked, for connections that already
 * authenticate every byte (libp2p's Noise or TLS): the sender writes its own copies of the round's payload instead of
 * the caller's buffer, so no message can mix two rounds' bytes. Dialers offer it first and fall back to 1.0.0
 * (docs/PROTOCOL.md).
 */
export const GOSSIP_PROTOCOL_NO_CRC = '/murmur/gossip/1.1.0'
export const SYNC_PROTOCOL = '/murmur/sync/1.0.0'

/** The two magic bytes 'm' 'w' (murmur wire) that open every envelope. */
export const ENVELOPE_MAGIC_0 = 0x6d
export const ENVELOPE_MAGIC_1 = 0x77
export const ENVELOPE_VERSION = 1
/** Fixed header in front of every chunk; the chunk bytes follow it to the end of the frame. */
export const ENVELOPE_HEADER_BYTES = 40
/** Bytes of SHA-256(runId) an envelope carries: enough to keep two runs on one host apart, not a secret. */
export const RUN_HASH_BYTES = 8

/** Message types (byte 3 of the header). */
export const MESSAGE_TYPE = { gossip: 1, syncRequest: 2, syncResponse: 3 } as const
export type MessageType = keyof typeof MESSAGE_TYPE

/**
 * Largest length-prefixed frame (header + chunk) a receiver reads: 4 MiB, the default of
 * it-length-prefixed and of yamux's read buffer. A sender's chunk must fit it.
 */
export const MAX_FRAME_BYTES = 4 * 1024 * 1024
/** Largest chunk a sender may put in one frame. */
export const MAX_CHUNK_BYTES = MAX_FRAME_BYTES - ENVELOPE_HEADER_BYTES
/** Default chunk: 1 MiB frames, small enough that other streams on the connection are not starved. */
export const DEFAULT_CHUNK_BYTES = 1024 * 1024 - ENVELOPE_HEADER_BYTES
/** Largest total payload any message may announce (u32 field). */
export const MAX_PAYLOAD_BYTES = 0xffffffff

/** Sync response body: u32 dimension, u32 state length, then the float32 parameters and the state. */
export const SYNC_BODY_HEADER_BYTES = 8
