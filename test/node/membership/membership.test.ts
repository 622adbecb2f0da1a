import assert from 'node:assert/strict'
import { createServer } from 'node:net'
import type { Socket } from 'node:net'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { EXPERIMENT_DEFAULTS, agreedConfig, configHash } from '../../../lib/experiment/index.ts'
import type { RunConfig } from '../../../lib/experiment/index.ts'
import { FORGET_AFTER_TIMEOUTS, createMembership, encodeAnnouncement, membershipTopic } from '../../../node/membership/index.ts'
import type { Membership, MembershipInit } from '../../../node/membership/index.ts'
import type { PeerNode } from '../../../node/p2p/index.ts'
import { bootstrapAddrs, PENALTY_SCORE_WEIGHT, penaltyStats, peerScore } from '../../../node/p2p/index.ts'
import { loopbackCluster, loopbackNode, waitFor } from '../p2p/util.ts'

const HEARTBEAT = 100
const TIMEOUT = 600
const config: RunConfig = { ...EXPERIMENT_DEFAULTS, runId: 'test-run', roundDeadlineMs: 200, peers: 4 }

describe('node/membership over real libp2p nodes', function () {
  this.timeout(10_000)
  let nodes: PeerNode[] = []
  let members: Membership[] = []

  afterEach(async () => {
    await Promise.all(members.splice(0).map(async (m) => { await m.stop() }))
    await Promise.all(nodes.splice(0).map(async (n) => { await n.stop() }))
  })

  function member (node: PeerNode, slot: number, init: Partial<MembershipInit> = {}): Membership {
    const m = createMembership({ node }, { runId: config.runId, config, slot, heartbeatMs: HEARTBEAT, timeoutMs: TIMEOUT, ...init })
    members.push(m)
    return m
  }

  /** n nodes bootstrapping from the first, each with a started membership (slot = index) */
  async function cluster (n: number, init: (i: number) => Partial<MembershipInit> = () => ({})): Promise<Membership[]> {
    nodes = await loopbackCluster(n)
    const ms = nodes.map((node, i) => member(node, i, init(i)))
    await Promise.all(ms.map(async (m) => { await m.start() }))
    return ms
  }

  const heardAll = (ms: Membership[], n: number) => () => ms.every((m) => m.view().filter((v) => v.live).length === n)

  it('4 peers bootstrapping from the first find each other and agree on the members of each round', async () => {
    const ms = await cluster(4)
    await waitFor('everyone hears everyone', heardAll(ms, 4))
    assert.deepEqual(ms.map((m) => m.membersAt(0)), [[], [], [], []], 'no one is a member before joining')
    const rounds = await Promise.all(ms.map(async (m) => await m.join()))
    assert.deepEqual(rounds, [0, 0, 0, 0], 'a new run: everyone starts at round 0')
    const all = ms.map((m) => m.selfId).sort()
    await waitFor('everyone sees 4 members at round 0', () => ms.every((m) => m.membersAt(0).length === 4))
    for (const m of ms) assert.deepEqual(m.membersAt(0), all)
    // the topology agrees too: on a ring of 4, j is i's neighbour exactly when i is j's
    const tops = new Map(ms.map((m) => [m.selfId, m.topologyAt(0)]))
    for (const [id, t] of tops) {
      assert.deepEqual(t.ids, all)
      for (const j of t.neighbours()) assert.ok(tops.get(j)?.neighbours().includes(id), `${j} is ${id}'s neighbour but not the reverse`)
    }
    // members dial each other, so the run does not hang on the bootstrap peer
    await waitFor('full connectivity', () => nodes.every((n) => n.getConnections().length >= 3))
  })

  it('two processes under one PeerId (a copied identity.key) are told apart and reported, by a third peer and by each other', async () => {
    // b and c share a key, each connected to its own hub (one hub would carry the pubsub of one of them only: it
    // keeps one stream a PeerId; node/p2p's identify watch tells that case)
    const hub = await loopbackNode()
    const hub2 = await loopbackNode({ bootstrap: bootstrapAddrs(hub) })
    const key = await generateKeyPair('Ed25519')
    const b = await loopbackNode({ privateKey: key, bootstrap: bootstrapAddrs(hub) })
    const c = await loopbackNode({ privateKey: key, bootstrap: bootstrapAddrs(hub2) })
    nodes = [hub, b, c, hub2]
    const ms = [hub, b, c, hub2].map((node, i) => member(node, i, { connectToMembers: false }))
    const seen = ms.map(() => [] as Array<{ id: string, self: boolean, slots: number[] }>)
    ms.forEach((m, i) => { m.addEventListener('identity-conflict', (e) => { seen[i].push({ id: e.detail.id, self: e.detail.self, slots: e.detail.claims.map((x) => x.slot).sort() }) }) })
    await Promise.all(ms.map(async (m) => { await m.start() }))
    const shared = b.peerId.toString()
    await waitFor('every peer reports the shared PeerId', () => seen.every((s) => s.length > 0), 8000)
    for (const s of seen) for (const e of s) assert.deepEqual({ id: e.id, slots: e.slots }, { id: shared, slots: [1, 2] })
    assert.deepEqual(seen.map((s) => s[0].self), [false, true, true, false], 'b and c each see another process under their own PeerId')
    // said once per PeerId and pair of claims, however long the two go on
    await new Promise((resolve) => setTimeout(resolve, 1000))
    for (const s of seen) assert.ok(s.length <= 1, JSON.stringify(s))
  })

  it('a peer restarted under its PeerId with another slot or port is not a conflict: its old claim never comes back', async () => {
    const hub = await loopbackNode()
    const key = await generateKeyPair('Ed25519')
    const first = await loopbackNode({ privateKey: key, bootstrap: bootstrapAddrs(hub) })
    nodes = [hub, first]
    const h = member(hub, 0)
    const seen: unknown[] = []
    h.addEventListener('identity-conflict', (e) => { seen.push(e.detail) })
    const m1 = member(first, 1)
    await Promise.all([h.start(), m1.start()])
    await waitFor('the hub hears slot 1', () => h.view().some((v) => v.slot === 1))
    await m1.stop()
    await first.stop()
    const second = await loopbackNode({ privateKey: key, bootstrap: bootstrapAddrs(hub) })
    nodes.push(second)
    const m2 = member(second, 2)
    await m2.start()
    await waitFor('the hub hears it again, as slot 2', () => h.view().some((v) => v.slot === 2 && v.id === second.peerId.toString()))
    await new Promise((resolve) => setTimeout(resolve, 500))
    assert.deepEqual(seen, [])
  })

  it('a late joiner becomes a member at R + 2 on every peer (R: the highest active round)', async () => {
    const ms = await cluster(4)
    await waitFor('everyone hears everyone', heardAll(ms, 4))
    const [a, b, c, late] = ms
    for (const m of [a, b, c]) { await m.join(0); m.heartbeat(5, 'active') }
    await waitFor('the late peer hears round 5', () => late.maxRoundSeen() === 5)
    assert.equal(await late.join(), 7)
    await waitFor('everyone has the joiner from round 7', () => ms.every((m) => m.membersAt(7).includes(late.selfId)))
    for (const m of ms) {
      assert.ok(!m.membersAt(6).includes(late.selfId))
      assert.deepEqual(m.membersAt(7), ms.map((x) => x.selfId).sort())
    }
    assert.throws(() => late.topologyAt(6), (err: Error) => err.name === 'NotAMemberError')
  })

  it('a peer stopped without leaving times out and drops out', async () => {
    const ms = await cluster(3)
    await waitFor('everyone hears everyone', heardAll(ms, 3))
    await Promise.all(ms.map(async (m) => await m.join(0)))
    const [a, b, crashed] = ms
    await waitFor('3 members', () => a.membersAt(0).length === 3 && b.membersAt(0).length === 3)
    const timedOut: string[] = []
    a.addEventListener('timed-out', (e) => { timedOut.push(e.detail.id) })
    const gone = Date.now()
    await crashed.stop()
    await nodes[2].stop()
    await waitFor('a and b drop the crashed peer', () => a.membersAt(1).length === 2 && b.membersAt(1).length === 2, 3000)
    const after = Date.now() - gone
    assert.ok(after >= TIMEOUT - HEARTBEAT, `dropped after ${after} ms, before the ${TIMEOUT} ms timeout`)
    assert.deepEqual(a.membersAt(1), [a.selfId, b.selfId].sort())
    await waitFor('timed-out event', () => timedOut.length === 1)
    assert.deepEqual(timedOut, [crashed.selfId])
  })

  it('a member whose host refuses connections (its process is gone) is forgotten after two refused redials, long before the silent horizon', async () => {
    const ms = await cluster(3)
    await waitFor('everyone hears everyone', heardAll(ms, 3))
    await Promise.all(ms.map(async (m) => await m.join(0)))
    const [a, b, crashed] = ms
    await waitFor('3 members', () => a.membersAt(0).length === 3 && b.membersAt(0).length === 3)
    const gone = Date.now()
    await crashed.stop()
    await nodes[2].stop()
    // redials once a timeout: lost at 600 ms, refused at ~600 and ~1,300 ms; the silent horizon is 10 timeouts (6 s)
    await waitFor('a and b forget the crashed peer', () => [a, b].every((m) => !m.view().some((v) => v.id === crashed.selfId)), 4000)
    const after = Date.now() - gone
    assert.ok(after >= TIMEOUT, `forgotten after ${after} ms, before it even timed out`)
    assert.ok(after < FORGET_AFTER_TIMEOUTS * TIMEOUT, `forgotten after ${after} ms: the silent horizon, not the refusals`)
    for (const m of [a, b]) {
      assert.equal(m.stats().forgottenRefused, 1)
      assert.deepEqual(m.reach(), { reachable: 2, lost: 0 })
    }
  })

  it('a member whose host does not answer (a cut, not a crash) stays lost until the silent horizon', async () => {
    const ms = await cluster(3)
    await waitFor('everyone hears everyone', heardAll(ms, 3))
    await Promise.all(ms.map(async (m) => await m.join(0)))
    const [a, , silent] = ms
    await waitFor('3 members', () => a.membersAt(0).length === 3)
    const port = Number(/\/tcp\/(\d+)/.exec(nodes[2].getMultiaddrs()[0].toString())?.[1])
    await silent.stop()
    await nodes[2].stop()
    // something on its port that accepts and never answers: dials time out instead of being refused
    const sockets: Socket[] = []
    const hole = createServer((s) => { sockets.push(s); s.on('error', () => {}) })
    await new Promise<void>((resolve) => hole.listen(port, '127.0.0.1', resolve))
    try {
      await new Promise((resolve) => setTimeout(resolve, 5 * TIMEOUT))
      assert.ok(a.stats().dials > 0)
      assert.equal(a.stats().forgottenRefused, 0)
      assert.deepEqual(a.reach(), { reachable: 2, lost: 1 }, 'still remembered, and lost')
      assert.ok(sockets.length > 0, 'a redialed the silent member')
    } finally {
      for (const s of sockets) s.destroy()
      await new Promise((resolve) => hole.close(resolve))
    }
  })

  it('a graceful leave takes effect at the announced round on every peer', async () => {
    const ms = await cluster(3)
    await waitFor('everyone hears everyone', heardAll(ms, 3))
    await Promise.all(ms.map(async (m) => await m.join(0)))
    const [a, b, leaver] = ms
    await waitFor('3 members', () => a.membersAt(0).length === 3 && b.membersAt(0).length === 3)
    const left: Array<{ id: string, effectiveRound: number }> = []
    a.addEventListener('left', (e) => { left.push(e.detail) })
    leaver.heartbeat(5, 'active')
    await leaver.leave(5)
    await waitFor('a and b hear the leave', () => left.length === 1 && b.view().some((v) => v.id === leaver.selfId && v.until === 6), 1000)
    assert.deepEqual(left, [{ id: leaver.selfId, effectiveRound: 6 }])
    for (const m of [a, b, leaver]) {
      assert.ok(m.membersAt(5).includes(leaver.selfId), 'still a member of its last round')
      assert.deepEqual(m.membersAt(6), [a.selfId, b.selfId].sort())
    }
    assert.throws(() => leaver.heartbeat(6, 'active'), (err: Error) => err.name === 'MembershipStateError')
  })

  it('a peer with a different config is refused on both sides, naming the differing fields', async () => {
    const other: RunConfig = { ...config, lr: config.lr * 2, codec: 'topk:0.01' }
    const ms = await cluster(3, (i) => i === 2 ? { config: other } : {})
    const [a, b, odd] = ms
    const refusedByA: string[] = []
    a.addEventListener('refused', (e) => { refusedByA.push(e.detail.id) })
    await waitFor('a and b hear each other', () => a.view().length === 2 && b.view().length === 2)
    await waitFor('both sides refuse', () => a.refusals().length === 1 && b.refusals().length === 1 && odd.refusals().length === 2)
    for (const m of [a, b]) {
      const [r] = m.refusals()
      assert.equal(r.id, odd.selfId)
      assert.deepEqual(r.diff.map((d) => d.field).sort(), ['codec', 'lr'])
      assert.equal(r.configHash, odd.configHash)
    }
    assert.deepEqual(odd.refusals().map((r) => r.id).sort(), [a.selfId, b.selfId].sort())
    for (const r of odd.refusals()) assert.deepEqual(r.diff.map((d) => d.field).sort(), ['codec', 'lr'])
    assert.deepEqual(refusedByA, [odd.selfId], 'one event per refused peer')
    await Promise.all(ms.map(async (m) => await m.join(0)))
    await waitFor('a and b are members', () => a.membersAt(0).length === 2 && b.membersAt(0).length === 2)
    assert.ok(!a.membersAt(0).includes(odd.selfId) && !b.membersAt(0).includes(odd.selfId))
    assert.deepEqual(odd.membersAt(0), [odd.selfId])
  })

  it('rejects malformed announcements and a forged id (lowering the sender\'s score), ignores a stale seq, and counts each', async () => {
    const ms = await cluster(1)
    const [m] = ms
    const raw = await loopbackNode({ bootstrap: bootstrapAddrs(nodes[0]) })
    nodes.push(raw)
    const topic = membershipTopic(config.runId)
    raw.services.pubsub.subscribe(topic)
    await waitFor('raw peer sees the member subscribed', () => raw.services.pubsub.getSubscribers(topic).length === 1)
    const rawId = raw.peerId.toString()
    const valid = {
      v: 1 as const, id: rawId, addrs: [], slot: 1, round: 0, state: 'active' as const,
      configHash: configHash(config), config: agreedConfig(config), seq: 1000, effectiveRound: 0
    }
    const send = async (bytes: Uint8Array): Promise<void> => { await raw.services.pubsub.publish(topic, bytes) }
    await send(new TextEncoder().encode('garbage'))
    await send(new TextEncoder().encode(JSON.stringify({ ...valid, v: 9 })))
    await send(encodeAnnouncement({ ...valid, id: m.selfId, seq: 5000 })) // someone else's id, signed by raw
    await send(encodeAnnouncement(valid))
    await send(encodeAnnouncement({ ...valid, seq: 999, round: 3 })) // older than the last one
    await waitFor('five announcements validated', () => m.stats().received === 5)
    const s = m.stats()
    assert.deepEqual(s.rejected, { json: 1, version: 1, signer: 1 })
    assert.equal(s.ignored.stale, 1)
    assert.equal(s.accepted, 1)
    assert.deepEqual(m.view().filter((v) => !v.self).map((v) => [v.id, v.round]), [[rawId, 0]], 'the stale one changed nothing')
    // three rejections, no penalty for the ignored one: P5 = −weight · 3² (less a hair of decay), nothing else scores here
    assert.deepEqual(penaltyStats(nodes[0]).byReason, { 'membership:json': 1, 'membership:version': 1, 'membership:signer': 1 })
    const score = peerScore(nodes[0], rawId)
    assert.ok(score < -0.99 * PENALTY_SCORE_WEIGHT * 9 && score > -PENALTY_SCORE_WEIGHT * 9 - 1, `score ${score}`)
    assert.equal(peerScore(raw, nodes[0].peerId), 0, 'the member, which sent nothing wrong, keeps a zero score')
  })

  it('reports two live peers claiming the same slot', async () => {
    const ms = await cluster(3, (i) => ({ slot: i === 2 ? 1 : i }))
    const conflicts: Array<{ slot: number, ids: string[] }> = []
    ms[0].addEventListener('slot-conflict', (e) => { conflicts.push(e.detail) })
    await waitFor('the conflict is seen', () => conflicts.length === 1)
    assert.deepEqual(conflicts, [{ slot: 1, ids: [ms[1].selfId, ms[2].selfId].sort() }])
    await waitFor('the claimants see it too', () => ms[1].slotConflicts().length === 1 && ms[2].slotConflicts().length === 1)
  })

  it('a restarted peer (same key) is heard again: its seq continues from the clock', async () => {
    const key = await generateKeyPair('Ed25519')
    nodes = [await loopbackNode()]
    nodes.push(await loopbackNode({ privateKey: key, bootstrap: bootstrapAddrs(nodes[0]) }))
    const a = member(nodes[0], 0)
    // the first b announces fast, so a per-process counter restarting at 1 would stay below its last seq for seconds
    const b = member(nodes[1], 1, { heartbeatMs: 10 })
    await a.start()
    await b.start()
    await waitFor('a hears b', () => a.view().length === 2)
    await new Promise((resolve) => setTimeout(resolve, 300))
    await b.stop()
    await nodes[1].stop()
    nodes[1] = await loopbackNode({ privateKey: key, bootstrap: bootstrapAddrs(nodes[0]) })
    const b2 = member(nodes[1], 1)
    assert.equal(b2.selfId, b.selfId)
    b2.heartbeat(3)
    await b2.start()
    // with a per-process counter the new announcements would be below the old ones and ignored as stale
    await waitFor('a hears the restarted b at round 3', () => a.view().some((v) => v.id === b.selfId && v.round === 3 && v.live), 1000)
  })
})
