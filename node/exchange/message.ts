/**
 * One round's outgoing message in the two encodings a neighbour may have negotiated: `/murmur/gossip/1.1.0`
 * (checksum field 0, encoded at once: it also checks that the envelope can carry the payload) and
 * `/murmur/gossip/1.0.0` (with the payload's CRC-32, computed the first time a neighbour needs it).
 *
 * The frames carry the message's own copies of the caller's bytes (one buffer a frame), never the caller's buffer:
 * a send's last bytes may wait in the muxer's and the encrypter's buffers after the send has returned, when the
 * caller may already be overwriting its buffer, and 1.1.0 has no CRC-32 to catch a message mixing two rounds. The
 * copies are taken
 * - `eager`: every frame when the message is made (async rounds, whose sends outlive the round call), or
 * - `lazy`: a frame at a time, just before a sender hands that frame to its stream (`prepare`), shared by every
 *   neighbour (sync rounds). The first byte leaves at once instead of after a pass over the whole payload, and the
 *   encrypter reads a chunk still in the cache. This relies on the sync contract (lib/algorithms/types.ts): the
 *   caller leaves its buffer untouched until the next round resolves, and by then this round's sends are finished or
 *   cancelled (the outbox checks its signal before each `prepare`), so nothing reads the buffer after that.
 */

import { GOSSIP_PROTOCOL_NO_CRC, crc32, encodeMessage } from '../../lib/protocol/index.ts'
import type { EncodedMessage, MessageFields } from '../../lib/protocol/index.ts'

export type PayloadCopy = 'eager' | 'lazy'

export class RoundMessage {
  private readonly fields: MessageFields
  /** the caller's buffer: read (into the copies) only until every frame is prepared */
  private readonly source: Uint8Array
  private readonly chunkBytes: number
  private readonly noCrc: EncodedMessage
  private withCrc: EncodedMessage | undefined
  /** frames whose bodies are copies, from the first */
  private prepared = 0
  private copied = 0

  constructor (fields: MessageFields, source: Uint8Array, chunkBytes: number, copy: PayloadCopy) {
    this.fields = fields
    this.source = source
    this.chunkBytes = chunkBytes
    // the bodies view the caller's buffer until prepare() replaces them with copies
    this.noCrc = encodeMessage(fields, source, { chunkBytes, checksum: 'none' })
    if (copy === 'eager') this.prepareAll()
  }

  /** bytes on the wire, the same in both encodings */
  get wireBytes (): number { return this.noCrc.wireBytes }

  /** payload bytes copied from the caller's buffer so far */
  get copiedBytes (): number { return this.copied }

  /**
   * The encoding for a stream that negotiated `protocol`. Frame i's body is the message's own copy once `prepare(i)`
   * has been called; 1.0.0's CRC-32 covers the whole payload, so its encoding copies every frame first.
   */
  for (protocol: string): EncodedMessage {
    if (protocol === GOSSIP_PROTOCOL_NO_CRC) return this.noCrc
    if (this.withCrc === undefined) {
      this.prepareAll()
      const bodies = this.noCrc.frames.map((f) => f.body)
      const checksum = bodies.reduce((crc, b) => crc32(b, crc), 0)
      // the checksum given, encodeMessage reads no byte of the source: it only sizes the frames
      const withCrc = encodeMessage(this.fields, this.source, { chunkBytes: this.chunkBytes, checksum })
      withCrc.frames.forEach((f, i) => { f.body = bodies[i] })
      this.withCrc = withCrc
    }
    return this.withCrc
  }

  /**
   * Copies the caller's bytes of frame `index`, and of any frame before it not copied yet, each into a buffer of
   * its own: 1 MiB blocks come back from the allocator's free lists, where one fresh buffer of a 40 MB payload is
   * mapped anew each round (25 ms of page faults and zeroing against 6 ms for the copy itself, measured here).
   */
  prepare (index: number): void {
    const frames = this.noCrc.frames
    for (; this.prepared <= index && this.prepared < frames.length; this.prepared++) {
      const frame = frames[this.prepared]
      const copy = Buffer.allocUnsafeSlow(frame.body.length)
      copy.set(frame.body)
      frame.body = copy
      this.copied += copy.length
    }
  }

  private prepareAll (): void { this.prepare(this.noCrc.frames.length - 1) }
}
