/**
 * Membership of 16 peers on one host (all from 127.0.0.1), the size of `murmur cluster --peers 16`. Gossipsub's
 * IP colocation penalty (P6) used to graylist every peer once more than 10 shared an address: heartbeats stopped
 * within seconds, peers timed out one another and never came back, and no cohort ever formed.
 */
import assert from 'node:assert/strict'
import { EXPERIMENT_DEFAULTS } from '../../../lib/experiment/index.ts'
import type { RunConfig } from '../../../lib/experiment/index.ts'
import { createMembership } from '../../../node/membership/index.ts'
import type { Membership } from '../../../node/membership/index.ts'
import type { PeerNode } from '../../../node/p2p/index.ts'
import { loopbackCluster, waitFor } from '../p2p/util.ts'

const N = 16
/**
 * The heartbeat of `murmur cluster --peers 16` (max(500, 50 × peers) ms). Heartbeats every 200 ms made this test
 * itself the load: 16 nodes in one event loop verifying 1,280 signatures a second, and on a busy machine an
 * announcement then took longer than the timeout.
 */
const HEARTBEAT = 800
/** how long every peer must keep seeing every other one live: well past a timeout, so a silenced peer is caught */
const WATCH_MS = 8000
/**
 * The default timeout, 3 × heartbeat + round deadline, is then 4.8 s: longer than the 1.7 to 1.9 s an announcement
 * took at worst here with 200 ms heartbeats, shorter than the watch.
 */
const config: RunConfig = { ...EXPERIMENT_DEFAULTS, runId: 'test-many', roundDeadlineMs: 2400, peers: N }

describe('node/membership: 16 peers on one host', function () {
  this.timeout(40_000)
  let nodes: PeerNode[] = []
  let members: Membership[] = []

  afterEach(async () => {
    await Promise.all(members.splice(0).map(async (m) => { await m.stop() }))
    await Promise.all(nodes.splice(0).map(async (n) => { await n.stop() }))
  })

  it(`all ${N} see each other live for ${WATCH_MS / 1000} s without a timeout, then agree on the members of round 0`, async () => {
    nodes = await loopbackCluster(N, { pubsub: { heartbeatIntervalMs: 700 } })
    members = nodes.map((node, slot) => createMembership({ node }, { runId: config.runId, config, slot, heartbeatMs: HEARTBEAT }))
    const timedOut: string[] = []
    for (const m of members) m.addEventListener('timed-out', (e) => { timedOut.push(`${m.selfId} lost ${e.detail.id}`) })
    await Promise.all(members.map(async (m) => { await m.start() }))
    const liveCounts = (): number[] => members.map((m) => m.view().filter((v) => v.live).length)
    const state = (): string => `live members seen by each peer: ${liveCounts().join(', ')}`
    await waitFor(`every peer hearing all ${N}`, () => liveCounts().every((c) => c === N), 8000)
      .catch((err: Error) => { assert.fail(`${err.message}: ${state()}`) })

    const end = Date.now() + WATCH_MS
    while (Date.now() < end) {
      assert.ok(liveCounts().every((c) => c === N), state())
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    assert.deepEqual(timedOut, [], 'no peer timed out another')
    for (const m of members) assert.deepEqual(m.stats().rejected, {}, 'no announcement was rejected')

    const rounds = await Promise.all(members.map(async (m) => await m.join()))
    assert.deepEqual(rounds, new Array(N).fill(0), 'a new run: everyone joins at round 0')
    const all = members.map((m) => m.selfId).sort()
    await waitFor(`every peer seeing ${N} members of round 0`, () => members.every((m) => m.membersAt(0).length === N), 3000)
    for (const m of members) assert.deepEqual(m.membersAt(0), all)
  })
})
