import assert from 'node:assert/strict'
import type { Stream } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import {
  GOSSIP_PROTOCOL, GOSSIP_PROTOCOL_NO_CRC, concatFrames, crc32, encodeMessage, runIdHash
} from '../../../lib/protocol/index.ts'
import type { MessageFields } from '../../../lib/protocol/index.ts'
import { createGossipExchange } from '../../../node/exchange/index.ts'
import { authenticates } from '../../../node/exchange/exchange.ts'
import { RoundMessage } from '../../../node/exchange/message.ts'
import { createRng } from '../../../lib/random/index.ts'
import { assertSameBytes, randomBytes } from '../../lib/protocol/helpers.ts'
import { createPeers, signal, stopPeers, waitFor, RUN_ID } from './helpers.ts'
import type { Peer } from './helpers.ts'

const bytes = (n: number, seed: number): Uint8Array => randomBytes(n, createRng(seed))

/** the frames' bodies, back to back */
const concatBodies = (frames: ReadonlyArray<{ body: Uint8Array }>): Uint8Array => {
  const out = new Uint8Array(frames.reduce((n, f) => n + f.body.length, 0))
  let at = 0
  for (const f of frames) { out.set(f.body, at); at += f.body.length }
  return out
}

const fields = (round: number): MessageFields => ({ type: 'gossip', runHash: runIdHash(RUN_ID), round, degree: 1 })

/** a libp2p stand-in that records the protocols handled and hands out their handlers (no dials) */
function fakeLibp2p (): { libp2p: never, handlers: Map<string, (stream: Stream, connection: unknown) => void> } {
  const handlers = new Map<string, (stream: Stream, connection: unknown) => void>()
  const libp2p = {
    peerId: peerIdFromString('12D3KooWJJ88saBdm8qYfkY6sei9JCdQCzWNmH7eJenYZu19JZrk'),
    handle: async (protocol: string, handler: (stream: Stream, connection: unknown) => void) => { handlers.set(protocol, handler) },
    unhandle: async () => {},
    dialProtocol: async () => { throw new Error('no dials in this test') }
  }
  return { libp2p: libp2p as never, handlers }
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
    assertSameBytes(ra[0].payload, pb, 'a got b\'s payload')
    assertSameBytes(rb[0].payload, pa, 'b got a\'s payload')
    for (const p of peers) {
      const s = p.exchange.stats()
      assert.equal(s.streamsOpened, 1)
      assert.equal(s.streamsOpenedNoCrc, 1, 'the stream spoke 1.1.0')
    }
    const protocols = a.node.getConnections(b.node.peerId).flatMap((c) => c.streams).filter((s) => s.direction === 'outbound').map((s) => s.protocol)
    assert.ok(protocols.includes(GOSSIP_PROTOCOL_NO_CRC), `outbound streams: ${protocols.join(', ')}`)
  })

  it('1.1.0 sends each round\'s bytes when the caller reuses one buffer, overwritten as soon as the next round resolves', async () => {
    peers = await createPeers(2)
    const [a, b] = peers
    a.exchange.setNeighbours([b.id]); b.exchange.setNeighbours([a.id])
    const buffer = new Uint8Array(4_000_000)
    const sent: Uint8Array[] = []
    const got: Uint8Array[] = []
    for (let r = 0; r < 3; r++) {
      // as lib/algorithms does: the next round's bytes go into the buffer once the round has resolved
      buffer.set(bytes(buffer.length, 20 + r))
      sent.push(buffer.slice())
      const [, rb] = await Promise.all([a.exchange.round(r, buffer, { signal: signal() }), b.exchange.round(r, bytes(10, 8), { signal: signal() })])
      got.push(rb[0].payload)
    }
    assert.equal(a.exchange.stats().streamsOpenedNoCrc, 1)
    for (let r = 0; r < 3; r++) assertSameBytes(got[r], sent[r], `b got round ${r}'s bytes`)
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
      assertSameBytes(ra[0].payload, pb, 'a got b\'s payload')
      assertSameBytes(rb[0].payload, pa, 'b got a\'s payload')
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
    const { libp2p, handlers } = fakeLibp2p()
    const reports: Array<[string, string, Error]> = []
    const exchange = createGossipExchange({ libp2p }, {
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
    const { libp2p, handlers } = fakeLibp2p()
    const exchange = createGossipExchange({ libp2p }, { runId: RUN_ID, roundDeadlineMs: 1_000, maxMessageBytes: 1024, crc: 'always' })
    await exchange.start()
    assert.deepEqual([...handlers.keys()].sort(), ['/murmur/gossip/1.0.0', '/murmur/sync/1.0.0'])
    await exchange.stop()
    assert.throws(() => createGossipExchange({ libp2p }, { runId: RUN_ID, roundDeadlineMs: 1_000, maxMessageBytes: 1024, crc: 'sometimes' as never }),
      { name: 'InvalidExchangeOptionError', message: /crc: expected 'auto' or 'always'/ })
  })
})

describe('node/exchange RoundMessage', () => {
  it('1.1.0 carries checksum 0; 1.0.0 carries the CRC-32 of the payload, computed once', () => {
    const payload = bytes(10_000, 5)
    const m = new RoundMessage(fields(3), payload, 4_000, 'eager')
    const noCrc = m.for(GOSSIP_PROTOCOL_NO_CRC)
    assert.equal(noCrc.checksum, 0)
    assert.equal(noCrc.frames.length, 3)
    const withCrc = m.for(GOSSIP_PROTOCOL)
    assert.equal(withCrc.checksum, crc32(payload))
    assert.equal(m.for(GOSSIP_PROTOCOL), withCrc, 'the CRC-32 encoding is made once')
    assert.equal(m.wireBytes, withCrc.wireBytes)
  })

  it('eager: the whole payload is the message\'s own copy at once; the caller\'s later writes do not reach it', () => {
    const payload = bytes(10_000, 6)
    const original = payload.slice()
    const m = new RoundMessage(fields(3), payload, 4_000, 'eager')
    payload.fill(1)
    assert.equal(m.copiedBytes, 10_000)
    assertSameBytes(concatFrames(m.for(GOSSIP_PROTOCOL_NO_CRC)), concatFrames(encodeMessage(fields(3), original, { chunkBytes: 4_000, checksum: 'none' })), 'the frames')
  })

  it('lazy: frame i is copied by prepare(i), with any frame before it; a frame once copied keeps its bytes', () => {
    const payload = bytes(10_000, 7)
    const original = payload.slice()
    const m = new RoundMessage(fields(3), payload, 4_000, 'lazy')
    assert.equal(m.copiedBytes, 0, 'nothing is read before a sender needs it')
    m.prepare(1)
    assert.equal(m.copiedBytes, 8_000)
    m.prepare(0)
    assert.equal(m.copiedBytes, 8_000, 'a frame is copied once')
    payload.fill(0xaa, 0, 8_000)
    m.prepare(2)
    assert.equal(m.copiedBytes, 10_000)
    const frames = m.for(GOSSIP_PROTOCOL_NO_CRC).frames
    assertSameBytes(frames[0].body, original.subarray(0, 4_000), 'frame 0')
    assertSameBytes(frames[1].body, original.subarray(4_000, 8_000), 'frame 1')
    assertSameBytes(frames[2].body, original.subarray(8_000), 'frame 2')
  })

  it('lazy: the 1.0.0 encoding copies the rest first, and its CRC-32 is that of the copy', () => {
    const payload = bytes(9_000, 8)
    const m = new RoundMessage(fields(3), payload, 4_000, 'lazy')
    m.prepare(0)
    const withCrc = m.for(GOSSIP_PROTOCOL)
    assert.equal(m.copiedBytes, 9_000)
    assert.equal(withCrc.checksum, crc32(payload))
    payload.fill(3)
    assert.notEqual(crc32(payload), withCrc.checksum)
    assert.equal(crc32(concatBodies(withCrc.frames)), withCrc.checksum, 'the frames still hold the bytes the CRC-32 covers')
  })

  it('an empty payload: one empty frame, nothing to copy', () => {
    const m = new RoundMessage(fields(3), new Uint8Array(0), 4_000, 'lazy')
    m.prepare(0)
    assert.equal(m.for(GOSSIP_PROTOCOL_NO_CRC).frames.length, 1)
    assert.equal(m.copiedBytes, 0)
  })

  it('authenticates: every libp2p encrypter but plaintext', () => {
    for (const e of ['/noise', '/tls/1.0.0', '/murmur/noise-aesgcm/1.0.0']) assert.equal(authenticates(e), true, e)
    for (const e of [undefined, '', '/plaintext/2.0.0']) assert.equal(authenticates(e), false, String(e))
  })
})
