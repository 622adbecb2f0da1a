import assert from 'node:assert/strict'
import type { Stream } from '@libp2p/interface'
import { GOSSIP_PROTOCOL, concatFrames, encodeMessage, runIdHash } from '../../../lib/protocol/index.ts'
import { InvalidExchangeOptionError } from '../../../node/exchange/index.ts'
import { createGossipExchange, BENIGN_REASONS, REJECT_REASONS } from '../../../node/exchange/index.ts'
import { RoundBudget } from '../../../node/exchange/budget.ts'
import { createNode, createPeers, signal, stopPeers, waitFor, RUN_ID } from './helpers.ts'
import type { Peer } from './helpers.ts'

function wire (round: number, payload = Uint8Array.of(round & 0xff)): Uint8Array {
  return concatFrames(encodeMessage({ type: 'gossip', runHash: runIdHash(RUN_ID), round, degree: 1 }, payload))
}

async function open (from: Peer, to: Peer): Promise<Stream> {
  return await from.node.dialProtocol(to.node.peerId, GOSSIP_PROTOCOL, { signal: signal() })
}

describe('node/exchange hardening: budgets, refusals, onRejected', function () {
  this.timeout(10_000)
  let peers: Peer[] = []
  afterEach(async () => { await stopPeers(peers); peers = [] })

  it('the round budget refuses a peer above its messages or bytes, and fills again at each round', () => {
    const budget = new RoundBudget({ maxMessages: 2, maxBytes: 100 })
    budget.charge('p', 10, true)
    budget.charge('p', 10, false)
    budget.charge('p', 10, true)
    budget.charge('q', 90, true)
    assert.throws(() => { budget.charge('p', 10, true) }, (err: Error & { limit?: string, reason?: string }) => err.name === 'RateLimitedError' && err.limit === 'messages' && err.reason === 'rateLimited')
    assert.throws(() => { budget.charge('q', 11, false) }, (err: Error & { limit?: string }) => err.name === 'RateLimitedError' && err.limit === 'bytes')
    budget.refill()
    budget.charge('p', 100, true)
  })

  it('a neighbour above maxMessagesPerRound is refused (rateLimited, stream aborted) until the next round call', async () => {
    const reports: string[] = []
    peers = await createPeers(2, { window: 10, maxMessagesPerRound: 3, onRejected: (peer, reason, err) => { reports.push(`${reason}:${err.name}`) } })
    const [a, b] = peers
    a.exchange.setNeighbours([b.id])
    const s = await open(b, a)
    for (let r = 1; r <= 4; r++) s.send(wire(r))
    await waitFor(() => a.exchange.stats().rejected.rateLimited === 1, 1_500, 'rateLimited')
    await waitFor(() => s.status === 'reset', 1_500, 'the reset')
    assert.equal(a.exchange.stats().early, 3, 'the three messages within the budget are buffered')
    assert.deepEqual(reports, ['rateLimited:RateLimitedError'])
    // round 1 takes b's buffered message and refills every budget
    const got = await a.exchange.round(1, Uint8Array.of(0), { signal: signal() })
    assert.deepEqual(got.map((m) => m.from.id), [b.id])
    const s2 = await open(b, a)
    s2.send(wire(5))
    await waitFor(() => a.exchange.stats().early === 4, 1_500, 'round 5 buffered after the refill')
    assert.equal(a.exchange.stats().rejected.rateLimited, 1)
  })

  it('a message from a peer that is not a neighbour of the round aborts its stream and is reported', async () => {
    const reports: Array<[string, string, string]> = []
    peers = await createPeers(3, { onRejected: (peer, reason, err) => { reports.push([peer, reason, err.name]) } })
    const [a, b, c] = peers
    a.exchange.setNeighbours([b.id])
    const round = a.exchange.round(0, Uint8Array.of(0), { signal: signal() })
    const s = await open(c, a)
    s.send(wire(0))
    await waitFor(() => s.status === 'reset', 1_500, 'the reset')
    assert.deepEqual(reports, [[c.id, 'notNeighbour', 'MessageRefusedError']])
    const s2 = await open(b, a)
    s2.send(wire(0))
    assert.deepEqual((await round).map((m) => m.from.id), [b.id])
  })

  it('an onRejected that throws is logged and ignored: counting and aborting go on', async () => {
    let calls = 0
    peers = await createPeers(2, { onRejected: () => { calls++; throw new Error('penalty failed') } })
    const [a, b] = peers
    a.exchange.setNeighbours([b.id])
    for (let k = 0; k < 2; k++) {
      const s = await open(b, a)
      s.send(Uint8Array.of(41, ...new Array(41).fill(1)))
      await waitFor(() => s.status === 'reset', 1_500, 'the reset')
    }
    assert.equal(calls, 2)
    assert.equal(a.exchange.stats().rejected.magic, 2)
  })

  it('a stream the sender closes between messages is closed by the receiver too, so reopened streams never hit the stream limit', async () => {
    peers = await createPeers(2, { maxInboundStreams: 2, window: 20 })
    const [a, b] = peers
    a.exchange.setNeighbours([b.id])
    for (let r = 1; r <= 6; r++) {
      const s = await open(b, a)
      s.send(wire(r))
      await s.close({ signal: signal() })
      // the receiver closes its side too (before, it kept the stream open and the third one hit the limit); waited
      // for, so that a loaded receiver still closing the previous stream is not counted against the next
      await waitFor(() => s.remoteWriteStatus === 'closed', 1_500, `the receiver closing stream ${r}`)
    }
    await waitFor(() => a.exchange.stats().early === 6, 1_500, 'six messages on six successive streams')
  })

  it('init.frames with a dimension or codec it cannot check is an option error; every reason is listed once', async () => {
    const node = await createNode()
    try {
      for (const frames of [{ dim: 0, codec: 'none' }, { dim: 4, codec: 'zip' }]) {
        assert.throws(() => createGossipExchange({ libp2p: node }, { runId: 'r', roundDeadlineMs: 10, maxMessageBytes: 100, frames }),
          (err: Error & { field?: string }) => err.name === InvalidExchangeOptionError.name && err.field === 'frames')
      }
      assert.throws(() => createGossipExchange({ libp2p: node }, { runId: 'r', roundDeadlineMs: 10, maxMessageBytes: 100, maxMessagesPerRound: 0 }),
        (err: Error & { field?: string }) => err.field === 'maxMessagesPerRound')
    } finally {
      await node.stop()
    }
    assert.equal(new Set(REJECT_REASONS).size, REJECT_REASONS.length)
    for (const r of BENIGN_REASONS) assert.ok(REJECT_REASONS.includes(r), r)
  })
})
