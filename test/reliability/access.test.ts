/**
 * Who may join (issue 4): real libp2p peers over loopback TCP with murmur's exchange and membership. A peer
 * without the swarm key, or with it but off the allowlist, never gets a connection: the exchange's protocol
 * handlers (/murmur/gossip/1.0.0, /murmur/sync/1.0.0) are never invoked. Inside the swarm, the membership
 * topic's validator rejects and counts a malformed announcement (lowering the sender's gossipsub score) and
 * ignores a stale one.
 */
import assert from 'node:assert/strict'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { CODE_P2P } from '@multiformats/multiaddr'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { EXPERIMENT_DEFAULTS, agreedConfig, configHash } from '../../lib/experiment/index.ts'
import type { RunConfig } from '../../lib/experiment/index.ts'
import { createRng } from '../../lib/random/index.ts'
import type { Received } from '../../lib/algorithms/index.ts'
import { createGossipExchange } from '../../node/exchange/index.ts'
import type { ExchangeStats, GossipExchange } from '../../node/exchange/index.ts'
import { createMembership, encodeAnnouncement, membershipTopic } from '../../node/membership/index.ts'
import type { Membership } from '../../node/membership/index.ts'
import { bootstrapAddrs, generateSwarmKey, parseSwarmKey, penaltyStats, peerScore } from '../../node/p2p/index.ts'
import type { PeerNode, PeerNodeInit, RefusedPeer } from '../../node/p2p/index.ts'
import { loopbackNode, waitFor } from '../node/p2p/util.ts'

const RUN = 'access-test'
/** rounds where nothing can arrive wait out this deadline; the control round resolves as soon as both messages are in */
const DEADLINE_MS = 500
const CONTROL_DEADLINE_MS = 5000

interface Peer { node: PeerNode, exchange: GossipExchange, id: string }

describe('reliability: who may join', function () {
  this.timeout(10_000)
  const peers: Peer[] = []
  const members: Membership[] = []
  afterEach(async () => {
    await Promise.all(members.splice(0).map(async (m) => { await m.stop() }))
    await Promise.all(peers.splice(0).map(async (p) => { await p.exchange.stop(); await p.node.stop() }))
  })

  async function peer (init: Partial<PeerNodeInit> = {}, roundDeadlineMs = DEADLINE_MS): Promise<Peer> {
    const node = await loopbackNode(init)
    const exchange = createGossipExchange({ libp2p: node }, { runId: RUN, roundDeadlineMs, maxMessageBytes: 4096 })
    await exchange.start()
    const p = { node, exchange, id: node.peerId.toString() }
    peers.push(p)
    return p
  }

  /** a's dial of b's loopback address (without /p2p/, so only the handshake tells a whom it reached) */
  async function dial (a: Peer, b: Peer, timeoutMs = 3000): Promise<unknown> {
    const addr = b.node.getMultiaddrs().find((ma) => ma.toString().startsWith('/ip4/127.0.0.1/'))
    assert.ok(addr !== undefined)
    return await a.node.dial(addr.decapsulateCode(CODE_P2P), { signal: AbortSignal.timeout(timeoutMs) })
  }

  /** One round in which a and b are each other's only neighbour and each sends the other a payload (both dial). */
  async function exchangeRound (a: Peer, b: Peer): Promise<{ atA: Received[], atB: Received[], payloadA: Uint8Array, payloadB: Uint8Array }> {
    await a.node.peerStore.merge(b.node.peerId, { multiaddrs: b.node.getMultiaddrs() })
    await b.node.peerStore.merge(a.node.peerId, { multiaddrs: a.node.getMultiaddrs() })
    a.exchange.setNeighbours([b.id])
    b.exchange.setNeighbours([a.id])
    const rng = createRng(7)
    const payloadA = Uint8Array.from({ length: 256 }, () => rng.int(256))
    const payloadB = Uint8Array.from({ length: 256 }, () => rng.int(256))
    const signal = AbortSignal.timeout(5000)
    const [atA, atB] = await Promise.all([a.exchange.round(0, payloadA, { signal }), b.exchange.round(0, payloadB, { signal })])
    return { atA, atB, payloadA, payloadB }
  }

  function assertUntouched (s: ExchangeStats, what: string): void {
    assert.equal(s.streamsAccepted, 0, `${what}: no gossip or sync stream reached the handlers`)
    assert.equal(s.streamsOpened, 0, `${what}: no stream could be opened`)
    assert.equal(Object.values(s.peers).reduce((n, p) => n + p.messagesIn, 0), 0, `${what}: no message read`)
    assert.equal(Object.values(s.rejected).reduce((n, c) => n + c, 0), 0, `${what}: nothing to reject either`)
  }

  it('control: peers with the same key, on each other\'s allowlist, exchange a round', async () => {
    const swarmKey = parseSwarmKey(generateSwarmKey())
    const keys = await Promise.all([0, 1].map(async () => await generateKeyPair('Ed25519')))
    const allowPeers = keys.map((k) => peerIdFromPrivateKey(k).toString())
    const a = await peer({ privateKey: keys[0], swarmKey, allowPeers }, CONTROL_DEADLINE_MS)
    const b = await peer({ privateKey: keys[1], swarmKey, allowPeers }, CONTROL_DEADLINE_MS)
    await dial(a, b)
    const r = await exchangeRound(a, b)
    assert.deepEqual(r.atA.map((m) => m.payload), [r.payloadB])
    assert.deepEqual(r.atB.map((m) => m.payload), [r.payloadA])
    assert.ok(a.exchange.stats().streamsAccepted >= 1 && b.exchange.stats().streamsAccepted >= 1)
  })

  it('a peer with the wrong swarm key gets no connection and never reaches the gossip handler', async () => {
    const victim = await peer({ swarmKey: parseSwarmKey(generateSwarmKey()) })
    const intruder = await peer({ swarmKey: parseSwarmKey(generateSwarmKey()) })
    // Noise fails on the other key's XSalsa20 stream, or waits for a garbage length it never gets (then the timeout)
    await assert.rejects(dial(intruder, victim, 1000), 'the handshake fails')
    const r = await exchangeRound(intruder, victim)
    assert.deepEqual([r.atA.length, r.atB.length], [0, 0], 'nothing arrived either way')
    assert.equal(victim.node.getConnections().length, 0)
    assert.equal(intruder.node.getConnections().length, 0)
    assertUntouched(victim.exchange.stats(), 'victim')
  })

  it('a peer bootstrapping with the wrong swarm key is told so: onBootstrapFailed names the address, once until the next report', async function () {
    this.timeout(30_000)
    const victim = await peer({ swarmKey: parseSwarmKey(generateSwarmKey()) })
    const failures: Array<{ addr: string, attempts: number, error: Error, hadConnections: boolean }> = []
    const addr = bootstrapAddrs(victim.node)[0]
    await peer({ swarmKey: parseSwarmKey(generateSwarmKey()), bootstrap: [addr], bootstrapRetryMs: 200, onBootstrapFailed: (f) => { failures.push(f) } })
    await waitFor('a bootstrap failure report', () => failures.length >= 1, 20_000)
    assert.equal(failures[0].addr, addr)
    assert.equal(failures[0].attempts, 1)
    assert.ok(failures[0].error instanceof Error)
    assert.ok(failures.every((f) => f.attempts === 1 || f.attempts % 15 === 0), `reported attempts ${failures.map((f) => f.attempts).join(', ')}`)
    assert.ok(failures.every((f) => !f.hadConnections), 'never connected: a configuration problem')
  })

  it('a peer whose bootstrap peer left after it had connected is told it had connections (not a wrong address or key)', async function () {
    this.timeout(30_000)
    const swarmKey = parseSwarmKey(generateSwarmKey())
    const first = await peer({ swarmKey })
    const failures: Array<{ attempts: number, hadConnections: boolean }> = []
    const joiner = await peer({ swarmKey, bootstrap: [bootstrapAddrs(first.node)[0]], bootstrapRetryMs: 200, onBootstrapFailed: (f) => { failures.push(f) } })
    await waitFor('the bootstrap connection', () => joiner.node.getConnections().length > 0, 20_000)
    await first.node.stop()
    await waitFor('a bootstrap failure report', () => failures.length >= 1, 20_000)
    assert.equal(failures[0].hadConnections, true)
  })

  it('a peer with the right key but not on the allowlist is refused and never reaches the gossip handler', async () => {
    const swarmKey = parseSwarmKey(generateSwarmKey())
    const refused: RefusedPeer[] = []
    const victimKey = await generateKeyPair('Ed25519')
    // the victim lists only itself and someone else: the intruder has the key but not a listed id
    const other = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
    const victim = await peer({ privateKey: victimKey, swarmKey, allowPeers: [peerIdFromPrivateKey(victimKey).toString(), other], onRefused: (e) => { refused.push(e) } })
    const intruder = await peer({ swarmKey })
    // the intruder's side may complete its handshake before the victim's gater closes the connection
    await dial(intruder, victim).catch(() => {})
    const r = await exchangeRound(intruder, victim)
    assert.deepEqual([r.atA.length, r.atB.length], [0, 0], 'nothing arrived either way')
    assertUntouched(victim.exchange.stats(), 'victim')
    const directions = new Set(refused.map((e) => e.direction))
    assert.ok(refused.length > 0 && refused.every((e) => e.peerId === intruder.id), 'only the intruder was refused')
    assert.ok(directions.has('inbound'), 'its dial was refused after Noise authenticated it')
    assert.ok(directions.has('dial'), 'the victim did not dial it either')
    await waitFor('no connection left', () => victim.node.getConnections().length === 0 && intruder.node.getConnections().length === 0)
  })

  it('inside the swarm, a malformed announcement is rejected, counted and penalised; a stale one is ignored', async () => {
    const swarmKey = parseSwarmKey(generateSwarmKey())
    const config: RunConfig = { ...EXPERIMENT_DEFAULTS, runId: RUN, roundDeadlineMs: 200, peers: 2 }
    const honest = await peer({ swarmKey })
    const m = createMembership({ node: honest.node }, { runId: RUN, config, slot: 0, heartbeatMs: 100, timeoutMs: 600 })
    members.push(m)
    await m.start()
    const insider = await peer({ swarmKey, bootstrap: bootstrapAddrs(honest.node) })
    const topic = membershipTopic(RUN)
    insider.node.services.pubsub.subscribe(topic)
    await waitFor('the insider sees the member subscribed', () => insider.node.services.pubsub.getSubscribers(topic).length === 1)
    const valid = {
      v: 1 as const, id: insider.id, addrs: [], slot: 1, round: 4, state: 'active' as const,
      configHash: configHash(config), config: agreedConfig(config), seq: 2000, effectiveRound: 0
    }
    const publish = async (bytes: Uint8Array): Promise<void> => { await insider.node.services.pubsub.publish(topic, bytes) }
    await publish(encodeAnnouncement(valid))
    await publish(new TextEncoder().encode(JSON.stringify({ ...valid, slot: -1 })))
    await publish(encodeAnnouncement({ ...valid, seq: 1999, round: 9 }))
    await waitFor('three announcements validated', () => m.stats().received === 3)
    const s = m.stats()
    assert.deepEqual(s.rejected, { slot: 1 })
    assert.equal(s.ignored.stale, 1)
    assert.equal(s.accepted, 1)
    assert.equal(m.view().find((v) => v.id === insider.id)?.round, 4, 'the stale announcement changed nothing')
    assert.deepEqual(penaltyStats(honest.node).byReason, { 'membership:slot': 1 }, 'one penalty, for the rejection only')
    assert.ok(peerScore(honest.node, insider.id) < 0, 'the insider\'s gossipsub score went down')
  })
})
