/**
 * The transport framing of `/murmur/noise-aesgcm/1.0.0` after its Noise XX handshake (docs/PROTOCOL.md § Secure
 * channel): each frame is a 4-byte big-endian length, then that many bytes of AES-256-GCM ciphertext ‖ 16-byte tag,
 * sealing up to `MAX_FRAME_PLAINTEXT_BYTES` of plaintext under the next nonce of the handshake's CipherState.
 *
 * Why not Noise's own framing: a Noise transport message is at most 65,535 bytes (2-byte length), and at that size
 * the fixed cost of each frame (a cipher object, a length buffer, list operations and events on both sides)
 * dominates Node's AES-GCM, which seals at 1.0 to 1.4 GB/s through its per-call path on 64 KiB against 3.1 GB/s
 * for `openssl speed` (BENCHMARKS.md, "Exchange goodput"). One frame of up to 1 MiB pays that cost once for 16
 * Noise frames' worth of bytes. The nonces stay libp2p-noise's counters (one a frame, whatever its size), so the
 * handshake, the key schedule and the nonce limit are unchanged.
 */
import { AbstractMessageStream } from '@libp2p/utils'
import type { SendResult } from '@libp2p/utils'
import type { AbortOptions, MessageStream, StreamCloseEvent, StreamMessageEvent } from '@libp2p/interface'
import { Uint8ArrayList } from 'uint8arraylist'
import { FrameTooLargeError } from './encrypter-errors.ts'

/** Bytes of a frame's length field (big-endian, counts ciphertext and tag). */
export const FRAME_HEADER_BYTES = 4
/** The AES-GCM tag closing every frame. */
export const FRAME_TAG_BYTES = 16
/**
 * The most plaintext one frame seals. 1 MiB: large enough that the per-frame cost is a few per cent of the cipher's
 * (AES-GCM's own limit, 2^39 − 256 bits a message, is far above), small enough that a receiver holds at most one
 * frame plus one socket read per connection, and that a frame of a large stream delays the frames of other Yamux
 * streams by at most about a millisecond of cipher time.
 */
export const MAX_FRAME_PLAINTEXT_BYTES = 1024 * 1024
/** The largest length field a receiver accepts; a larger one aborts the connection (`FrameTooLargeError`). */
export const MAX_FRAME_LENGTH = MAX_FRAME_PLAINTEXT_BYTES + FRAME_TAG_BYTES

/** What the framing needs of a finished Noise handshake: its two CipherStates' AEAD, nonces counted inside. */
export interface FrameCipher {
  /** seals one frame's plaintext under the sending CipherState's next nonce; returns ciphertext ‖ tag (one buffer or a list of pieces) */
  encrypt: (plaintext: Uint8Array | Uint8ArrayList) => Uint8Array | Uint8ArrayList
  /** opens one frame's ciphertext ‖ tag under the receiving CipherState's next nonce; throws if it does not authenticate */
  decrypt: (ciphertext: Uint8Array | Uint8ArrayList) => Uint8Array | Uint8ArrayList
}

/** Frames sealed and opened by this process, and frames refused (by reason), over all connections. */
export interface AesGcmFrameStats {
  sealed: number
  opened: number
  /** announced a length over `MAX_FRAME_LENGTH`: connection aborted before buffering it */
  oversized: number
  /** failed authentication (tampered, truncated, reordered, another key) or shorter than a tag */
  unauthenticated: number
}

const stats: AesGcmFrameStats = { sealed: 0, opened: 0, oversized: 0, unauthenticated: 0 }

/** A copy of this process's frame counters (for `murmur` status output and tests). */
export function aesGcmFrameStats (): AesGcmFrameStats {
  return { ...stats }
}

/**
 * Frames up to this many sealed bytes are copied into one buffer (one socket write: Yamux window updates and
 * other small frames); larger ones go out as a list of the cipher's own outputs, since copying a 1 MiB frame
 * costs more than the few extra writes.
 */
export const COPY_FRAME_MAX_BYTES = 16 * 1024

/**
 * The frame: a `FRAME_HEADER_BYTES` length field then `sealed` (ciphertext ‖ tag). A large frame is a list that
 * refers to the cipher's own output buffers (nothing copied; the transport writes the pieces in order), a small one
 * a single buffer.
 */
export function frameOf (sealed: Uint8Array | Uint8ArrayList): Uint8Array | Uint8ArrayList {
  const length = sealed.byteLength
  if (length <= COPY_FRAME_MAX_BYTES) {
    const frame = new Uint8Array(FRAME_HEADER_BYTES + length)
    new DataView(frame.buffer).setUint32(0, length, false)
    if (sealed instanceof Uint8Array) {
      frame.set(sealed, FRAME_HEADER_BYTES)
    } else {
      let at = FRAME_HEADER_BYTES
      for (const part of sealed) { frame.set(part, at); at += part.byteLength }
    }
    return frame
  }
  const header = new Uint8Array(FRAME_HEADER_BYTES)
  new DataView(header.buffer).setUint32(0, length, false)
  return new Uint8ArrayList(header, sealed)
}

/** The list's one segment, if it has exactly one (then the cipher takes it as a plain buffer). */
function onlySegment (list: Uint8ArrayList): Uint8Array | undefined {
  let only: Uint8Array | undefined
  for (const segment of list) {
    if (only !== undefined) return undefined
    only = segment
  }
  return only
}

/**
 * The encrypted connection: plaintext written to it leaves as frames on `stream`; frames arriving on `stream` are
 * opened one at a time and delivered as plaintext. A frame that announces too much or does not authenticate aborts
 * it (and with it the connection): nothing after the bad frame is delivered.
 */
export class AesGcmFrameStream extends AbstractMessageStream {
  private readonly stream: MessageStream
  private readonly cipher: FrameCipher
  /** bytes of the frame being received (at most one frame and one socket read) */
  private readonly pending = new Uint8ArrayList()
  /** small writes held until the end of the current task (sendData) */
  private readonly small = new Uint8ArrayList()
  private flushQueued = false

  constructor (stream: MessageStream, cipher: FrameCipher) {
    super({
      log: stream.log,
      inactivityTimeout: stream.inactivityTimeout,
      maxReadBufferLength: stream.maxReadBufferLength,
      direction: stream.direction,
      // the superclass hands sendData at most this much at a time: one frame each
      maxMessageSize: MAX_FRAME_PLAINTEXT_BYTES
    })
    this.stream = stream
    this.cipher = cipher
    stream.addEventListener('message', (evt: StreamMessageEvent) => {
      try {
        this.receive(evt.data)
      } catch (err) {
        this.abort(err as Error)
      }
    })
    stream.addEventListener('close', (evt: StreamCloseEvent) => {
      if (evt.error == null) this.onTransportClosed()
      else if (evt.local === true) this.abort(evt.error)
      else this.onRemoteReset()
    })
    stream.addEventListener('drain', () => { this.safeDispatchEvent('drain') })
    stream.addEventListener('remoteCloseWrite', () => { this.onRemoteCloseWrite() })
  }

  /** Appends a socket read and opens every frame it completes. */
  private receive (data: Uint8Array | Uint8ArrayList): void {
    this.pending.append(data)
    while (this.pending.byteLength >= FRAME_HEADER_BYTES) {
      const length = this.pending.getUint32(0, false)
      if (length > MAX_FRAME_LENGTH) {
        stats.oversized++
        throw new FrameTooLargeError(`a /murmur/noise-aesgcm/1.0.0 frame announced ${length} bytes; at most ${MAX_FRAME_LENGTH} (${MAX_FRAME_PLAINTEXT_BYTES} of plaintext and a ${FRAME_TAG_BYTES}-byte tag) are allowed: the peer does not speak this protocol or is faulty; the connection is closed`)
      }
      const end = FRAME_HEADER_BYTES + length
      if (this.pending.byteLength < end) return
      const sealed = this.pending.sublist(FRAME_HEADER_BYTES, end)
      this.pending.consume(end)
      let plaintext: Uint8Array | Uint8ArrayList
      try {
        // a frame in one socket read is opened as one buffer; one spread over several reads, segment by segment
        plaintext = this.cipher.decrypt(onlySegment(sealed) ?? sealed)
      } catch (err) {
        stats.unauthenticated++
        throw err
      }
      stats.opened++
      this.onData(plaintext)
    }
  }

  /**
   * Small writes (Yamux window updates: the receiver of a bulk transfer sends one for every 64 KiB data frame it
   * takes, 16 for each 1 MiB frame it opens) wait until the current task's microtasks have run and leave sealed
   * together in one frame: one seal, one socket write and one open at the far end instead of one each. A larger
   * write seals them first, so bytes keep their order; nothing waits past the current turn of the event loop.
   */
  sendData (data: Uint8ArrayList): SendResult {
    if (data.byteLength <= COPY_FRAME_MAX_BYTES) {
      // the superclass hands over a list of its own (a copy of its queue's references): safe to hold
      this.small.append(data)
      if (this.small.byteLength >= COPY_FRAME_MAX_BYTES) return { sentBytes: data.byteLength, canSendMore: this.flushSmall() }
      if (!this.flushQueued) {
        this.flushQueued = true
        queueMicrotask(this.flushQueuedSmall)
      }
      return { sentBytes: data.byteLength, canSendMore: true }
    }
    let canSendMore = this.flushSmall()
    for (let at = 0; at < data.byteLength; at += MAX_FRAME_PLAINTEXT_BYTES) {
      const end = Math.min(data.byteLength, at + MAX_FRAME_PLAINTEXT_BYTES)
      const part = at === 0 && end === data.byteLength ? data : data.sublist(at, end)
      canSendMore = this.sendFrame(part)
    }
    return { sentBytes: data.byteLength, canSendMore }
  }

  /** Seals `plaintext` (at most one frame's worth) as one frame and hands it to the transport. */
  private sendFrame (plaintext: Uint8ArrayList): boolean {
    const frame = frameOf(this.cipher.encrypt(onlySegment(plaintext) ?? plaintext))
    stats.sealed++
    return this.stream.send(frame)
  }

  /** Seals the small writes held so far as one frame; false when the transport asks to wait for 'drain'. */
  private flushSmall (): boolean {
    if (this.small.byteLength === 0) return true
    const held = new Uint8ArrayList(...this.small)
    this.small.consume(this.small.byteLength)
    return this.sendFrame(held)
  }

  private readonly flushQueuedSmall = (): void => {
    this.flushQueued = false
    if (this.status !== 'open' && this.status !== 'closing') { this.small.consume(this.small.byteLength); return }
    try {
      this.flushSmall()
    } catch (err) {
      this.abort(err as Error)
    }
  }

  async close (options?: AbortOptions): Promise<void> {
    this.flushSmall()
    await this.stream.close(options)
  }

  sendReset (err: Error): void {
    this.small.consume(this.small.byteLength)
    this.stream.abort(err)
  }

  sendPause (): void {
    this.stream.pause()
  }

  sendResume (): void {
    this.stream.resume()
  }
}
