import assert from 'node:assert/strict'
import { createRng } from '../../../lib/random/index.ts'
import { ENVELOPE_HEADER_BYTES, SYNC_PROTOCOL } from '../../../lib/protocol/index.ts'
import { createPeers, signal, stopPeers } from './helpers.ts'
import type { Peer } from './helpers.ts'

function model (d: number, seed: number): Float32Array {
  const rng = createRng(seed)
  const x = new Float32Array(d)
  for (let k = 0; k < d; k++) x[k] = rng.normal()
  return x
}

describe('node/exchange model sync', function () {
  this.timeout(10_000)
  let peers: Peer[] = []
  afterEach(async () => { await stopPeers(peers); peers = [] })

  it('pulls the exact parameters, state and round a peer serves (2 M floats, chunked)', async () => {
    peers = await createPeers(2)
    const [a, b] = peers
    const params = model(2_000_000, 3)
    const state = Uint8Array.of(1, 2, 3, 4, 5)
    let round = 41
    a.exchange.serveModel(() => ({ round, params, state }))
    round = 42
    const got = await b.exchange.pullModel(a.id, { signal: signal(), expectedDim: params.length })
    assert.equal(got.round, 42, 'the provider is asked at request time')
    assert.ok(Buffer.from(got.params.buffer, got.params.byteOffset, got.params.byteLength).equals(Buffer.from(params.buffer)))
    assert.deepEqual(got.state, state)
  })

  it('refuses a model of another dimension, one above maxBytes, and fails cleanly when the peer serves nothing', async () => {
    peers = await createPeers(3)
    const [a, b, c] = peers
    a.exchange.serveModel(() => ({ round: 1, params: model(10, 1) }))
    await assert.rejects(b.exchange.pullModel(a.id, { signal: signal(), expectedDim: 11 }), (e: Error & { reason?: string }) => e.name === 'InvalidFrameError' && e.reason === 'body')
    await assert.rejects(b.exchange.pullModel(a.id, { signal: signal(), maxBytes: 47 }), { name: 'MessageTooLargeError' })
    await assert.rejects(b.exchange.pullModel(c.id, { signal: signal() }), { name: 'SyncFailedError' }, 'c runs an exchange but serves nothing')
    await c.exchange.stop()
    await assert.rejects(b.exchange.pullModel(c.id, { signal: signal() }), { name: 'SyncFailedError' }, 'c does not speak the sync protocol')
    // the server is unharmed
    assert.equal((await b.exchange.pullModel(a.id, { signal: signal() })).params.length, 10)
  })

  it('a served model with NaN or infinity is refused by the puller, counted and reported against the server', async () => {
    const reports: Array<{ peer: string, reason: string }> = []
    peers = await createPeers(2, { onRejected: (peer, reason) => { reports.push({ peer, reason }) } })
    const [a, b] = peers
    const params = model(10, 1)
    params[7] = Number.NaN
    a.exchange.serveModel(() => ({ round: 3, params }))
    await assert.rejects(b.exchange.pullModel(a.id, { signal: signal(), expectedDim: 10 }),
      (e: Error & { reason?: string }) => e.name === 'InvalidFrameError' && e.reason === 'body' && /NaN at index 7/.test(e.message))
    params[7] = Number.NEGATIVE_INFINITY
    await assert.rejects(b.exchange.pullModel(a.id, { signal: signal(), expectedDim: 10 }), /-Infinity at index 7/)
    assert.deepEqual(reports, [{ peer: a.id, reason: 'body' }, { peer: a.id, reason: 'body' }])
    assert.equal(b.exchange.stats().rejected.body, 2)
    params[7] = 1
    assert.equal((await b.exchange.pullModel(a.id, { signal: signal(), expectedDim: 10 })).params[7], 1)
  })

  it('a malformed sync request is rejected like a malformed gossip frame: counted under its reason, reported, the stream reset', async () => {
    const reports: Array<{ peer: string, reason: string, name: string }> = []
    peers = await createPeers(2, { onRejected: (peer, reason, err) => { reports.push({ peer, reason, name: err.name }) } })
    const [a, b] = peers
    a.exchange.serveModel(() => ({ round: 1, params: model(10, 1) }))
    const stream = await b.node.dialProtocol(a.node.peerId, SYNC_PROTOCOL, { signal: signal() })
    const frame = new Uint8Array(1 + ENVELOPE_HEADER_BYTES)
    frame[0] = ENVELOPE_HEADER_BYTES // the length prefix, then 40 bytes of zeros: no magic
    stream.send(frame)
    for (let k = 0; k < 100 && reports.length === 0; k++) await new Promise((resolve) => setTimeout(resolve, 20))
    assert.deepEqual(reports, [{ peer: b.id, reason: 'magic', name: 'InvalidFrameError' }])
    assert.equal(a.exchange.stats().rejected.magic, 1)
    assert.equal(a.exchange.stats().peers[b.id].rejected, 1)
    // a well-formed request from the same peer is still served
    assert.equal((await b.exchange.pullModel(a.id, { signal: signal() })).params.length, 10)
  })

  it('a pull takes the caller\'s signal', async () => {
    peers = await createPeers(2)
    const [a, b] = peers
    a.exchange.serveModel(() => ({ round: 1, params: model(10, 1) }))
    const controller = new AbortController()
    controller.abort(new Error('gave up'))
    await assert.rejects(b.exchange.pullModel(a.id, { signal: controller.signal }), { message: 'gave up' })
  })
})
