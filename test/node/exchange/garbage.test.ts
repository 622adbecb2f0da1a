import assert from 'node:assert/strict'
import type { Stream } from '@libp2p/interface'
import { encodeMessage, concatFrames, runIdHash, GOSSIP_PROTOCOL } from '../../../lib/protocol/index.ts'
import type { MessageFields } from '../../../lib/protocol/index.ts'
import { createPeers, signal, stopPeers, waitFor, RUN_ID } from './helpers.ts'
import type { Peer } from './helpers.ts'

const MAX_MESSAGE = 4096
const NAMED = new Set(['InvalidFrameError', 'UnsupportedVersionError', 'RunMismatchError', 'MessageTooLargeError', 'ChecksumMismatchError', 'FrameTooLargeError'])

async function rawStream (from: Peer, to: Peer): Promise<Stream> {
  return await from.node.dialProtocol(to.node.peerId, GOSSIP_PROTOCOL, { signal: signal() })
}

function fields (round: number, over: Partial<MessageFields> = {}): MessageFields {
  return { type: 'gossip', runHash: runIdHash(RUN_ID), round, degree: 1, ...over }
}

function varint (n: number): Uint8Array {
  const out: number[] = []
  while (n >= 0x80) { out.push((n & 0x7f) | 0x80); n = Math.floor(n / 0x80) }
  out.push(n)
  return Uint8Array.from(out)
}

/** The wire bytes of a valid message, from lib/protocol. */
function wire (round: number, payload: Uint8Array, over: Partial<MessageFields> = {}, chunkBytes = 1000): Uint8Array {
  return concatFrames(encodeMessage(fields(round, over), payload, { chunkBytes }))
}

describe('node/exchange against garbage on the gossip protocol', function () {
  this.timeout(10_000)
  let peers: Peer[] = []
  afterEach(async () => { await stopPeers(peers); peers = [] })

  /** a and b are ring neighbours (b is the attacker); after the attack they still exchange a round */
  async function stillWorks (a: Peer, b: Peer, r: number): Promise<void> {
    const [ra, rb] = await Promise.all([a.exchange.round(r, Uint8Array.of(1, r), { signal: signal() }), b.exchange.round(r, Uint8Array.of(2, r), { signal: signal() })])
    assert.deepEqual(ra.map((m) => Array.from(m.payload)), [[2, r]])
    assert.deepEqual(rb.map((m) => Array.from(m.payload)), [[1, r]])
  }

  const cases: Array<{ id: string, bytes: () => Uint8Array, reason: string, close?: boolean }> = [
    { id: 'random junk', bytes: () => Uint8Array.of(60, ...new Array(60).fill(0xaa)), reason: 'magic' },
    { id: 'an oversized length prefix (1 GiB)', bytes: () => varint(1 << 30), reason: 'frameTooLarge' },
    { id: 'a frame too short for a header', bytes: () => Uint8Array.of(3, 0x6d, 0x77, 1), reason: 'length' },
    { id: 'another run', bytes: () => wire(0, Uint8Array.of(9), { runHash: runIdHash('other-run') }), reason: 'run' },
    { id: 'a version 2 envelope', bytes: () => { const w = wire(0, Uint8Array.of(9)); w[1 + 2] = 2; return w }, reason: 'version' },
    { id: 'a payload above maxMessageBytes', bytes: () => wire(0, new Uint8Array(MAX_MESSAGE + 1)), reason: 'tooLarge' },
    { id: 'a corrupted chunk', bytes: () => { const w = wire(0, new Uint8Array(100).fill(3)); w[w.length - 1] ^= 0xff; return w }, reason: 'checksum' },
    { id: 'a sync response on the gossip protocol', bytes: () => wire(0, Uint8Array.of(9), { type: 'syncResponse', degree: 0 }), reason: 'type' },
    { id: 'a message cut off by a close', bytes: () => wire(0, new Uint8Array(3000)).subarray(0, 1500), reason: 'truncated', close: true }
  ]

  for (const c of cases) {
    it(`${c.id}: counted as ${c.reason}, reported to onRejected, the stream aborted, the node still exchanges rounds`, async () => {
      const reports: Array<[string, string, string]> = []
      peers = await createPeers(2, { maxMessageBytes: MAX_MESSAGE, onRejected: (peer, reason, err) => { reports.push([peer, reason, err.name]) } })
      const [a, b] = peers
      a.exchange.setNeighbours([b.id]); b.exchange.setNeighbours([a.id])
      const stream = await rawStream(b, a)
      stream.send(c.bytes())
      if (c.close === true) await stream.close()
      await waitFor(() => a.exchange.stats().rejected[c.reason as 'magic'] === 1, 1_500, `a ${c.reason} rejection`)
      if (c.close !== true) await waitFor(() => stream.status === 'reset', 1_500, 'the stream reset by the receiver')
      const rejected = Object.entries(a.exchange.stats().rejected).filter(([, n]) => n > 0)
      assert.deepEqual(rejected, [[c.reason, 1]])
      assert.equal(reports.length, 1)
      assert.deepEqual(reports[0].slice(0, 2), [b.id, c.reason], 'the sender and the reason')
      assert.ok(NAMED.has(reports[0][2]), `a named error, got ${reports[0][2]}`)
      assert.equal(a.exchange.stats().peers[b.id].rejected, 1)
      await stillWorks(a, b, 0)
    })
  }

  it('a second message for one round from one sender is a duplicate: the stream is aborted, the first is delivered', async () => {
    peers = await createPeers(2, { maxMessageBytes: MAX_MESSAGE })
    const [a, b] = peers
    a.exchange.setNeighbours([b.id])
    const stream = await rawStream(b, a)
    stream.send(wire(0, Uint8Array.of(5)))
    stream.send(wire(0, Uint8Array.of(6)))
    await waitFor(() => a.exchange.stats().rejected.duplicate === 1, 1_500, 'a duplicate')
    const ra = await a.exchange.round(0, Uint8Array.of(1), { signal: signal() })
    assert.deepEqual(ra.map((m) => Array.from(m.payload)), [[5]])
    await waitFor(() => stream.status === 'reset', 1_500, 'the stream reset by the receiver')
  })
})
