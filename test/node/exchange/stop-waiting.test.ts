import assert from 'node:assert/strict'
import { createPeers, introduce, signal, stopPeers, waitFor } from './helpers.ts'
import type { Peer } from './helpers.ts'

describe('node/exchange stopWaiting: a stopping owner waits for no neighbour', function () {
  this.timeout(10_000)
  let peers: Peer[] = []
  afterEach(async () => { await stopPeers(peers); peers = [] })

  it('ends the waiting round at once with what arrived, and later rounds wait for nothing but still send', async () => {
    const deadline = 5_000
    const stopping = new AbortController()
    // a is the stopping peer; c stays silent (a frozen neighbour)
    peers = [...await createPeers(1, { roundDeadlineMs: deadline, stopWaiting: stopping.signal }), ...await createPeers(2, { roundDeadlineMs: deadline })]
    await introduce(peers.map((p) => p.node))
    const [a, b, c] = peers
    a.exchange.setNeighbours([b.id, c.id]); b.exchange.setNeighbours([a.id]); c.exchange.setNeighbours([a.id])

    const t0 = performance.now()
    const pending = a.exchange.round(0, Uint8Array.of(1), { signal: signal() })
    await b.exchange.round(0, Uint8Array.of(2), { signal: signal() })
    await waitFor(() => a.exchange.stats().peers[b.id]?.messagesIn === 1, 2_000, "b's message")
    stopping.abort()
    const r0 = await pending
    assert.deepEqual(r0.map((m) => m.from.id), [b.id])
    assert.deepEqual(a.exchange.stats().lastMissing, [c.id])

    // the leaving round: resolves without waiting, and its message still reaches b
    const r1 = await a.exchange.round(1, Uint8Array.of(3), { signal: signal() })
    assert.deepEqual(r1, [])
    assert.ok(performance.now() - t0 < deadline / 2, 'neither round waited for the deadline')
    const rb = await b.exchange.round(1, Uint8Array.of(4), { signal: signal() })
    assert.deepEqual(rb.map((m) => [m.from.id, [...m.payload]]), [[a.id, [3]]])
  })
})
