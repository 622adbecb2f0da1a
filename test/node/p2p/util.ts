/** Helpers for tests with real libp2p nodes over loopback TCP. */
import { createServer, connect } from 'node:net'
import type { AddressInfo, Server, Socket } from 'node:net'
import { generateKeyPair } from '@libp2p/crypto/keys'
import type { Multiaddr } from '@multiformats/multiaddr'
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
/** The node's loopback address without /p2p/ (to dial it without naming the PeerId it must have). */
export function bareAddr (node: PeerNode): string {
  const a = node.getMultiaddrs().find((ma) => ma.toString().startsWith('/ip4/127.0.0.1/'))
  if (a === undefined) throw new Error('the node has no loopback address')
  return a.toString().replace(/\/p2p\/.*$/, '')
}

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

/** What `to`'s handler of `protocol` received of `payload` sent from `from` (or the error its stream ended with, or the sender's). */
export async function transferOutcome (from: Libp2p, to: Libp2p, payload: Uint8Array, protocol: string, dialAddr: Multiaddr[] = to.getMultiaddrs()): Promise<{ got: Uint8Array, error?: Error, sendError?: Error }> {
  const received = new Promise<{ got: Uint8Array, error?: Error }>((resolve) => {
    void to.handle(protocol, async (stream) => {
      const got = new Uint8ArrayList()
      try {
        for await (const chunk of stream) got.append(chunk)
        resolve({ got: Uint8Array.from(got.subarray()) })
      } catch (error) {
        resolve({ got: Uint8Array.from(got.subarray()), error: error as Error })
      }
    })
  })
  let sendError: Error | undefined
  try {
    const stream = await from.dialProtocol(dialAddr, protocol, { signal: AbortSignal.timeout(5000) })
    const step = 256 * 1024
    for (let at = 0; at < payload.length; at += step) {
      if (!stream.send(payload.subarray(at, Math.min(payload.length, at + step)))) await stream.onDrain({ signal: AbortSignal.timeout(5000) })
    }
    await stream.close({ signal: AbortSignal.timeout(5000) })
  } catch (err) {
    sendError = err as Error
  }
  const result = await Promise.race([received, new Promise<{ got: Uint8Array, error: Error }>((resolve) => setTimeout(() => { resolve({ got: new Uint8Array(0), error: new Error('receiver saw nothing end') }) }, 5000))])
  await to.unhandle(protocol)
  return { ...result, sendError }
}

/** Sends `payload` from `from` to `to` on a fresh stream of `protocol` and resolves with what `to` received; throws if either end failed. */
export async function sinkTransfer (from: Libp2p, to: Libp2p, payload: Uint8Array, protocol: string): Promise<Uint8Array> {
  const { got, error, sendError } = await transferOutcome(from, to, payload, protocol)
  if (sendError !== undefined) throw sendError
  if (error !== undefined) throw error
  return got
}

/**
 * A loopback TCP proxy to `port` that, once armed, hands each client→server read to `tamper` (which may change it in
 * place) until `tamper` returns true; `done()` says whether it has.
 */
export async function tamperingProxy (port: number, tamper: (chunk: Buffer) => boolean): Promise<{ server: Server, port: number, arm: () => void, done: () => boolean }> {
  let armed = false
  let done = false
  const sockets: Socket[] = []
  const server = createServer((client) => {
    const upstream = connect(port, '127.0.0.1')
    sockets.push(client, upstream)
    client.on('data', (chunk: Buffer) => {
      if (armed && !done) done = tamper(chunk)
      upstream.write(chunk)
    })
    upstream.on('data', (chunk: Buffer) => { client.write(chunk) })
    const end = (): void => { client.destroy(); upstream.destroy() }
    client.on('error', end); upstream.on('error', end); client.on('close', end); upstream.on('close', end)
  })
  server.on('close', () => { for (const s of sockets) s.destroy() })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { server, port: (server.address() as AddressInfo).port, arm: () => { armed = true }, done: () => done }
}

/** A `tamperingProxy` tamper: flips one bit in the middle of the first read of at least 2,000 bytes. */
export function flipOneBit (chunk: Buffer): boolean {
  if (chunk.length < 2000) return false
  chunk[chunk.length >> 1] ^= 0x10
  return true
}
