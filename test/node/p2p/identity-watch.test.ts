/**
 * node/p2p watchSharedIdentities over real libp2p nodes: two processes started with one key connect to a third,
 * which tells them apart by what identify reports on each connection; one process's own connections are not.
 */
import assert from 'node:assert/strict'
import { generateKeyPair } from '@libp2p/crypto/keys'
import type { PeerNode, SharedIdentity } from '../../../node/p2p/index.ts'
import { bootstrapAddrs } from '../../../node/p2p/index.ts'
import { loopbackNode, waitFor } from './util.ts'

describe('node/p2p shared identities (a copied identity.key)', function () {
  this.timeout(15_000)
  let nodes: PeerNode[] = []
  afterEach(async () => { await Promise.all(nodes.splice(0).map(async (n) => { await n.stop() })) })

  it('a hub reports once a PeerId whose two connections come from processes listening on disjoint addresses', async () => {
    const shared: SharedIdentity[] = []
    const hub = await loopbackNode({ onSharedIdentity: (s) => { shared.push(s) } })
    const key = await generateKeyPair('Ed25519')
    const b = await loopbackNode({ privateKey: key, bootstrap: bootstrapAddrs(hub) })
    nodes = [hub, b]
    await waitFor('the hub connected to b', () => hub.getConnections().length === 1)
    const c = await loopbackNode({ privateKey: key, bootstrap: bootstrapAddrs(hub) })
    nodes.push(c)
    await waitFor('the hub reports the shared PeerId', () => shared.length > 0, 10_000)
    assert.equal(shared[0].id, b.peerId.toString())
    const listens = [b, c].map((n) => n.getMultiaddrs().map((a) => a.toString().replace(/\/p2p\/.*$/, '')))
    const reported = shared[0].addrs.map((list) => list.map((a) => a.replace(/\/p2p\/.*$/, '')))
    assert.deepEqual(new Set(reported.flat()), new Set(listens.flat()), 'each process\'s listen addresses')
    await new Promise((resolve) => setTimeout(resolve, 500))
    assert.equal(shared.length, 1, 'once')
  })

  it('two connections to one process (both dialling each other) are not reported', async () => {
    const shared: SharedIdentity[] = []
    const a = await loopbackNode({ onSharedIdentity: (s) => { shared.push(s) } })
    const b = await loopbackNode({ onSharedIdentity: (s) => { shared.push(s) } })
    nodes = [a, b]
    await Promise.all([a.dial(b.getMultiaddrs()[0]), b.dial(a.getMultiaddrs()[0])])
    // a second, separate connection from a to b
    await a.dial(b.getMultiaddrs()[0], { force: true })
    await waitFor('several connections', () => a.getConnections().length >= 2)
    await new Promise((resolve) => setTimeout(resolve, 800))
    assert.deepEqual(shared, [])
  })
})
