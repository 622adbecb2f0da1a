/** Helpers for tests with real libp2p nodes over loopback TCP. */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { bootstrapAddrs, createPeerNode } from '../../../node/p2p/index.ts'
import type { PeerNode, PeerNodeInit } from '../../../node/p2p/index.ts'

export const LOOPBACK = ['/ip4/127.0.0.1/tcp/0']

/** A started node on loopback with a fresh key; gossipsub heartbeat short so meshes form fast. */
export async function loopbackNode (init: Partial<PeerNodeInit> = {}): Promise<PeerNode> {
  return await createPeerNode({
    privateKey: await generateKeyPair('Ed25519'),
    listen: LOOPBACK,
    pubsub: { heartbeatIntervalMs: 100 },
    ...init
  })
}

/** n nodes, every one after the first bootstrapping from the first. */
export async function loopbackCluster (n: number, init: Partial<PeerNodeInit> = {}): Promise<PeerNode[]> {
  const first = await loopbackNode(init)
  const rest = await Promise.all(Array.from({ length: n - 1 }, async () => await loopbackNode({ bootstrap: bootstrapAddrs(first), ...init })))
  return [first, ...rest]
}

/** Polls `predicate` every `everyMs` (default 20 ms) until it holds; throws (naming `what`) after `timeoutMs`. */
export async function waitFor (what: string, predicate: () => boolean, timeoutMs = 5000, everyMs = 20): Promise<void> {
  const start = Date.now()
  while (!predicate()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, everyMs))
  }
}

export async function stopAll (nodes: PeerNode[]): Promise<void> {
  await Promise.all(nodes.splice(0).map(async (n) => { await n.stop() }))
}
