import assert from 'node:assert/strict'
import { multiaddr } from '@multiformats/multiaddr'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { generateSwarmKey, parseAllowlist, parseSwarmKey } from '../../../node/p2p/index.ts'
import type { PeerNode, RefusedPeer } from '../../../node/p2p/index.ts'
import { bareAddr, loopbackNode, stopAll, waitFor } from './util.ts'

describe('node/p2p who may connect', function () {
  this.timeout(10_000)
  const nodes: PeerNode[] = []
  afterEach(async () => { await stopAll(nodes) })

  async function node (init: Parameters<typeof loopbackNode>[0] = {}): Promise<PeerNode> {
    const n = await loopbackNode(init)
    nodes.push(n)
    return n
  }

  describe('swarm key (pnet)', () => {
    it('peers with the same key connect and open streams (ping)', async () => {
      const swarmKey = parseSwarmKey(generateSwarmKey())
      const a = await node({ swarmKey })
      const b = await node({ swarmKey })
      await b.dial(multiaddr(bareAddr(a)), { signal: AbortSignal.timeout(3000) })
      await waitFor('a has the connection', () => a.getConnections(b.peerId).length === 1)
      assert.ok(await b.services.ping.ping(a.peerId, { signal: AbortSignal.timeout(3000) }) >= 0)
    })

    it('carries a burst of 1 MiB writes and then hundreds of small round trips (pnet\'s cipher memory, private-swarm.ts)', async () => {
      const swarmKey = parseSwarmKey(generateSwarmKey())
      const a = await node({ swarmKey })
      const b = await node({ swarmKey })
      let got = 0
      await b.handle('/murmur-test/sink/1', async (stream) => { for await (const chunk of stream) got += chunk.byteLength })
      const stream = await a.dialProtocol(multiaddr(bareAddr(b)), '/murmur-test/sink/1', { signal: AbortSignal.timeout(3000) })
      // written without waiting, so the connection's write buffer holds megabytes for pnet to encrypt at once
      const mib = new Uint8Array(1 << 20).fill(7)
      for (let i = 0; i < 4; i++) if (!stream.send(mib)) await stream.onDrain({ signal: AbortSignal.timeout(5000) })
      await waitFor('4 MiB arrive', () => got === 4 << 20)
      // unbounded, one such update grew the cipher's shared memory and every alternation of encrypting and
      // decrypting then grew it again, until the connection was reset (within 300 pings here)
      for (let i = 0; i < 300; i++) await a.services.ping.ping(b.peerId, { signal: AbortSignal.timeout(3000) })
      assert.equal(a.getConnections(b.peerId).length, 1)
    })

    it('a peer with another key, or none, cannot connect in either direction', async () => {
      const a = await node({ swarmKey: parseSwarmKey(generateSwarmKey()) })
      const other = await node({ swarmKey: parseSwarmKey(generateSwarmKey()) })
      const open = await node()
      for (const [from, to] of [[other, a], [a, other], [open, a], [a, open]]) {
        // the handshake fails (Noise reads XSalsa20 noise), whichever error the transport reports first
        await assert.rejects(from.dial(multiaddr(bareAddr(to)), { signal: AbortSignal.timeout(3000) }))
      }
      for (const n of [a, other, open]) assert.equal(n.getConnections().length, 0)
    })
  })

  describe('allowlist', () => {
    it('parses one PeerId a line with # comments and blank lines, and refuses anything else by line', async () => {
      const ids = await Promise.all([1, 2].map(async () => peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()))
      const text = `# the run's peers\n${ids[0]}   # peer 0\n\n  ${ids[1]}\n${ids[0]}\n`
      assert.deepEqual(parseAllowlist(text), ids, 'distinct ids, in order')
      const cases = [
        { text: '# nobody\n\n', line: 0 },
        { text: `${ids[0]}\nnot-a-peer-id\n`, line: 2 },
        { text: `${ids[0]} ${ids[1]}\n`, line: 1 },
        { text: `/ip4/127.0.0.1/tcp/1/p2p/${ids[0]}\n`, line: 1 }
      ]
      for (const c of cases) {
        assert.throws(() => parseAllowlist(c.text, 'f'), (err: Error & { line?: number }) => err.name === 'InvalidAllowlistError' && err.line === c.line, c.text)
      }
    })

    it('a line that is no PeerId: the file and line, what a PeerId looks like and where to get one, not the decoder\'s words', () => {
      // before: "…: Please pass a multibase decoder for strings that do not start with "1" or "Q""
      const id = '12D3KooWR4YquwGY7ePvPP9gUJqwvzjFPA9bYne3Tx95THxo2ksY'
      const refusal = (text: string): string => {
        try { parseAllowlist(text, 'peers.txt') } catch (err) { assert.equal((err as Error).name, 'InvalidAllowlistError'); return (err as Error).message }
        assert.fail('refused')
      }
      for (const bad of ['not-a-peer-id', 'QmNotAPeerId', '12D3KooWR4YquwGY7ePvPP9gUJqwvzjFPA9bYne3Tx95THxo2ks0']) {
        const message = refusal(`${id}\n${bad}\n`)
        assert.ok(message.startsWith(`peers.txt:2: '${bad}' is not a PeerId; expected one a line, 52 characters starting 12D3KooW`), message)
        assert.match(message, /murmur peer --data-dir DIR --print-id/)
        assert.doesNotMatch(message, /multibase|decoder|Non-base58|invalid/i, 'no library words')
      }
      assert.match(refusal(`/ip4/127.0.0.1/tcp/9000/p2p/${id}\n`), new RegExp(`keep only the PeerId after /p2p/: ${id}$`))
    })

    it('refuses a peer that is not listed, after Noise, in both directions; a listed one connects', async () => {
      const listedKey = await generateKeyPair('Ed25519')
      const refused: RefusedPeer[] = []
      const a = await node({ allowPeers: [peerIdFromPrivateKey(listedKey).toString()], onRefused: (r) => { refused.push(r) } })
      const stranger = await node()
      const listed = await node({ privateKey: listedKey })

      // inbound: the stranger completes Noise (so its id is proven: the dial may even resolve on its side),
      // then a's gater closes the connection before the stream multiplexer starts
      await stranger.dial(multiaddr(bareAddr(a)), { signal: AbortSignal.timeout(3000) }).catch(() => {})
      await waitFor('a refuses the stranger', () => refused.length === 1)
      // outbound to an address that does not name the peer: refused once Noise says who answered
      await assert.rejects(a.dial(multiaddr(bareAddr(stranger)), { signal: AbortSignal.timeout(3000) }))
      // outbound by PeerId: refused before any connection is made
      await a.peerStore.merge(stranger.peerId, { multiaddrs: [multiaddr(bareAddr(stranger))] })
      await assert.rejects(a.dial(stranger.peerId, { signal: AbortSignal.timeout(3000) }))
      const strangerId = stranger.peerId.toString()
      assert.deepEqual(refused.map((r) => [r.peerId, r.direction]), [[strangerId, 'inbound'], [strangerId, 'outbound'], [strangerId, 'dial']])
      assert.ok(refused[0].remoteAddr?.startsWith('/ip4/127.0.0.1/tcp/'))
      await waitFor('no connection left', () => a.getConnections().length === 0 && stranger.getConnections().length === 0)

      await listed.dial(multiaddr(bareAddr(a)), { signal: AbortSignal.timeout(3000) })
      await waitFor('a has the listed peer\'s connection', () => a.getConnections(listed.peerId).length === 1)
      assert.equal(refused.length, 3, 'the listed peer was not refused')
    })
  })
})
