/**
 * The envelope: a fixed 40-byte little-endian header in front of every chunk of a message.
 *
 *   0  u8      magic 0x6d ('m')
 *   1  u8      magic 0x77 ('w')
 *   2  u8      envelope version (1)
 *   3  u8      message type: 1 gossip, 2 sync request, 3 sync response
 *   4  8 bytes run id hash: SHA-256(UTF-8 run id)[0..8)
 *  12  u32     round
 *  16  u32     sender degree (gossip; 0 otherwise)
 *  20  u32     chunk index, 0-based
 *  24  u32     chunk count ≥ 1
 *  28  u32     payload length: bytes of the whole message
 *  32  u32     offset of this chunk in the payload
 *  36  u32     CRC-32 of the whole payload (the same in every chunk)
 *  40  …       chunk bytes, to the end of the frame
 *
 * `decodeEnvelopeHeader` checks every field that can be checked without context (magic, version, type,
 * chunk geometry); run, size limit and chunk sequence are the reassembler's checks.
 */

import {
  ENVELOPE_HEADER_BYTES, ENVELOPE_MAGIC_0, ENVELOPE_MAGIC_1, ENVELOPE_VERSION, MESSAGE_TYPE, RUN_HASH_BYTES
} from './constants.ts'
import type { MessageType } from './constants.ts'
import { InvalidFrameError, InvalidProtocolArgumentError, UnsupportedVersionError } from './errors.ts'

const TYPE_NAMES: ReadonlyArray<MessageType | undefined> = [undefined, 'gossip', 'syncRequest', 'syncResponse']

/** What stays the same across the chunks of one message. */
export interface MessageFields {
  type: MessageType
  /** RUN_HASH_BYTES bytes, from `runIdHash` */
  runHash: Uint8Array
  round: number
  degree: number
}

export interface EnvelopeHeader extends MessageFields {
  index: number
  count: number
  /** bytes of the whole payload */
  totalLength: number
  /** where this chunk's bytes go in the payload */
  offset: number
  /** CRC-32 of the whole payload */
  checksum: number
}

function checkU32 (v: number, what: string): void {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new InvalidProtocolArgumentError(`${what}: expected a u32, got ${String(v)}`)
}

/** Writes the header of `h` into `out` at `at` (40 bytes). */
export function writeEnvelopeHeader (out: Uint8Array, at: number, h: EnvelopeHeader): void {
  if (h.runHash.length !== RUN_HASH_BYTES) throw new InvalidProtocolArgumentError(`runHash: expected ${RUN_HASH_BYTES} bytes, got ${h.runHash.length}`)
  checkU32(h.round, 'round'); checkU32(h.degree, 'degree'); checkU32(h.index, 'index'); checkU32(h.count, 'count')
  checkU32(h.totalLength, 'totalLength'); checkU32(h.offset, 'offset'); checkU32(h.checksum, 'checksum')
  const view = new DataView(out.buffer, out.byteOffset + at, ENVELOPE_HEADER_BYTES)
  view.setUint8(0, ENVELOPE_MAGIC_0)
  view.setUint8(1, ENVELOPE_MAGIC_1)
  view.setUint8(2, ENVELOPE_VERSION)
  view.setUint8(3, MESSAGE_TYPE[h.type])
  out.set(h.runHash, at + 4)
  view.setUint32(12, h.round, true)
  view.setUint32(16, h.degree, true)
  view.setUint32(20, h.index, true)
  view.setUint32(24, h.count, true)
  view.setUint32(28, h.totalLength, true)
  view.setUint32(32, h.offset, true)
  view.setUint32(36, h.checksum, true)
}

/**
 * Parses the header at the start of `bytes` (at least 40 bytes) of a frame whose chunk is `chunkLength`
 * bytes. Throws InvalidFrameError (magic, type, field) or UnsupportedVersionError. `runHash` is a view
 * into `bytes`.
 */
export function decodeEnvelopeHeader (bytes: Uint8Array, chunkLength: number): EnvelopeHeader {
  if (bytes.length < ENVELOPE_HEADER_BYTES) throw new InvalidFrameError('length', `a frame needs at least ${ENVELOPE_HEADER_BYTES} header bytes, got ${bytes.length}`)
  const view = new DataView(bytes.buffer, bytes.byteOffset, ENVELOPE_HEADER_BYTES)
  if (view.getUint8(0) !== ENVELOPE_MAGIC_0 || view.getUint8(1) !== ENVELOPE_MAGIC_1) {
    throw new InvalidFrameError('magic', `expected magic bytes 0x6d 0x77, got 0x${view.getUint8(0).toString(16)} 0x${view.getUint8(1).toString(16)}`)
  }
  const version = view.getUint8(2)
  if (version !== ENVELOPE_VERSION) throw new UnsupportedVersionError(version, `expected envelope version ${ENVELOPE_VERSION}, got ${version}`)
  const type = TYPE_NAMES[view.getUint8(3)]
  if (type === undefined) throw new InvalidFrameError('type', `expected a message type in 1..3, got ${view.getUint8(3)}`)
  const h: EnvelopeHeader = {
    type,
    runHash: bytes.subarray(4, 4 + RUN_HASH_BYTES),
    round: view.getUint32(12, true),
    degree: view.getUint32(16, true),
    index: view.getUint32(20, true),
    count: view.getUint32(24, true),
    totalLength: view.getUint32(28, true),
    offset: view.getUint32(32, true),
    checksum: view.getUint32(36, true)
  }
  checkGeometry(h, chunkLength)
  return h
}

/**
 * The chunk geometry a conforming sender produces: count in [1, max(1, length)], index < count, the chunk
 * inside the payload, only the last chunk ending at the payload's end, no empty chunk unless the payload
 * is empty. Sync requests carry nothing.
 */
function checkGeometry (h: EnvelopeHeader, chunkLength: number): void {
  if (h.count < 1) throw new InvalidFrameError('field', `expected a chunk count ≥ 1, got ${h.count}`)
  if (h.count > Math.max(1, h.totalLength)) throw new InvalidFrameError('field', `expected at most ${Math.max(1, h.totalLength)} chunks for a payload of ${h.totalLength} bytes, got ${h.count}`)
  if (h.index >= h.count) throw new InvalidFrameError('field', `expected a chunk index below the count ${h.count}, got ${h.index}`)
  const end = h.offset + chunkLength
  if (end > h.totalLength) throw new InvalidFrameError('field', `chunk ${h.index} covers bytes [${h.offset}, ${end}) of a payload of ${h.totalLength} bytes`)
  const last = h.index === h.count - 1
  if (last && end !== h.totalLength) throw new InvalidFrameError('field', `the last chunk must end at the payload end ${h.totalLength}, got ${end}`)
  if (chunkLength === 0 && h.totalLength > 0) throw new InvalidFrameError('field', `chunk ${h.index} of ${h.count} is empty in a payload of ${h.totalLength} bytes`)
  if (h.index === 0 && h.offset !== 0) throw new InvalidFrameError('field', `the first chunk must start at offset 0, got ${h.offset}`)
  if (h.type === 'syncRequest' && h.totalLength !== 0) throw new InvalidFrameError('field', `a sync request carries no payload, got ${h.totalLength} bytes`)
  if (h.type === 'gossip' && h.degree < 1) throw new InvalidFrameError('field', 'a gossip sender has at least one neighbour, got degree 0')
}
