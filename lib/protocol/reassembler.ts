/**
 * Reassembles the frames of one stream into messages, trusting nothing: every header is checked, the
 * announced size is bounded before anything is allocated, chunks must come in order with consistent
 * fields, and the payload is delivered only whole and with a matching CRC-32 (or, on a stream whose connection
 * authenticates every byte, `checksum: false`, with none). A stream carries one
 * message at a time, so one reassembler per stream holds at most one partial message.
 */

import { ENVELOPE_HEADER_BYTES, GOSSIP_PROTOCOL_NO_CRC, MAX_PAYLOAD_BYTES, RUN_HASH_BYTES } from './constants.ts'
import type { MessageType } from './constants.ts'
import { decodeEnvelopeHeader } from './envelope.ts'
import type { EnvelopeHeader } from './envelope.ts'
import {
  ChecksumMismatchError, InvalidFrameError, InvalidProtocolArgumentError, MessageTooLargeError, RunMismatchError
} from './errors.ts'
import { crc32 } from './hash.ts'

/** A frame as the length-prefix decoder hands it over: contiguous, or a list of segments (a Uint8ArrayList). */
export type FrameBytes = Uint8Array | { readonly byteLength: number, [Symbol.iterator] (): Iterator<Uint8Array> }

/** The fields of a message, known from its first chunk. */
export interface MessageInfo {
  type: MessageType
  round: number
  degree: number
  totalLength: number
  count: number
  checksum: number
}

export interface CompletedMessage {
  info: MessageInfo
  /** the whole payload, owned by the caller; undefined when `admit` declined the message */
  payload: Uint8Array | undefined
}

/** Decides at the first chunk whether a message is wanted; a declined message is read through but not stored. */
export type Admit = (info: MessageInfo) => boolean

export interface ReassemblerInit {
  /** the receiver's run id hash (`runIdHash(runId)`) */
  runHash: Uint8Array
  /** the only message type this stream may carry */
  type: MessageType
  /** the largest payload accepted, in bytes */
  maxMessageBytes: number
  /**
   * false on a `GOSSIP_PROTOCOL_NO_CRC` stream: no CRC-32 is computed, and a checksum field other than 0 is
   * refused (InvalidFrameError 'field'); default true
   */
  checksum?: boolean
}

export class Reassembler {
  private readonly runHash: Uint8Array
  private readonly type: MessageType
  private readonly maxMessageBytes: number
  private readonly checked: boolean
  private readonly scratch = new Uint8Array(ENVELOPE_HEADER_BYTES)
  private info: MessageInfo | undefined
  private payload: Uint8Array | undefined
  private nextIndex = 0
  private nextOffset = 0
  private crc = 0

  constructor (init: ReassemblerInit) {
    if (init.runHash.length !== RUN_HASH_BYTES) throw new InvalidProtocolArgumentError(`runHash: expected ${RUN_HASH_BYTES} bytes, got ${init.runHash.length}`)
    if (!Number.isInteger(init.maxMessageBytes) || init.maxMessageBytes < 0 || init.maxMessageBytes > MAX_PAYLOAD_BYTES) {
      throw new InvalidProtocolArgumentError(`maxMessageBytes: expected an integer in [0, ${MAX_PAYLOAD_BYTES}], got ${String(init.maxMessageBytes)}`)
    }
    this.runHash = Uint8Array.from(init.runHash)
    this.type = init.type
    this.maxMessageBytes = init.maxMessageBytes
    this.checked = init.checksum ?? true
  }

  /** True while a message has started and not completed. */
  get pending (): boolean {
    return this.info !== undefined
  }

  /**
   * Takes the next frame of the stream (without its length prefix). Returns the message when this frame
   * completes one, undefined otherwise. Throws a ProtocolError subclass on anything malformed and drops the
   * partial message: the caller then abandons the stream.
   */
  push (frame: FrameBytes, admit?: Admit): CompletedMessage | undefined {
    try {
      return this.accept(frame, admit)
    } catch (err) {
      this.reset()
      throw err
    }
  }

  /** The stream ended: throws InvalidFrameError('truncated') when a message is incomplete. */
  finish (): void {
    if (this.info === undefined) return
    const { count, totalLength } = this.info
    const got = this.nextIndex
    this.reset()
    throw new InvalidFrameError('truncated', `the stream ended after ${got} of ${count} chunks of a ${totalLength}-byte message`)
  }

  private accept (frame: FrameBytes, admit: Admit | undefined): CompletedMessage | undefined {
    const frameLength = frame.byteLength
    if (frameLength < ENVELOPE_HEADER_BYTES) throw new InvalidFrameError('length', `a frame needs at least ${ENVELOPE_HEADER_BYTES} header bytes, got ${frameLength}`)
    const chunkLength = frameLength - ENVELOPE_HEADER_BYTES
    const h = decodeEnvelopeHeader(this.headerOf(frame), chunkLength)
    if (!sameBytes(h.runHash, this.runHash)) throw new RunMismatchError(`expected run hash ${hex(this.runHash)}, got ${hex(h.runHash)}`)
    if (h.type !== this.type) throw new InvalidFrameError('type', `expected ${this.type} messages on this stream, got ${h.type}`)
    if (this.info === undefined) this.begin(h, admit)
    else this.continueWith(h, this.info)
    if (this.payload !== undefined) this.copyBody(frame, h.offset)
    this.nextIndex++
    this.nextOffset += chunkLength
    if (h.index < h.count - 1) return undefined
    const info = this.info!
    const payload = this.payload
    const crc = this.crc
    this.reset()
    if (payload !== undefined && this.checked && crc !== info.checksum) {
      throw new ChecksumMismatchError(`expected CRC-32 0x${info.checksum.toString(16)} of round ${info.round}'s ${info.totalLength}-byte payload, computed 0x${crc.toString(16)}`)
    }
    return { info, payload }
  }

  private begin (h: EnvelopeHeader, admit: Admit | undefined): void {
    if (h.index !== 0) throw new InvalidFrameError('order', `expected the first chunk (index 0) of a new message, got chunk ${h.index} of ${h.count}`)
    if (!this.checked && h.checksum !== 0) throw new InvalidFrameError('field', `a message without a checksum (${this.type} stream of ${GOSSIP_PROTOCOL_NO_CRC}) must carry 0 in its checksum field, got 0x${h.checksum.toString(16)}`)
    if (h.totalLength > this.maxMessageBytes) {
      throw new MessageTooLargeError(h.totalLength, this.maxMessageBytes, `expected a payload of at most ${this.maxMessageBytes} bytes, got one announcing ${h.totalLength}`)
    }
    const info: MessageInfo = { type: h.type, round: h.round, degree: h.degree, totalLength: h.totalLength, count: h.count, checksum: h.checksum }
    this.info = info
    this.nextIndex = 0
    this.nextOffset = 0
    this.crc = 0
    // allocated only now: the size is bounded and the caller wants the message
    this.payload = (admit === undefined || admit(info)) ? new Uint8Array(h.totalLength) : undefined
  }

  private continueWith (h: EnvelopeHeader, info: MessageInfo): void {
    if (h.index !== this.nextIndex) throw new InvalidFrameError('order', `expected chunk ${this.nextIndex} of ${info.count} (round ${info.round}), got chunk ${h.index}`)
    if (h.offset !== this.nextOffset) throw new InvalidFrameError('order', `expected chunk ${h.index} at offset ${this.nextOffset}, got ${h.offset}`)
    if (h.round !== info.round || h.degree !== info.degree || h.count !== info.count || h.totalLength !== info.totalLength || h.checksum !== info.checksum) {
      throw new InvalidFrameError('inconsistent', `chunk ${h.index} says round ${h.round}, degree ${h.degree}, ${h.count} chunks, ${h.totalLength} bytes, CRC 0x${h.checksum.toString(16)}; the first said round ${info.round}, degree ${info.degree}, ${info.count} chunks, ${info.totalLength} bytes, CRC 0x${info.checksum.toString(16)}`)
    }
  }

  /** The 40 header bytes, gathered into scratch space when they span segments. */
  private headerOf (frame: FrameBytes): Uint8Array {
    if (frame instanceof Uint8Array) return frame
    let at = 0
    for (const seg of frame) {
      const n = Math.min(seg.length, ENVELOPE_HEADER_BYTES - at)
      this.scratch.set(n === seg.length ? seg : seg.subarray(0, n), at)
      at += n
      if (at === ENVELOPE_HEADER_BYTES) break
    }
    return this.scratch
  }

  /** Copies the chunk into the payload at `offset` and extends the running CRC. */
  private copyBody (frame: FrameBytes, offset: number): void {
    const payload = this.payload!
    if (frame instanceof Uint8Array) {
      const body = frame.subarray(ENVELOPE_HEADER_BYTES)
      payload.set(body, offset)
      if (this.checked) this.crc = crc32(body, this.crc)
      return
    }
    let skip = ENVELOPE_HEADER_BYTES
    let at = offset
    for (const seg of frame) {
      if (skip >= seg.length) { skip -= seg.length; continue }
      const part = skip === 0 ? seg : seg.subarray(skip)
      skip = 0
      payload.set(part, at)
      if (this.checked) this.crc = crc32(part, this.crc)
      at += part.length
    }
  }

  private reset (): void {
    this.info = undefined
    this.payload = undefined
    this.nextIndex = 0
    this.nextOffset = 0
    this.crc = 0
  }
}

function sameBytes (a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

function hex (b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('')
}
