/**
 * Splits a message into length-prefixed frames. The payload is never copied: each frame is a small head
 * (varint frame length + 40-byte header, all heads in one allocation) and a view into the payload, so a
 * sender hands the same payload to every neighbour and writes `head` then `body`.
 */

import { DEFAULT_CHUNK_BYTES, ENVELOPE_HEADER_BYTES, MAX_CHUNK_BYTES, MAX_PAYLOAD_BYTES } from './constants.ts'
import { writeEnvelopeHeader } from './envelope.ts'
import type { MessageFields } from './envelope.ts'
import { InvalidProtocolArgumentError } from './errors.ts'
import { crc32 } from './hash.ts'
import { varintLength, writeVarint } from './varint.ts'

export interface OutgoingFrame {
  /** varint length of (header + body), then the header */
  head: Uint8Array
  /** the chunk: a view into the payload */
  body: Uint8Array
}

export interface EncodedMessage {
  frames: OutgoingFrame[]
  /** bytes on the wire: heads and bodies */
  wireBytes: number
  /** the CRC-32 in every header; 0 when encoded with `checksum: 'none'` */
  checksum: number
}

export interface ChunkOptions {
  /** most payload bytes in one frame, in [1, MAX_CHUNK_BYTES]; default DEFAULT_CHUNK_BYTES */
  chunkBytes?: number
  /**
   * CRC-32 of the payload if the caller has it already (several messages of one payload), or 'none': the field is 0
   * and no CRC is computed (`GOSSIP_PROTOCOL_NO_CRC`, whose receivers do not check it)
   */
  checksum?: number | 'none'
}

/** Frames of one message: ⌈length / chunkBytes⌉ chunks, one empty chunk for an empty payload. */
export function encodeMessage (fields: MessageFields, payload: Uint8Array, opts: ChunkOptions = {}): EncodedMessage {
  const chunkBytes = opts.chunkBytes ?? DEFAULT_CHUNK_BYTES
  if (!Number.isInteger(chunkBytes) || chunkBytes < 1 || chunkBytes > MAX_CHUNK_BYTES) {
    throw new InvalidProtocolArgumentError(`chunkBytes: expected an integer in [1, ${MAX_CHUNK_BYTES}], got ${String(chunkBytes)}`)
  }
  const total = payload.length
  if (total > MAX_PAYLOAD_BYTES) throw new InvalidProtocolArgumentError(`payload: expected at most ${MAX_PAYLOAD_BYTES} bytes, got ${total}`)
  const checksum = opts.checksum === 'none' ? 0 : opts.checksum ?? crc32(payload)
  const count = Math.max(1, Math.ceil(total / chunkBytes))
  const headBytes = varintLength(ENVELOPE_HEADER_BYTES + Math.min(chunkBytes, total)) + ENVELOPE_HEADER_BYTES
  const heads = new Uint8Array(count * headBytes)
  const frames: OutgoingFrame[] = new Array(count)
  let wireBytes = 0
  for (let index = 0; index < count; index++) {
    const offset = index * chunkBytes
    const body = payload.subarray(offset, Math.min(total, offset + chunkBytes))
    const start = index * headBytes
    const at = writeVarint(heads, start, ENVELOPE_HEADER_BYTES + body.length)
    writeEnvelopeHeader(heads, at, { ...fields, index, count, totalLength: total, offset, checksum })
    const head = heads.subarray(start, at + ENVELOPE_HEADER_BYTES)
    frames[index] = { head, body }
    wireBytes += head.length + body.length
  }
  return { frames, wireBytes, checksum }
}

/** The frames as one contiguous byte string (tests, tools and other clients; the exchange writes frames as they are). */
export function concatFrames (message: EncodedMessage): Uint8Array {
  const out = new Uint8Array(message.wireBytes)
  let at = 0
  for (const f of message.frames) {
    out.set(f.head, at); at += f.head.length
    out.set(f.body, at); at += f.body.length
  }
  return out
}
