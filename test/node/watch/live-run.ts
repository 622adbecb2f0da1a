/** A run of real libp2p members over loopback that publish a summary of a new round every 100 ms, for murmur watch tests. */
import { EXPERIMENT_DEFAULTS } from '../../../lib/experiment/index.ts'
import type { RunConfig } from '../../../lib/experiment/index.ts'
import { createMembership } from '../../../node/membership/index.ts'
import type { Membership } from '../../../node/membership/index.ts'
import { bootstrapAddrs } from '../../../node/p2p/index.ts'
import type { PeerNode, PeerNodeInit } from '../../../node/p2p/index.ts'
import type { PeerRecord } from '../../../node/peer/index.ts'
import { createTelemetryPublisher } from '../../../node/telemetry/index.ts'
import { loopbackNode, waitFor } from '../p2p/util.ts'

export interface LiveRun {
  config: RunConfig
  /** the first member's address, with /p2p/<id> */
  bootstrap: string
  /** the end of the run, as murmur peer ends it: the summaries stop, each member announces its leave after the last round summarised, then stops */
  finish: () => Promise<number>
  /**
   * member `slot` leaves as murmur peer does when stopped: it publishes no more summaries and announces its leave after
   * the last round it summarised (returned); its node and membership stay up, as a stopping peer's do while it
   * checkpoints, so that it is still heard announcing its leave
   */
  leave: (slot: number) => Promise<number>
  stop: () => Promise<void>
}

function record (peerId: string, slot: number, round: number, peers: number): PeerRecord {
  return {
    peerId, slot, round, trainLoss: 0.5, accuracy: 0.9, testLoss: 0.3, bytesSent: 100 * round, bytesThisRound: 100, traffic: {}, members: peers,
    neighbours: [], received: 0, missing: 0, stale: 0, rejected: {}, exchangeRejected: {}, row: { self: 1, neighbours: [] }, rowSum: 1,
    lambda2: 0, computeMs: 1, commMs: 1, waitMs: 0, roundMs: 2, elapsedMs: 2 * round, time: Date.now(), skipped: 0
  }
}

/**
 * `nodeInits.length` members of run `runId` (each node made with its init: a key, a swarm key, an allowlist), the
 * later ones bootstrapping from the first, joined and publishing a summary of accuracy 0.9 every 100 ms.
 */
export async function startLiveRun (runId: string, nodeInits: Array<Partial<PeerNodeInit>>): Promise<LiveRun> {
  const n = nodeInits.length
  const config: RunConfig = { ...EXPERIMENT_DEFAULTS, runId, roundDeadlineMs: 300, peers: n, topology: 'ring' }
  const nodes: PeerNode[] = []
  let members: Membership[] = []
  let timer: ReturnType<typeof setInterval> | undefined
  const stop = async (): Promise<void> => {
    clearInterval(timer)
    await Promise.all(members.splice(0).map(async (m) => { await m.stop() }))
    await Promise.all(nodes.splice(0).map(async (node) => { await node.stop() }))
  }
  try {
    nodes.push(await loopbackNode(nodeInits[0]))
    const bootstrap = bootstrapAddrs(nodes[0])
    nodes.push(...await Promise.all(nodeInits.slice(1).map(async (init) => await loopbackNode({ bootstrap, ...init }))))
    members = nodes.map((node, slot) => createMembership({ node }, { runId, config, slot, heartbeatMs: 100, timeoutMs: 800 }))
    await Promise.all(members.map(async (m) => { await m.start() }))
    await waitFor('the members hear each other', () => members.every((m) => m.view().filter((v) => v.live).length === n))
    await Promise.all(members.map(async (m) => await m.join(0)))
    const publishers = nodes.map((node) => createTelemetryPublisher({ pubsub: node.services.pubsub }, { runId, seed: 1 }))
    let round = 0
    const left = new Set<number>()
    const leave = async (slot: number): Promise<number> => {
      left.add(slot)
      await members[slot].leave(Math.max(0, round - 1))
      return round
    }
    const finish = async (): Promise<number> => {
      clearInterval(timer)
      // summary R is written once R rounds are done: the last round's index is R − 1
      const last = Math.max(0, round - 1)
      await Promise.all(members.filter((_, slot) => !left.has(slot)).map(async (m) => { await m.leave(last) }))
      await Promise.all(members.splice(0).map(async (m) => { await m.stop() }))
      return round
    }
    timer = setInterval(() => {
      round++
      for (let slot = 0; slot < n; slot++) if (!left.has(slot)) publishers[slot].round(record(members[slot].selfId, slot, round, n), Float32Array.from({ length: 64 }, (_, j) => j + slot))
    }, 100)
    return { config, bootstrap: bootstrap[0], finish, leave, stop }
  } catch (err) {
    await stop()
    throw err
  }
}
