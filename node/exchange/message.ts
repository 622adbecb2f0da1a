/**
 * One round's outgoing message in the two encodings a neighbour may have negotiated: `/murmur/gossip/1.1.0`
 * (checksum field 0, encoded at once: it also checks that the envelope can carry the payload) and
 * `/murmur/gossip/1.0.0` (with the payload's CRC-32, computed the first time a neighbour needs it). The payload
 * is the message's own copy, which nothing writes: no message can mix two rounds' bytes, whichever encoding.
 */

import { GOSSIP_PROTOCOL_NO_CRC, encodeMessage } from '../../lib/protocol/index.ts'
import type { EncodedMessage, MessageFields } from '../../lib/protocol/index.ts'

export class RoundMessage {
  private readonly fields: MessageFields
  private readonly payload: Uint8Array
  private readonly chunkBytes: number
  private readonly noCrc: EncodedMessage
  private withCrc: EncodedMessage | undefined

  /** `payload`: a copy owned by this message (the caller's buffer is reused by its next rounds) */
  constructor (fields: MessageFields, payload: Uint8Array, chunkBytes: number) {
    this.fields = fields
    this.payload = payload
    this.chunkBytes = chunkBytes
    this.noCrc = encodeMessage(fields, payload, { chunkBytes, checksum: 'none' })
  }

  /** bytes on the wire, the same in both encodings */
  get wireBytes (): number { return this.noCrc.wireBytes }

  /** the encoding for a stream that negotiated `protocol` */
  for (protocol: string): EncodedMessage {
    if (protocol === GOSSIP_PROTOCOL_NO_CRC) return this.noCrc
    this.withCrc ??= encodeMessage(this.fields, this.payload, { chunkBytes: this.chunkBytes })
    return this.withCrc
  }
}
