/**
 * One round's outgoing message in the two encodings a neighbour may have negotiated: `/murmur/gossip/1.1.0`
 * (checksum field 0, encoded at once: it also checks that the envelope can carry the payload) and
 * `/murmur/gossip/1.0.0` (with the payload's CRC-32, computed the first time a neighbour needs it).
 */

import { GOSSIP_PROTOCOL_NO_CRC, encodeMessage } from '../../lib/protocol/index.ts'
import type { EncodedMessage, MessageFields } from '../../lib/protocol/index.ts'

export interface Encoding {
  message: EncodedMessage
  /**
   * true when each chunk must be copied as it is written: a message without a checksum whose payload is the caller's
   * buffer, which its next round may overwrite while bytes already handed to the stream wait to be encrypted
   */
  copyChunks: boolean
}

export class RoundMessage {
  private readonly fields: MessageFields
  private readonly payload: Uint8Array
  private readonly chunkBytes: number
  private readonly owned: boolean
  private readonly noCrc: EncodedMessage
  private withCrc: EncodedMessage | undefined

  /** `owned`: the payload is this message's own copy, which nothing else writes */
  constructor (fields: MessageFields, payload: Uint8Array, chunkBytes: number, owned: boolean) {
    this.fields = fields
    this.payload = payload
    this.chunkBytes = chunkBytes
    this.owned = owned
    this.noCrc = encodeMessage(fields, payload, { chunkBytes, checksum: 'none' })
  }

  /** bytes on the wire, the same in both encodings */
  get wireBytes (): number { return this.noCrc.wireBytes }

  /** the encoding for a stream that negotiated `protocol` */
  for (protocol: string): Encoding {
    if (protocol === GOSSIP_PROTOCOL_NO_CRC) return { message: this.noCrc, copyChunks: !this.owned }
    this.withCrc ??= encodeMessage(this.fields, this.payload, { chunkBytes: this.chunkBytes })
    return { message: this.withCrc, copyChunks: false }
  }
}
