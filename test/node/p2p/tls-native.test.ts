/**
 * murmur's `/tls/1.0.0` (node/p2p/tls-native.ts): libp2p's TLS 1.3 handshake with Node's native TLS on the TCP
 * socket, interoperating with `@libp2p/tls`, and `@libp2p/tls`'s own path where the socket cannot be taken.
 */
import assert from 'node:assert/strict'
import type { Libp2p } from 'libp2p'
import { tls } from '@libp2p/tls'
import type { Stream } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import { TLS_PROTOCOL, connectionEncrypters, generateSwarmKey, nativeTlsStats, parseSwarmKey } from '../../../node/p2p/index.ts'
import type { NativeTlsStats } from '../../../node/p2p/index.ts'
import { loopbackNode, plainNode, seededBytes, sinkTransfer, flipOneBit, tamperingProxy, transferOutcome, waitFor } from './util.ts'

const PROTOCOL = '/murmur/test-tls-sink/1.0.0'

const bytesOf = seededBytes

async function transfer (from: Libp2p, to: Libp2p, payload: Uint8Array): Promise<Uint8Array> {
  return await sinkTransfer(from, to, payload, PROTOCOL)
}

function since (before: NativeTlsStats): NativeTlsStats {
  const now = nativeTlsStats()
  return { native: now.native - before.native, bridged: now.bridged - before.bridged, failed: now.failed - before.failed, broken: now.broken - before.broken }
}

describe('node/p2p tls-native', function () {
  this.timeout(15_000)
  const nodes: Libp2p[] = []
  afterEach(async () => { await Promise.all(nodes.splice(0).map(async (n) => { await n.stop() })) })

  it('two murmur peers offering only tls secure both ends natively and move 3 MB intact both ways', async () => {
    const before = nativeTlsStats()
    const a = await loopbackNode({ encrypters: ['tls'] })
    const b = await loopbackNode({ encrypters: ['tls'] })
    nodes.push(a, b)
    const x = bytesOf(3_000_000, 1)
    assert.deepEqual(await transfer(a, b, x), x)
    const y = bytesOf(3_000_001, 2)
    assert.deepEqual(await transfer(b, a, y), y)
    assert.equal(a.getConnections(b.peerId)[0].encryption, TLS_PROTOCOL)
    assert.equal(b.getConnections(a.peerId)[0].encryption, TLS_PROTOCOL)
    assert.deepEqual(since(before), { native: 2, bridged: 0, failed: 0, broken: 0 }, 'one native handshake at each end of the one connection')
  })

  it('interoperates with @libp2p/tls, dialling either way', async () => {
    const before = nativeTlsStats()
    const ours = await plainNode(connectionEncrypters(['tls']))
    const dialled = await plainNode([tls()])
    const dialler = await plainNode([tls()])
    nodes.push(ours, dialled, dialler)
    const x = bytesOf(1_000_000, 3)
    assert.deepEqual(await transfer(ours, dialled, x), x)
    assert.equal(ours.getConnections(dialled.peerId)[0].encryption, TLS_PROTOCOL)
    assert.deepEqual(await transfer(dialler, ours, x), x)
    assert.equal(ours.getConnections(dialler.peerId)[0].encryption, TLS_PROTOCOL)
    assert.deepEqual(since(before), { native: 2, bridged: 0, failed: 0, broken: 0 })
  })

  it('refuses a peer whose certificate names another peer id than the one dialled, and keeps no connection', async () => {
    const a = await plainNode(connectionEncrypters(['tls']))
    const b = await plainNode(connectionEncrypters(['tls']))
    const c = await plainNode(connectionEncrypters(['tls']))
    nodes.push(a, b, c)
    const before = nativeTlsStats()
    // b's address, c's peer id: whoever answers there must prove it is c, and b cannot
    const wrong = multiaddr(`${b.getMultiaddrs()[0].toString().replace(/\/p2p\/.*$/, '')}/p2p/${c.peerId.toString()}`)
    await assert.rejects(a.dial(wrong, { signal: AbortSignal.timeout(5000) }))
    assert.ok(since(before).failed >= 1, `failed handshakes: ${JSON.stringify(since(before))}`)
    assert.equal(a.getConnections().length, 0)
    await waitFor('b to drop the refused connection', () => b.getConnections().length === 0)
  })

  it('goes through @libp2p/tls\'s own path under a private swarm\'s protector, still intact', async () => {
    const swarmKey = parseSwarmKey(generateSwarmKey())
    const before = nativeTlsStats()
    const a = await loopbackNode({ encrypters: ['tls'], swarmKey })
    const b = await loopbackNode({ encrypters: ['tls'], swarmKey })
    nodes.push(a, b)
    const x = bytesOf(500_000, 4)
    assert.deepEqual(await transfer(a, b, x), x)
    assert.equal(a.getConnections(b.peerId)[0].encryption, TLS_PROTOCOL)
    assert.deepEqual(since(before), { native: 0, bridged: 2, failed: 0, broken: 0 }, 'the protector stands between the socket and TLS')
  })

  it('a bit flipped on the wire after the handshake ends the connection, counted as broken; the receiver gets only an intact prefix', async () => {
    const a = await plainNode(connectionEncrypters(['tls']))
    const b = await plainNode(connectionEncrypters(['tls']))
    nodes.push(a, b)
    const proxy = await tamperingProxy(Number(/\/tcp\/(\d+)/.exec(b.getMultiaddrs()[0].toString())?.[1]), flipOneBit)
    const viaProxy = multiaddr(`/ip4/127.0.0.1/tcp/${proxy.port}/p2p/${b.peerId.toString()}`)
    try {
      const warm = bytesOf(1000, 6)
      assert.deepEqual((await transferOutcome(a, b, warm, PROTOCOL, [viaProxy])).got, warm, 'before tampering')
      assert.equal(a.getConnections(b.peerId)[0].encryption, TLS_PROTOCOL)
      const before = nativeTlsStats()
      proxy.arm()
      const x = bytesOf(2_000_000, 7)
      const result = await transferOutcome(a, b, x, PROTOCOL, [viaProxy])
      assert.ok(proxy.done(), 'the proxy flipped a bit')
      assert.ok(result.got.length < x.length, `expected less than ${x.length} bytes delivered, got ${result.got.length}`)
      assert.deepEqual(result.got, x.subarray(0, result.got.length), 'what was delivered is an intact prefix')
      await waitFor('the receiver to close the tampered connection', () => b.getConnections(a.peerId).length === 0, 3000)
      assert.ok(since(before).broken >= 1, `broken connections: ${JSON.stringify(since(before))}`)
    } finally {
      proxy.server.close()
    }
  })

  it('a hang-up closes the connection at both ends', async () => {
    const a = await plainNode(connectionEncrypters(['tls']))
    const b = await plainNode(connectionEncrypters(['tls']))
    nodes.push(a, b)
    const x = bytesOf(10_000, 5)
    assert.deepEqual(await transfer(a, b, x), x)
    await a.hangUp(b.peerId)
    assert.equal(a.getConnections(b.peerId).length, 0)
    await waitFor('b to see the connection closed', () => b.getConnections(a.peerId).length === 0)
  })

  it('keeps the transport\'s inactivity timeout: traffic keeps the connection open, silence closes it', async () => {
    const idleMs = 1000
    const a = await plainNode(connectionEncrypters(['tls']), idleMs)
    const b = await plainNode(connectionEncrypters(['tls']), idleMs)
    nodes.push(a, b)
    await b.handle(PROTOCOL, async (stream: Stream) => { for await (const chunk of stream) void chunk })
    const stream = await a.dialProtocol(b.getMultiaddrs(), PROTOCOL, { signal: AbortSignal.timeout(5000) })
    // a small message every 100 ms for 3 idle periods: the socket under TLS sees none of it, the TLS socket all
    const end = Date.now() + 3 * idleMs
    while (Date.now() < end) {
      stream.send(Uint8Array.of(1, 2, 3))
      await new Promise((resolve) => setTimeout(resolve, 100))
      assert.equal(a.getConnections(b.peerId).length, 1, 'the connection closed while it carried traffic')
    }
    await waitFor('the idle connection to close', () => a.getConnections(b.peerId).length === 0 && b.getConnections(a.peerId).length === 0, 5 * idleMs)
  })
})
