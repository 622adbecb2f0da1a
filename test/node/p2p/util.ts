/** Helpers for tests with real libp2p nodes over loopback TCP. */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { createLibp2p } from 'libp2p'
import type { Libp2p } from 'libp2p'
import { tcp } from '@libp2p/tcp'
import { yamux } from '@chainsafe/libp2p-yamux'
import type { ConnectionEncrypter } from '@libp2p/interface'
import { Uint8ArrayList } from 'uint8arraylist'
import { createRng } from '../../../lib/random/index.ts'
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

/** `n` seeded random bytes. */
export function seededBytes (n: number, seed: number): Uint8Array {
  const rng = createRng(seed)
  const out = new Uint8Array(n)
  for (let i = 0; i < n; i++) out[i] = Math.floor(rng.next() * 256)
  return out
}

/** A bare libp2p node on loopback (TCP, `encrypters`, Yamux), with the TCP transport's inactivity timeout if given. */
export async function plainNode (encrypters: Array<(components: any) => ConnectionEncrypter>, inactivityMs?: number): Promise<Libp2p> {
  const timeouts = inactivityMs === undefined ? {} : { inboundSocketInactivityTimeout: inactivityMs, outboundSocketInactivityTimeout: inactivityMs }
  return await createLibp2p({ addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] }, transports: [tcp(timeouts)], connectionEncrypters: encrypters, streamMuxers: [yamux()] })
}

/** Sends `payload` from `from` to `to` on a fresh stream of `protocol` and resolves with what `to` received. */
export async function sinkTransfer (from: Libp2p, to: Libp2p, payload: Uint8Array, protocol: string): Promise<Uint8Array> {
  const received = new Promise<Uint8Array>((resolve, reject) => {
    void to.handle(protocol, async (stream) => {
      const got = new Uint8ArrayList()
      for await (const chunk of stream) got.append(chunk)
      resolve(Uint8Array.from(got.subarray()))
    }).catch(reject)
  })
  const stream = await from.dialProtocol(to.getMultiaddrs(), protocol, { signal: AbortSignal.timeout(5000) })
  const step = 256 * 1024
  for (let at = 0; at < payload.length; at += step) {
    if (!stream.send(payload.subarray(at, Math.min(payload.length, at + step)))) await stream.onDrain({ signal: AbortSignal.timeout(5000) })
  }
  await stream.close({ signal: AbortSignal.timeout(5000) })
  const got = await received
  await to.unhandle(protocol)
  return got
}
