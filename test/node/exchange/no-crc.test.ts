import assert from 'node:assert/strict'
import type { Stream } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { Uint8ArrayList } from 'uint8arraylist'
import {
  GOSSIP_PROTOCOL, GOSSIP_PROTOCOL_NO_CRC, concatFrames, crc32, encodeMessage, runIdHash
} from '../../../lib/protocol/index.ts'
import type { MessageFields } from '../../../lib/protocol/index.ts'
import { createGossipExchange } from '../../../node/exchange/index.ts'
import { authenticates } from '../../../node/exchange/exchange.ts'
import { RoundMessage } from '../../../node/exchange/message.ts'
import { writeFrames } from '../../../node/exchange/write.ts'
import { createRng } from '../../../lib/random/index.ts'
import { createPeers, signal, stopPeers, waitFor, RUN_ID } from './helpers.ts'
import type { Peer } from './helpers.ts'

function bytes (n: number, seed: number): Uint8Array {
  const rng = createRng(seed)
  const b = new Uint8Array(n)
  for (let i = 0; i < n; i++) b[i] = rng.int(256)
  return b
}

const fields = (round: number): MessageFields => ({ type: 'gossip', runHash: runIdHash(RUN_ID), round, degree: 1 })

/** a stream that keeps what is sent to it, as bytes copied at the moment of each send, and as the lists themselves */
function captureStream (): { stream: Stream, sent: Uint8ArrayList[] } {
  const sent: Uint8ArrayList[] = []
  const stream = { send: (data: Uint8Array | Uint8ArrayList) => { sent.push(data instanceof Uint8ArrayList ? data : new Uint8ArrayList(data)); return true } } as unknown as Stream
  return { stream, sent }
}

describe('node/exchange /murmur/gossip/1.1.0: no CRC-32 over authenticated connections', function () {
  this.timeout(15_000)
  let peers: Peer[] = []
  afterEach(async () => { await stopPeers(peers); peers = [] })

  it('two murmur peers negotiate 1.1.0 and deliver a multi-chunk payload bit for bit', async () => {
    peers = await createPeers(2)
    const [a, b] = peers
    a.exchange.setNeighbours([b.id]); b.exchange.setNeighbours([a.id])
    const pa = bytes(3_000_000, 1); const pb = bytes(2_500_001, 2)
    const [ra, rb] = await Promise.all([a.exchange.round(0, pa, { signal: signal() }), b.exchange.round(0, pb, { signal: signal() })])
    assert.deepEqual(ra[0].payload, pb)
    assert.deepEqual(rb[0].payload, pa)
    for (const p of peers) {
      const s = p.exchange.stats()
      assert.equal(s.streamsOpened, 1)
      assert.equal(s.streamsOpenedNoCrc, 1, 'the stream spoke 1.1.0')
    }
    const protocols = a.node.getConnections(b.node.peerId).flatMap((c) => c.streams).filter((s) => s.direction === 'outbound').map((s) => s.protocol)
    assert.ok(protocols.includes(GOSSIP_PROTOCOL_NO_CRC), `outbound streams: ${protocols.join(', ')}`)
  })

  it('falls back to 1.0.0 with a peer that does not speak 1.1.0, both ways, and its CRC-32 is still checked', async () => {
    peers = await createPeers(2)
    const [a, b] = peers
    // a speaks and serves 1.0.0 only, as a peer of an earlier version does
    await a.exchange.stop()
    a.exchange = createGossipExchange({ libp2p: a.node }, { runId: RUN_ID, roundDeadlineMs: 1_500, maxMessageBytes: 8 * 1024 * 1024, crc: 'always' })
    await a.exchange.start()
    a.exchange.setNeighbours([b.id]); b.exchange.setNeighbours([a.id])
    for (let r = 0; r < 2; r++) {
      const pa = bytes(1_500_000 + r, 10 + r); const pb = bytes(1_200_000 + r, 20 + r)
      const [ra, rb] = await Promise.all([a.exchange.round(r, pa, { signal: signal() }), b.exchange.round(r, pb, { signal: signal() })])
      assert.deepEqual(ra[0].payload, pb)
      assert.deepEqual(rb[0].payload, pa)
    }
    assert.equal(a.exchange.stats().streamsOpenedNoCrc, 0)
    assert.equal(b.exchange.stats().streamsOpenedNoCrc, 0, 'b offered 1.1.0 and a chose 1.0.0')
    assert.equal(b.exchange.stats().streamsOpened, 1)
    // a 1.0.0 message with a wrong CRC-32 is still refused on a 1.0.0 stream of b
    const bad = encodeMessage(fields(2), bytes(100, 3), { checksum: 'none' })
    const raw = await a.node.dialProtocol(b.node.peerId, GOSSIP_PROTOCOL, { signal: signal() })
    raw.send(concatFrames(bad))
    await waitFor(() => b.exchange.stats().rejected.checksum === 1, 3_000, 'the checksum rejection')
  })

  it('a 1.1.0 message must carry 0 in its checksum field: anything else is refused as a field fault', async () => {
    peers = await createPeers(2)
    const [a, b] = peers
    b.exchange.setNeighbours([a.id])
    const withCrc = encodeMessage(fields(0), bytes(64, 4))
    assert.notEqual(withCrc.checksum, 0)
    const raw = await a.node.dialProtocol(b.node.peerId, GOSSIP_PROTOCOL_NO_CRC, { signal: signal() })
    raw.send(concatFrames(withCrc))
    await waitFor(() => b.exchange.stats().rejected.field === 1, 3_000, 'the field rejection')
  })

  it('refuses a 1.1.0 stream on a connection that nothing authenticates (counted as unencrypted, the stream aborted)', async () => {
    const handlers = new Map<string, (stream: Stream, connection: unknown) => void>()
    const libp2p = {
      peerId: peerIdFromString('12D3KooWJJ88saBdm8qYfkY6sei9JCdQCzWNmH7eJenYZu19JZrk'),
      handle: async (protocol: string, handler: (stream: Stream, connection: unknown) => void) => { handlers.set(protocol, handler) },
      unhandle: async () => {},
      dialProtocol: async () => { throw new Error('no dials in this test') }
    }
    const reports: Array<[string, string, Error]> = []
    const exchange = createGossipExchange({ libp2p: libp2p as never }, {
      runId: RUN_ID, roundDeadlineMs: 1_000, maxMessageBytes: 1024, onRejected: (peer, reason, error) => { reports.push([peer, reason, error]) }
    })
    await exchange.start()
    assert.deepEqual([...handlers.keys()].sort(), ['/murmur/gossip/1.0.0', '/murmur/gossip/1.1.0', '/murmur/sync/1.0.0'])
    const from = '12D3KooWDHQ8fh4aXYL4ScHJDtxnLSWHvLH4qhgNvFcsADaqG8De'
    let aborted: Error | undefined
    const stream = { abort: (err: Error) => { aborted = err } } as unknown as Stream
    handlers.get(GOSSIP_PROTOCOL_NO_CRC)!(stream, { remotePeer: peerIdFromString(from), encryption: '/plaintext/2.0.0' })
    assert.equal(aborted?.name, 'UnencryptedStreamError')
    assert.equal(exchange.stats().rejected.unencrypted, 1)
    assert.deepEqual(reports.map(([p, r]) => [p, r]), [[from, 'unencrypted']])
    assert.match(reports[0][2].message, /plaintext.*must use \/murmur\/gossip\/1\.0\.0/)
    await exchange.stop()
  })

  it("crc: 'always' serves 1.0.0 only; an unknown crc option is a named error", async () => {
    const handled: string[] = []
    const libp2p = {
      peerId: peerIdFromString('12D3KooWJJ88saBdm8qYfkY6sei9JCdQCzWNmH7eJenYZu19JZrk'),
      handle: async (protocol: string) => { handled.push(protocol) },
      unhandle: async () => {},
      dialProtocol: async () => { throw new Error('no dials in this test') }
    }
    const exchange = createGossipExchange({ libp2p: libp2p as never }, { runId: RUN_ID, roundDeadlineMs: 1_000, maxMessageBytes: 1024, crc: 'always' })
    await exchange.start()
    assert.deepEqual(handled.sort(), ['/murmur/gossip/1.0.0', '/murmur/sync/1.0.0'])
    await exchange.stop()
    assert.throws(() => createGossipExchange({ libp2p: libp2p as never }, { runId: RUN_ID, roundDeadlineMs: 1_000, maxMessageBytes: 1024, crc: 'sometimes' as never }),
      { name: 'InvalidExchangeOptionError', message: /crc: expected 'auto' or 'always'/ })
  })
})

describe('node/exchange RoundMessage and writeFrames', () => {
  it('1.1.0 of the caller\'s buffer snapshots each chunk as it is written; 1.0.0 refers to the payload and carries its CRC-32', async () => {
    const payload = bytes(10_000, 5)
    const original = payload.slice()
    const m = new RoundMessage(fields(3), payload, 4_000, false)
    const noCrc = m.for(GOSSIP_PROTOCOL_NO_CRC)
    assert.equal(noCrc.copyChunks, true)
    assert.equal(noCrc.message.checksum, 0)
    assert.equal(noCrc.message.frames.length, 3)
    const withCrc = m.for(GOSSIP_PROTOCOL)
    assert.equal(withCrc.copyChunks, false)
    assert.equal(withCrc.message.checksum, crc32(payload))
    assert.equal(m.for(GOSSIP_PROTOCOL).message, withCrc.message, 'the CRC-32 encoding is made once')
    assert.equal(m.wireBytes, withCrc.message.wireBytes)

    const copied = captureStream()
    await writeFrames(copied.stream, noCrc, signal())
    const shared = captureStream()
    await writeFrames(shared.stream, withCrc, signal())
    // the algorithm's next round overwrites its buffer while the sent bytes still wait in the stream's buffers
    payload.fill(0xee)
    // each send is one list: the frame's head, then its chunk
    const bodyOf = (sent: Uint8ArrayList[]): Uint8Array => {
      const out = new Uint8ArrayList()
      sent.forEach((list, i) => { out.append(list.sublist(noCrc.message.frames[i].head.length)) })
      return out.subarray()
    }
    assert.deepEqual(bodyOf(copied.sent), original, '1.1.0: the bytes sent are the round\'s, whatever happens to the buffer after')
    assert.ok(bodyOf(shared.sent).every((x) => x === 0xee), '1.0.0 refers to the buffer: the receiver\'s CRC-32 check is what refuses a torn message')
  })

  it('an owned payload (async mode\'s copy) is not copied again', () => {
    const m = new RoundMessage(fields(0), bytes(100, 6), 64, true)
    assert.equal(m.for(GOSSIP_PROTOCOL_NO_CRC).copyChunks, false)
  })

  it('authenticates: every libp2p encrypter but plaintext', () => {
    for (const e of ['/noise', '/tls/1.0.0', '/murmur/noise-aesgcm/1.0.0']) assert.equal(authenticates(e), true, e)
    for (const e of [undefined, '', '/plaintext/2.0.0']) assert.equal(authenticates(e), false, String(e))
  })
})
