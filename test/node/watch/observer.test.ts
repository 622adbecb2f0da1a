import assert from 'node:assert/strict'
import { EXPERIMENT_DEFAULTS } from '../../../lib/experiment/index.ts'
import type { RunConfig } from '../../../lib/experiment/index.ts'
import { createMembership } from '../../../node/membership/index.ts'
import type { Membership } from '../../../node/membership/index.ts'
import { bootstrapAddrs } from '../../../node/p2p/index.ts'
import type { PeerNode } from '../../../node/p2p/index.ts'
import type { PeerRecord } from '../../../node/peer/index.ts'
import { createTelemetryPublisher, telemetryTopic } from '../../../node/telemetry/index.ts'
import { createObserver } from '../../../node/watch/index.ts'
import type { Observer } from '../../../node/watch/index.ts'
import { loopbackCluster, loopbackNode, waitFor } from '../p2p/util.ts'

const config: RunConfig = { ...EXPERIMENT_DEFAULTS, runId: 'watch-run', roundDeadlineMs: 300, peers: 3, topology: 'ring' }

function record (peerId: string, slot: number, round: number): PeerRecord {
  return {
    peerId, slot, round, trainLoss: 0.5, accuracy: 0.9, testLoss: 0.3, bytesSent: 100 * round, bytesThisRound: 100, traffic: {}, members: 3,
    neighbours: [], received: 0, missing: 0, stale: 0, rejected: {}, exchangeRejected: {}, row: { self: 1, neighbours: [] }, rowSum: 1,
    lambda2: 0.25, computeMs: 1, commMs: 1, waitMs: 0, roundMs: 2, elapsedMs: 2 * round, time: Date.now(), skipped: 0
  }
}

describe('node/watch observer over real libp2p nodes', function () {
  this.timeout(15_000)
  let nodes: PeerNode[] = []
  let members: Membership[] = []
  let observer: Observer | undefined

  afterEach(async () => {
    observer?.stop()
    await Promise.all(members.splice(0).map(async (m) => { await m.stop() }))
    await Promise.all(nodes.splice(0).map(async (n) => { await n.stop() }))
  })

  it('sees the members, their graph and their summaries, and is never a member or anyone\'s neighbour', async () => {
    nodes = await loopbackCluster(3)
    members = nodes.map((node, slot) => createMembership({ node }, { runId: config.runId, config, slot, heartbeatMs: 100, timeoutMs: 800 }))
    await Promise.all(members.map(async (m) => { await m.start() }))
    await waitFor('the members hear each other', () => members.every((m) => m.view().filter((v) => v.live).length === 3))
    await Promise.all(members.map(async (m) => await m.join(0)))

    // the observer knows only the bootstrap peer; it finds the others through their announcements and dials them
    const watcher = await loopbackNode({ bootstrap: bootstrapAddrs(nodes[0]) })
    nodes.push(watcher)
    observer = createObserver({ node: watcher }, { runId: config.runId, tickMs: 100 })
    observer.start()
    const obs = observer
    await waitFor('the observer sees the membership graph of 3', () => obs.model.snapshot(Date.now()).graph?.nodes.length === 3, 8000)
    await waitFor('the observer is connected to every member', () => nodes.slice(0, 3).every((n) => n.getConnections(watcher.peerId).length > 0), 8000)
    const snap = obs.model.snapshot(Date.now())
    assert.deepEqual(snap.graph?.nodes.map((n) => n.id).sort(), members.map((m) => m.selfId).sort())
    assert.ok(Math.abs((snap.graph?.gap ?? 0) - 1) < 1e-9, 'a ring of 3 is complete: W = J/3, gap 1')

    // a few more heartbeats: every member's view, membership and topology still exclude the observer
    await new Promise((resolve) => setTimeout(resolve, 500))
    for (const m of members) {
      assert.ok(!m.view().some((v) => v.id === obs.peerId), 'the observer is not in a member\'s view')
      assert.ok(!m.membersAt(1).includes(obs.peerId))
      const topo = m.topologyAt(1)
      assert.ok(!topo.ids.includes(obs.peerId), 'the observer is not a node of any round\'s topology')
      assert.ok(!topo.neighbours().includes(obs.peerId))
      assert.equal(m.stats().rejected.signer, undefined)
    }

    // a member's summaries reach the observer straight away (flood publishing to the subscribed observer)
    const topic = telemetryTopic(config.runId)
    await waitFor('members know the observer subscribes to telemetry', () => nodes.slice(0, 3).every((n) => n.services.pubsub.getSubscribers(topic).length > 0), 8000)
    const publishers = nodes.slice(0, 3).map((node) => createTelemetryPublisher({ pubsub: node.services.pubsub }, { runId: config.runId, seed: 1 }))
    for (let slot = 0; slot < 3; slot++) {
      const params = Float32Array.from({ length: 500 }, (_, j) => Math.sin(j + slot))
      publishers[slot].round(record(members[slot].selfId, slot, 1), params)
    }
    await waitFor('round 1\'s figures', () => obs.model.snapshot(Date.now()).consensus?.round === 1, 8000)
    const after = obs.model.snapshot(Date.now())
    assert.deepEqual(after.accuracy, { round: 1, mean: 0.9, min: 0.9, peers: 3 })
    assert.equal(after.consensus?.peers, 3)

    // malformed telemetry is rejected and counted, not fatal
    await nodes[1].services.pubsub.publish(topic, new TextEncoder().encode('{"v":1,'))
    await waitFor('the malformed summary is counted', () => obs.model.snapshot(Date.now()).counters.rejected['summary:json'] === 1, 8000)
  })
})
