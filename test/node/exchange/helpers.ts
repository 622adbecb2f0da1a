/** Real libp2p 3 nodes on loopback TCP (noise, yamux, identify) for the exchange tests, and small waits. */

import { createLibp2p } from 'libp2p'
import { tcp } from '@libp2p/tcp'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify } from '@libp2p/identify'
import type { Libp2p } from '@libp2p/interface'
import { createGossipExchange } from '../../../node/exchange/index.ts'
import type { GossipExchange, GossipExchangeInit } from '../../../node/exchange/index.ts'

export type TestNode = Libp2p<{ identify: unknown }>

export async function createNode (): Promise<TestNode> {
  return await createLibp2p({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: { identify: identify() },
    connectionManager: { inboundConnectionThreshold: 1_000, maxIncomingPendingConnections: 100 }
  })
}

/** Tells every node where the others listen (the peer store), so dials by PeerId work. */
export async function introduce (nodes: TestNode[]): Promise<void> {
  for (const a of nodes) {
    for (const b of nodes) {
      if (a !== b) await a.peerStore.merge(b.peerId, { multiaddrs: b.getMultiaddrs() })
    }
  }
}

export interface Peer { node: TestNode, exchange: GossipExchange, id: string }

export const RUN_ID = 'exchange-test-run'

/** n started nodes, each with a started exchange; `init` overrides the test defaults. */
export async function createPeers (n: number, init: Partial<GossipExchangeInit> = {}): Promise<Peer[]> {
  const nodes = await Promise.all(Array.from({ length: n }, async () => await createNode()))
  await introduce(nodes)
  const peers = nodes.map((node) => ({
    node,
    id: node.peerId.toString(),
    exchange: createGossipExchange({ libp2p: node }, { runId: RUN_ID, roundDeadlineMs: 1_500, maxMessageBytes: 8 * 1024 * 1024, ...init })
  }))
  await Promise.all(peers.map(async (p) => { await p.exchange.start() }))
  return peers
}

export async function stopPeers (peers: Peer[]): Promise<void> {
  await Promise.all(peers.map(async (p) => {
    await p.exchange.stop()
    await p.node.stop()
  }))
}

/** Ring neighbours of peer i among `peers`. */
export function ringIds (peers: Peer[], i: number): string[] {
  const n = peers.length
  if (n === 2) return [peers[1 - i].id]
  return [peers[(i + n - 1) % n].id, peers[(i + 1) % n].id]
}

/** Waits until `predicate` holds, polling, or fails after `ms`. */
export async function waitFor (predicate: () => boolean, ms = 1_500, what = 'condition'): Promise<void> {
  const end = Date.now() + ms
  while (!predicate()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

export function signal (ms = 10_000): AbortSignal {
  return AbortSignal.timeout(ms)
}
