import assert from 'node:assert/strict'
import type { Stream } from '@libp2p/interface'
import { logger } from '@libp2p/logger'
import { Uint8ArrayList } from 'uint8arraylist'
import { GOSSIP_PROTOCOL_NO_CRC, concatFrames, encodeMessage, runIdHash } from '../../../lib/protocol/index.ts'
import type { MessageFields } from '../../../lib/protocol/index.ts'
import { RoundMessage } from '../../../node/exchange/message.ts'
import { Outbox } from '../../../node/exchange/outbox.ts'
import { Counters } from '../../../node/exchange/stats.ts'
import { createRng } from '../../../lib/random/index.ts'
import { assertSameBytes, randomBytes } from '../../lib/protocol/helpers.ts'

const fields = (round: number): MessageFields => ({ type: 'gossip', runHash: runIdHash('outbox-test'), round, degree: 1 })

/**
 * A stream stand-in that keeps what it is given by reference, as Yamux's and the encrypter's write buffers do
 * until the socket takes the bytes: what it "sends" is read only when the test looks. `acceptFrames` frames are
 * accepted before it reports a full buffer and waits for a drain that never comes.
 */
class HoldingStream {
  readonly protocol = GOSSIP_PROTOCOL_NO_CRC
  status = 'open'
  writeStatus = 'writable'
  readonly held: Uint8ArrayList[] = []
  aborted: Error | undefined
  private readonly acceptFrames: number
  constructor (acceptFrames = Infinity) { this.acceptFrames = acceptFrames }
  send (data: Uint8Array | Uint8ArrayList): boolean {
    this.held.push(data instanceof Uint8ArrayList ? data : new Uint8ArrayList(data))
    return this.held.length < this.acceptFrames
  }

  async onDrain (opts: { signal: AbortSignal }): Promise<void> {
    await new Promise((resolve, reject) => { opts.signal.addEventListener('abort', () => { reject(opts.signal.reason) }, { once: true }) })
  }

  abort (err: Error): void { this.aborted = err; this.status = 'aborted' }
  async close (): Promise<void> { this.status = 'closed' }
  addEventListener (): void {}
  /** the bytes as the socket would read them now */
  wire (): Uint8Array { return new Uint8ArrayList(...this.held).subarray() }
}

function outboxTo (stream: HoldingStream): Outbox {
  return new Outbox({ peer: 'b', dial: async () => stream as unknown as Stream, counters: new Counters(), log: logger('test:outbox'), attempts: 1, dialTimeoutMs: 1_000 })
}

describe('node/exchange Outbox with a lazily copied round message', () => {
  const chunk = 64 * 1024
  const source = (): Uint8Array => randomBytes(3 * chunk + 17, createRng(4))

  it('bytes still held by the stream after the send returned are the round\'s, though the caller overwrote its buffer', async () => {
    const stream = new HoldingStream()
    const outbox = outboxTo(stream)
    const payload = source()
    const original = payload.slice()
    outbox.enqueue(0, new RoundMessage(fields(0), payload, chunk, 'lazy'))
    await outbox.finish(AbortSignal.timeout(5_000))
    // round 1 resolves: the caller's buffer is its own again
    outbox.cancelBefore(1)
    payload.fill(0xee)
    const want = concatFrames(encodeMessage(fields(0), original, { chunkBytes: chunk, checksum: 'none' }))
    assertSameBytes(stream.wire(), want, 'the bytes held by the stream, against round 0\'s message')
    assert.equal(stream.aborted, undefined)
  })

  it('a send cancelled before it starts reads nothing of the caller\'s buffer', async () => {
    const stream = new HoldingStream()
    const outbox = outboxTo(stream)
    const m = new RoundMessage(fields(0), source(), chunk, 'lazy')
    outbox.enqueue(0, m)
    outbox.cancelBefore(1)
    await outbox.close()
    assert.equal(m.copiedBytes, 0)
    assert.equal(stream.held.length, 0)
  })

  it('a send cancelled mid-message copies no further frame and resets the stream', async () => {
    const stream = new HoldingStream(2)
    const outbox = outboxTo(stream)
    const m = new RoundMessage(fields(0), source(), chunk, 'lazy')
    outbox.enqueue(0, m)
    while (stream.held.length < 2) await new Promise((resolve) => setImmediate(resolve))
    outbox.cancelBefore(1)
    while (outbox.pending > 0) await new Promise((resolve) => setImmediate(resolve))
    assert.equal(m.copiedBytes, 2 * chunk, 'the two frames handed over, no more')
    assert.ok(stream.aborted !== undefined, 'the receiver must drop the partial message')
  })
})
