/**
 * A leaving peer's last message (node/peer: exchange.finishSends before the node stops). A send that has returned
 * has only handed its bytes to this process's buffers; a node stopped then cut a large message short. The leaving
 * peer waits until its neighbour has read to the end of the stream (at most a second), not a fixed second.
 */
import assert from 'node:assert/strict'
import type { Stream } from '@libp2p/interface'
import { GOSSIP_PROTOCOL } from '../../../node/exchange/index.ts'
import { createNode, createPeers, stopPeers } from '../exchange/helpers.ts'
import type { Peer, TestNode } from '../exchange/helpers.ts'

const running: Peer[][] = []
const nodes: TestNode[] = []

afterEach(async () => {
  for (const peers of running.splice(0)) await stopPeers(peers).catch(() => {})
  for (const node of nodes.splice(0)) await node.stop()
})

describe('node/peer: the last round\'s message of a leaving peer', function () {
  this.timeout(30_000)

  for (const trial of [1, 2, 3]) {
    it(`reaches a neighbour that starts that round only after the leaver's node has stopped (6 MB, trial ${trial})`, async () => {
      const leaving = new AbortController()
      leaving.abort()
      // the leaver waits for no neighbour (stopWaiting), as a stopping peer does
      const [a] = await createPeers(1, { stopWaiting: leaving.signal })
      const [b] = await createPeers(1)
      running.push([b])
      await a.node.peerStore.merge(b.node.peerId, { multiaddrs: b.node.getMultiaddrs() })
      await b.node.peerStore.merge(a.node.peerId, { multiaddrs: a.node.getMultiaddrs() })
      a.exchange.setNeighbours([b.id])
      b.exchange.setNeighbours([a.id])
      const payload = new Uint8Array(6_000_000).map((_, i) => i % 251)

      const t0 = performance.now()
      await a.exchange.round(0, payload, { signal: AbortSignal.timeout(10_000) })
      const read = await a.exchange.finishSends(AbortSignal.timeout(1000))
      const ms = performance.now() - t0
      await a.exchange.stop()
      await a.node.stop()

      assert.equal(read, true, 'the neighbour read the message to its end within the second')
      assert.ok(ms < 1000, `${Math.round(ms)} ms`)
      const received = await b.exchange.round(0, new Uint8Array(4), { signal: AbortSignal.timeout(10_000) })
      assert.equal(received.length, 1, 'b has the leaver\'s message of round 0')
      assert.equal(received[0].from.id, a.id)
      assert.equal(received[0].payload.byteLength, payload.byteLength)
      assert.deepEqual(received[0].payload.subarray(0, 1000), payload.subarray(0, 1000))
    })
  }

  it('gives up at the signal when the neighbour does not read to the end (a frozen process: here a handler that never reads or closes)', async () => {
    const leaving = new AbortController()
    leaving.abort()
    const [a] = await createPeers(1, { stopWaiting: leaving.signal })
    running.push([a])
    const b = await createNode()
    nodes.push(b)
    const held: Stream[] = []
    // the handler keeps the stream open, reads nothing and never closes its side (a larger message would overflow its
    // read buffer, and the stream be reset: not read either, but at once)
    await b.handle(GOSSIP_PROTOCOL, async (stream) => { held.push(stream); await new Promise(() => {}) })
    await a.node.peerStore.merge(b.peerId, { multiaddrs: b.getMultiaddrs() })
    a.exchange.setNeighbours([b.peerId.toString()])
    await a.exchange.round(0, new Uint8Array(1000), { signal: AbortSignal.timeout(10_000) })
    const t0 = performance.now()
    const read = await a.exchange.finishSends(AbortSignal.timeout(300))
    const ms = performance.now() - t0
    assert.equal(read, false)
    assert.ok(ms >= 250 && ms < 1000, `${Math.round(ms)} ms`)
  })
})
