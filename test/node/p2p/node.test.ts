import assert from 'node:assert/strict'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { bootstrapAddrs, createPeerNode } from '../../../node/p2p/index.ts'
import type { PeerNode } from '../../../node/p2p/index.ts'
import { loopbackCluster, loopbackNode, stopAll, waitFor } from './util.ts'

describe('node/p2p node', function () {
  this.timeout(15_000)
  const nodes: PeerNode[] = []
  afterEach(async () => { await stopAll(nodes) })

  it('listens on 0.0.0.0 by default and prints concrete /p2p/ addresses for --bootstrap', async () => {
    const key = await generateKeyPair('Ed25519')
    const node = await createPeerNode({ privateKey: key })
    nodes.push(node)
    const addrs = bootstrapAddrs(node)
    assert.ok(addrs.length > 0)
    for (const a of addrs) {
      assert.ok(a.endsWith(`/p2p/${node.peerId.toString()}`), a)
      assert.ok(!a.includes('/0.0.0.0/'), a)
    }
    assert.match(addrs[addrs.length - 1], /^\/ip4\/127\.0\.0\.1\//, 'loopback last')
  })

  it('connects to a bootstrap peer and gossips signed messages that name their author', async () => {
    const a = await loopbackNode()
    nodes.push(a)
    nodes.push(await loopbackNode({ bootstrap: bootstrapAddrs(a) }))
    const b = nodes[1]
    await waitFor('b connected to a', () => a.getConnections(b.peerId).length > 0)

    const topic = 'murmur/test/1'
    const got: Array<{ from: string, text: string }> = []
    a.services.pubsub.addEventListener('message', (e) => {
      const m = e.detail
      if (m.type === 'signed') got.push({ from: m.from.toString(), text: new TextDecoder().decode(m.data) })
    })
    a.services.pubsub.subscribe(topic)
    b.services.pubsub.subscribe(topic)
    await waitFor('b sees a subscribed', () => b.services.pubsub.getSubscribers(topic).length === 1)
    await b.services.pubsub.publish(topic, new TextEncoder().encode('hello'))
    await waitFor('a receives', () => got.length === 1)
    assert.deepEqual(got, [{ from: b.peerId.toString(), text: 'hello' }])
  })

  it('delivers a message below maxRpcBytes and drops one above it', async () => {
    nodes.push(...await loopbackCluster(2, { pubsub: { heartbeatIntervalMs: 100, maxRpcBytes: 16 * 1024 } }))
    const [a, b] = nodes
    const topic = 'murmur/test/size'
    const sizes: number[] = []
    a.services.pubsub.addEventListener('message', (e) => { sizes.push(e.detail.data.length) })
    a.services.pubsub.subscribe(topic)
    b.services.pubsub.subscribe(topic)
    await waitFor('b sees a subscribed', () => b.services.pubsub.getSubscribers(topic).length === 1)
    await b.services.pubsub.publish(topic, new Uint8Array(12 * 1024))
    await waitFor('the 12 KiB message', () => sizes.length === 1)
    await b.services.pubsub.publish(topic, new Uint8Array(32 * 1024))
    // loopback delivery takes milliseconds: a second is ample for the large one to arrive if it could
    await new Promise((resolve) => setTimeout(resolve, 1000))
    assert.deepEqual(sizes, [12 * 1024])
  })

  it('16 peers started at once on one host all connect to the bootstrap peer', async () => {
    const start = Date.now()
    nodes.push(...await loopbackCluster(16))
    const [first, ...rest] = nodes
    await waitFor('15 connections to the first peer', () => rest.every((n) => n.getConnections(first.peerId).length > 0), 8000)
    assert.ok(Date.now() - start < 8000)
  })

  it('control: with libp2p\'s default limits (5 a second per host, 10 pending) some of the 15 are refused', async () => {
    nodes.push(...await loopbackCluster(16, { allowLoopback: false, inboundConnectionThreshold: 5, maxIncomingPendingConnections: 10, bootstrapRetryMs: 0 }))
    const [first, ...rest] = nodes
    await new Promise((resolve) => setTimeout(resolve, 1500))
    const connected = rest.filter((n) => n.getConnections(first.peerId).length > 0).length
    assert.ok(connected < 15, `expected the default limits to refuse some peers, ${connected} of 15 connected`)
  })

  it('redials the bootstrap list while alone, so a peer may start before its bootstrap peer', async () => {
    const key = await generateKeyPair('Ed25519')
    const probe = await createPeerNode({ privateKey: key, listen: ['/ip4/127.0.0.1/tcp/0'] })
    const addr = bootstrapAddrs(probe)[0]
    const port = /\/tcp\/(\d+)\//.exec(addr)?.[1] as string
    await probe.stop()
    const early = await loopbackNode({ bootstrap: [addr], bootstrapRetryMs: 200 })
    nodes.push(early)
    await new Promise((resolve) => setTimeout(resolve, 300)) // its first dial has failed by now
    assert.equal(early.getConnections().length, 0)
    const late = await createPeerNode({ privateKey: key, listen: [`/ip4/127.0.0.1/tcp/${port}`] })
    nodes.push(late)
    await waitFor('the early peer reaches the late bootstrap peer', () => early.getConnections(late.peerId).length > 0, 2000)
  })
})
