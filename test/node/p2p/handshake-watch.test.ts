import assert from 'node:assert/strict'
import { createServer } from 'node:net'
import type { AddressInfo, Socket } from 'node:net'
import { multiaddr } from '@multiformats/multiaddr'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { generateSwarmKey, handshakeFailureReporter, parseSwarmKey } from '../../../node/p2p/index.ts'
import type { BootstrapFailure, HandshakeFailure, PeerNode, RefusedPeer } from '../../../node/p2p/index.ts'
import { bareAddr, loopbackNode, stopAll, waitFor } from './util.ts'


/** `from` dials `to` and fails (a wrong key fails at once, or hangs until the dial's timeout when pnet's noise reads as a short length) */
async function failedDial (from: PeerNode, to: PeerNode): Promise<void> {
  await assert.rejects(from.dial(multiaddr(bareAddr(to)), { signal: AbortSignal.timeout(1500) }))
}

describe('node/p2p incoming connections that fail their handshake (a peer with another --swarm-key)', function () {
  this.timeout(10_000)
  const nodes: PeerNode[] = []
  afterEach(async () => { await stopAll(nodes) })

  async function node (init: Parameters<typeof loopbackNode>[0] = {}): Promise<PeerNode> {
    const n = await loopbackNode(init)
    nodes.push(n)
    return n
  }

  it('the dialled peer of a private swarm hears of each peer with another key, or none, that dials it; one with its key is no failure', async () => {
    // before: only the dialler learnt anything (EncryptionFailedError); the dialled peer waited without a word
    const swarmKey = parseSwarmKey(generateSwarmKey())
    const failures: HandshakeFailure[] = []
    const a = await node({ swarmKey, onHandshakeFailed: (f) => { failures.push(f) } })
    const other = await node({ swarmKey: parseSwarmKey(generateSwarmKey()) })
    const open = await node()
    await failedDial(other, a)
    await waitFor('a hears of the other key', () => failures.length === 1, 3000)
    await failedDial(open, a)
    await waitFor('a hears of no key', () => failures.length === 2, 3000)
    for (const f of failures) {
      assert.equal(f.remoteHost, '/ip4/127.0.0.1')
      assert.match(f.remoteAddr, /^\/ip4\/127\.0\.0\.1\/tcp\/\d+$/)
    }
    const same = await node({ swarmKey })
    await same.dial(multiaddr(bareAddr(a)), { signal: AbortSignal.timeout(3000) })
    await waitFor('a has the connection of the same key', () => a.getConnections(same.peerId).length === 1)
    await same.stop()
    await waitFor('the connection closed', () => a.getConnections().length === 0)
    assert.equal(failures.length, 2, 'an encrypted connection that closes later is no failed handshake')
  })

  it('a peer without a key hears of one with a key; an --allow-peers refusal is a refusal, not a failed handshake', async () => {
    const failures: HandshakeFailure[] = []
    const refused: RefusedPeer[] = []
    const listed = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
    const a = await node({ allowPeers: [listed], onRefused: (r) => { refused.push(r) }, onHandshakeFailed: (f) => { failures.push(f) } })
    const keyed = await node({ swarmKey: parseSwarmKey(generateSwarmKey()) })
    await failedDial(keyed, a)
    await waitFor('a hears of the keyed peer', () => failures.length === 1, 3000)
    const stranger = await node()
    await stranger.dial(multiaddr(bareAddr(a)), { signal: AbortSignal.timeout(3000) }).catch(() => {})
    await waitFor('a refuses the stranger', () => refused.length === 1)
    await waitFor('no connection left', () => a.getConnections().length === 0)
    assert.equal(failures.length, 1, 'the allowlist refusal came after Noise')
  })

  it('a bootstrap dial that connected but timed out in the handshake is a HandshakeTimeoutError, not an unreachable address', async function () {
    // before: TimeoutError, which the peer explained as "the address cannot be reached: check … the firewalls"; a peer
    // with another --swarm-key ends that way whenever pnet's noise reads as a short length (each side waits for more)
    this.timeout(15_000)
    const sockets: Socket[] = []
    // accepts the TCP connection and never answers, as such a peer does
    const silent = createServer((s) => { sockets.push(s) })
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
    try {
      const id = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
      const addr = `/ip4/127.0.0.1/tcp/${(silent.address() as AddressInfo).port}/p2p/${id}`
      const failures: BootstrapFailure[] = []
      await node({ bootstrap: [addr], bootstrapRetryMs: 200, onBootstrapFailed: (f) => { failures.push(f) } })
      await waitFor('the first redial fails', () => failures.length > 0, 8000)
      assert.equal(failures[0].addr, addr)
      assert.equal(failures[0].error.name, 'HandshakeTimeoutError', `${failures[0].error.name}: ${failures[0].error.message}`)
      assert.match(failures[0].error.message, /^connected, but the encryption handshake did not complete in 5 s$/)
    } finally {
      for (const s of sockets) s.destroy()
      silent.close()
    }
  })

  it('the reporter logs the first failure of each host with the likely cause, and counts every one', () => {
    const lines: string[] = []
    const keyed = handshakeFailureReporter((l) => { lines.push(l) }, true)
    for (const port of [5001, 5002, 5003]) keyed.onFailed({ remoteAddr: `/ip4/192.0.2.7/tcp/${port}`, remoteHost: '/ip4/192.0.2.7' })
    keyed.onFailed({ remoteAddr: '/ip4/192.0.2.8/tcp/5001', remoteHost: '/ip4/192.0.2.8' })
    assert.equal(keyed.count(), 4)
    assert.equal(lines.length, 2, lines.join('\n'))
    assert.match(lines[0], /^an incoming connection from \/ip4\/192\.0\.2\.7\/tcp\/5001 failed during the private-network handshake \(a peer with another --swarm-key, or none\?\)\. /)
    assert.match(lines[1], /192\.0\.2\.8/)
    const open: string[] = []
    handshakeFailureReporter((l) => { open.push(l) }, false).onFailed({ remoteAddr: '/ip4/192.0.2.7/tcp/5001', remoteHost: '/ip4/192.0.2.7' })
    assert.match(open[0], /failed during the encryption handshake \(a peer with a --swarm-key, which this one does not have\?\)/)
  })
})
