/**
 * lib/protocol: the wire format of murmur's libp2p stream protocols `/murmur/gossip/1.0.0` and
 * `/murmur/sync/1.0.0` as pure functions (no I/O): the envelope header, chunking of a payload into
 * length-prefixed frames, a reassembler that trusts nothing, and the sync body. docs/PROTOCOL.md is the
 * byte-level specification.
 */

export {
  GOSSIP_PROTOCOL, GOSSIP_PROTOCOL_NO_CRC, SYNC_PROTOCOL, ENVELOPE_HEADER_BYTES, ENVELOPE_VERSION, RUN_HASH_BYTES, MESSAGE_TYPE,
  MAX_FRAME_BYTES, MAX_CHUNK_BYTES, DEFAULT_CHUNK_BYTES, MAX_PAYLOAD_BYTES, SYNC_BODY_HEADER_BYTES
} from './constants.ts'
export type { MessageType } from './constants.ts'
export { runIdHash, crc32 } from './hash.ts'
export { writeEnvelopeHeader, decodeEnvelopeHeader } from './envelope.ts'
export type { MessageFields, EnvelopeHeader } from './envelope.ts'
export { encodeMessage, concatFrames } from './chunker.ts'
export type { OutgoingFrame, EncodedMessage, ChunkOptions } from './chunker.ts'
export { Reassembler } from './reassembler.ts'
export type { FrameBytes, MessageInfo, CompletedMessage, Admit, ReassemblerInit } from './reassembler.ts'
export { encodeSyncBody, decodeSyncBody, syncBodyBytes } from './sync.ts'
export type { SyncBody } from './sync.ts'
export { varintLength, writeVarint } from './varint.ts'
export { readJsonObject, isObject } from './json.ts'
export type { JsonObjectFault, JsonObjectResult } from './json.ts'
export {
  ProtocolError, InvalidFrameError, UnsupportedVersionError, RunMismatchError, MessageTooLargeError,
  ChecksumMismatchError, InvalidProtocolArgumentError, isProtocolError
} from './errors.ts'
export type { FrameFault } from './errors.ts'
