import assert from 'node:assert/strict'
import { createRng } from '../../../lib/random/index.ts'
import { createPeers, ringIds, signal, stopPeers, waitFor } from './helpers.ts'
import type { Peer } from './helpers.ts'

function bytes (n: number, seed: number): Uint8Array {
  const rng = createRng(seed)
  const b = new Uint8Array(n)
  for (let i = 0; i < n; i++) b[i] = rng.int(256)
  return b
}

describe('node/exchange rounds over real libp2p nodes', function () {
  this.timeout(10_000)
  let peers: Peer[] = []
  afterEach(async () => { await stopPeers(peers); peers = [] })

  it('two peers exchange exact payloads with their degrees for several rounds', async () => {
    peers = await createPeers(2)
    const [a, b] = peers
    a.exchange.setNeighbours([b.id], 1, 1)
    b.exchange.setNeighbours([a.id], 1, 1)
    for (let r = 0; r < 3; r++) {
      const pa = bytes(100 + r, 2 * r); const pb = bytes(200 + r, 2 * r + 1)
      const [ra, rb] = await Promise.all([a.exchange.round(r, pa, { signal: signal() }), b.exchange.round(r, pb, { signal: signal() })])
      assert.deepEqual(ra.map((m) => [m.from.id, m.degree]), [[b.id, 1]])
      assert.deepEqual(ra[0].payload, pb)
      assert.deepEqual(rb[0].payload, pa)
    }
    const sa = a.exchange.stats()
    assert.equal(sa.peers[b.id].messagesIn, 3)
    await waitFor(() => a.exchange.stats().peers[b.id].messagesOut === 3, 1_000, 'three sends')
    assert.ok(sa.lastWaitMs < 1_000)
    assert.equal(sa.lastRound, 2)
    assert.equal(sa.streamsOpened, 1, 'one long-lived stream for all rounds')
    assert.equal(a.exchange.maxDegree(), 1)
  })

  it('four peers on a ring get exactly their two neighbours\' messages, in neighbours() order', async () => {
    peers = await createPeers(4)
    peers.forEach((p, i) => { p.exchange.setNeighbours(ringIds(peers, i)) })
    for (let r = 0; r < 2; r++) {
      const payloads = peers.map((_, i) => bytes(50 + i, 100 * r + i))
      const got = await Promise.all(peers.map(async (p, i) => await p.exchange.round(r, payloads[i], { signal: signal() })))
      got.forEach((received, i) => {
        const expected = ringIds(peers, i)
        assert.deepEqual(received.map((m) => m.from.id), expected)
        for (const m of received) {
          assert.equal(m.degree, 2)
          assert.deepEqual(m.payload, payloads[peers.findIndex((p) => p.id === m.from.id)])
        }
      })
    }
  })

  it('delivers a 5 MB payload chunked into 1 MiB frames, bit for bit', async () => {
    peers = await createPeers(2)
    const [a, b] = peers
    a.exchange.setNeighbours([b.id]); b.exchange.setNeighbours([a.id])
    const big = bytes(5_000_000, 9)
    const [ra, rb] = await Promise.all([a.exchange.round(0, big, { signal: signal() }), b.exchange.round(0, Uint8Array.of(7), { signal: signal() })])
    assert.deepEqual(ra[0].payload, Uint8Array.of(7))
    assert.equal(rb[0].payload.length, big.length)
    assert.ok(Buffer.from(rb[0].payload).equals(big))
    // five 1 MiB − 40 chunks: headers and length prefixes on top of the payload
    assert.equal(b.exchange.stats().peers[a.id].bytesIn, big.length + 5 * 40)
  })

  it('a silent neighbour: the round resolves at the deadline with what arrived', async () => {
    const deadline = 300
    peers = await createPeers(3, { roundDeadlineMs: deadline })
    const [a, b, c] = peers
    a.exchange.setNeighbours([b.id, c.id]); b.exchange.setNeighbours([a.id]); c.exchange.setNeighbours([a.id])
    const t0 = performance.now()
    const [ra] = await Promise.all([a.exchange.round(0, Uint8Array.of(1), { signal: signal() }), b.exchange.round(0, Uint8Array.of(2), { signal: signal() })])
    const waited = performance.now() - t0
    assert.ok(waited >= deadline - 5 && waited < deadline + 400, `waited ${waited} ms for a ${deadline} ms deadline`)
    assert.deepEqual(ra.map((m) => m.from.id), [b.id])
    assert.deepEqual(a.exchange.stats().lastMissing, [c.id])
  })

  it('endRound() ends a waiting round at once with what arrived, as its deadline would; false when none waits', async () => {
    const deadline = 5_000
    peers = await createPeers(3, { roundDeadlineMs: deadline })
    const [a, b, c] = peers
    a.exchange.setNeighbours([b.id, c.id]); b.exchange.setNeighbours([a.id]); c.exchange.setNeighbours([a.id])
    assert.equal(a.exchange.endRound(), false)
    const t0 = performance.now()
    const pending = a.exchange.round(0, Uint8Array.of(1), { signal: signal() })
    await b.exchange.round(0, Uint8Array.of(2), { signal: signal() })
    await waitFor(() => a.exchange.stats().peers[b.id]?.messagesIn === 1, 2_000, "b's message")
    assert.equal(a.exchange.endRound(), true)
    const ra = await pending
    assert.ok(performance.now() - t0 < deadline / 2, 'ended long before the deadline')
    assert.deepEqual(ra.map((m) => m.from.id), [b.id])
    assert.deepEqual(a.exchange.stats().lastMissing, [c.id])
    assert.equal(a.exchange.endRound(), false)
  })

  it('buffers early rounds within the window, counts late ones and refuses rounds beyond the window', async () => {
    peers = await createPeers(2, { roundDeadlineMs: 60, window: 2 })
    const [a, b] = peers
    a.exchange.setNeighbours([b.id]); b.exchange.setNeighbours([a.id])
    await a.exchange.round(0, Uint8Array.of(0), { signal: signal() }) // b is silent: resolves at the deadline
    const sent = [0, 1, 2, 3, 4].map((r) => Uint8Array.of(10 + r))
    for (let r = 0; r <= 4; r++) await b.exchange.round(r, sent[r], { signal: signal() })
    await waitFor(() => { const s = a.exchange.stats(); return s.late + s.early + s.rejected.tooEarly === 5 }, 2_000, 'b\'s five messages at a')
    const s = a.exchange.stats()
    assert.equal(s.late, 1, 'round 0 came after a\'s round 0 resolved')
    assert.equal(s.early, 2, 'rounds 1 and 2 are within the window of round 0')
    assert.equal(s.rejected.tooEarly, 2, 'rounds 3 and 4 are beyond it')
    const r1 = await a.exchange.round(1, Uint8Array.of(1), { signal: signal() })
    assert.ok(a.exchange.stats().lastWaitMs < 60, 'a round whose messages are all buffered resolves before its deadline')
    assert.deepEqual(r1[0].payload, sent[1])
    const r2 = await a.exchange.round(2, Uint8Array.of(2), { signal: signal() })
    assert.deepEqual(r2[0].payload, sent[2])
  })

  it('ignores and counts a sender that is not a neighbour', async () => {
    peers = await createPeers(3, { roundDeadlineMs: 400 })
    const [a, b, c] = peers
    a.exchange.setNeighbours([b.id]); b.exchange.setNeighbours([a.id]); c.exchange.setNeighbours([a.id])
    const [ra] = await Promise.all([
      a.exchange.round(0, Uint8Array.of(1), { signal: signal() }),
      b.exchange.round(0, Uint8Array.of(2), { signal: signal() }),
      c.exchange.round(0, Uint8Array.of(3), { signal: signal() })
    ])
    assert.deepEqual(ra.map((m) => m.from.id), [b.id])
    await waitFor(() => a.exchange.stats().rejected.notNeighbour === 1, 1_000, 'c\'s message refused')
  })

  it('rejects rounds out of order, a round during a round, and setNeighbours during a round; a caller abort rejects', async () => {
    peers = await createPeers(2, { roundDeadlineMs: 5_000 })
    const [a, b] = peers
    a.exchange.setNeighbours([b.id])
    const controller = new AbortController()
    const waiting = a.exchange.round(3, Uint8Array.of(1), { signal: controller.signal })
    await assert.rejects(a.exchange.round(4, Uint8Array.of(1), { signal: signal() }), { name: 'RoundInProgressError' })
    assert.throws(() => { a.exchange.setNeighbours([]) }, { name: 'RoundInProgressError' })
    controller.abort(new Error('caller gave up'))
    await assert.rejects(waiting, { message: 'caller gave up' })
    await assert.rejects(a.exchange.round(3, Uint8Array.of(1), { signal: signal() }), { name: 'RoundOrderError' })
    await assert.rejects(a.exchange.round(2.5, Uint8Array.of(1), { signal: signal() }), { name: 'RoundOrderError' })
    assert.throws(() => { a.exchange.setNeighbours([a.id]) }, { name: 'InvalidExchangeOptionError' })
    assert.throws(() => { a.exchange.setNeighbours([b.id, b.id]) }, { name: 'InvalidExchangeOptionError' })
  })

  it('stop() rejects a waiting round with ExchangeStoppedError; a stopped exchange refuses rounds', async () => {
    peers = await createPeers(2, { roundDeadlineMs: 5_000 })
    const [a, b] = peers
    a.exchange.setNeighbours([b.id])
    const waiting = a.exchange.round(0, Uint8Array.of(1), { signal: signal() })
    await a.exchange.stop()
    await assert.rejects(waiting, { name: 'ExchangeStoppedError' })
    await assert.rejects(a.exchange.round(1, Uint8Array.of(1), { signal: signal() }), { name: 'ExchangeNotStartedError' })
  })

  it('reopens the stream to a neighbour after it fails', async () => {
    peers = await createPeers(2)
    const [a, b] = peers
    a.exchange.setNeighbours([b.id]); b.exchange.setNeighbours([a.id])
    await Promise.all([a.exchange.round(0, Uint8Array.of(1), { signal: signal() }), b.exchange.round(0, Uint8Array.of(2), { signal: signal() })])
    const outbound = a.node.getConnections(b.node.peerId).flatMap((c) => c.streams).filter((s) => s.protocol === '/murmur/gossip/1.1.0' && s.direction === 'outbound')
    assert.equal(outbound.length, 1)
    outbound[0].abort(new Error('broken on purpose'))
    const [, rb] = await Promise.all([a.exchange.round(1, Uint8Array.of(3), { signal: signal() }), b.exchange.round(1, Uint8Array.of(4), { signal: signal() })])
    assert.deepEqual(rb[0].payload, Uint8Array.of(3))
    assert.equal(a.exchange.stats().streamsOpened, 2)
    assert.equal(a.exchange.stats().streamsOpenedNoCrc, 2)
  })
})
