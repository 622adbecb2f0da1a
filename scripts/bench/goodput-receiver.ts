/**
 * The receiving process of the goodput benchmark (forked by goodput.ts): one libp2p node and GossipExchange
 * per stack variant, a raw `node:net` server and a TLS 1.3 server (Node's native TLS on a bare socket, no libp2p),
 * all on loopback or on `argv[4]` (its namespace's address). It reports, over IPC, the wall time at which each
 * expected message was complete and whether its bytes were intact.
 */

import { createServer } from 'node:net'
import type { AddressInfo, Socket } from 'node:net'
import { createServer as createTlsServer } from 'node:tls'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { generateCertificate } from '@libp2p/tls/utils'
import { multiaddr } from '@multiformats/multiaddr'
import { peerIdFromString } from '@libp2p/peer-id'
import { createGossipExchange } from '../../node/exchange/index.ts'
import type { GossipExchange } from '../../node/exchange/index.ts'
import { crc32 } from '../../lib/protocol/index.ts'
import { parseCodec } from '../../lib/compress/index.ts'
import { BENCH_RUN_ID, SINK_PROTOCOL, VARIANTS, createBenchNode, wallNow } from './goodput-node.ts'
import type { FromReceiver, ToReceiver } from './goodput-node.ts'
import type { Libp2p } from '@libp2p/interface'
import { exitUnlessForked } from './cli.ts'

exitUnlessForked('goodput-receiver', 'node scripts/bench/goodput.ts')

function post (m: FromReceiver): void { process.send?.(m) }

const variants = (process.argv[2] ?? 'default').split(',')
const maxBytes = Number(process.argv[3] ?? 64 * 1024 * 1024)
/** the address every listener binds: loopback, or this namespace's own address over a shaped link */
const host = process.argv[4] ?? '127.0.0.1'
const nodes = new Map<string, { node: Libp2p, exchange: GossipExchange }>()

/**
 * The bytes being received on a raw socket or a sink stream: copied into one buffer of a message's size, like
 * the exchange does (a stream of `count` messages wraps around in it), until `total` bytes have arrived.
 */
let raw: { buf: Uint8Array, at: number, got: number, total: number } | undefined
function take (chunk: Uint8Array): void {
  if (raw === undefined) return
  let from = 0
  while (from < chunk.length) {
    const n = Math.min(chunk.length - from, raw.buf.length - raw.at)
    raw.buf.set(n === chunk.length ? chunk : chunk.subarray(from, from + n), raw.at)
    raw.at = (raw.at + n) % raw.buf.length
    raw.got += n
    from += n
  }
  if (raw.got >= raw.total) {
    const at = wallNow()
    post({ kind: 'received', at, bytes: raw.got, ok: raw.got === raw.total })
    raw = undefined
  }
}
for (const name of variants) {
  const v = VARIANTS[name]
  const node = await createBenchNode(v, host)
  const exchange = createGossipExchange({ libp2p: node }, { runId: BENCH_RUN_ID, roundDeadlineMs: 600_000, maxMessageBytes: maxBytes, chunkBytes: v.chunkBytes, crc: v.crc })
  await exchange.start()
  await node.handle(SINK_PROTOCOL, async (stream) => {
    for await (const chunk of stream) {
      if (chunk instanceof Uint8Array) take(chunk)
      else for (const part of chunk) take(part)
    }
  })
  nodes.set(name, { node, exchange })
}

const server = createServer((socket: Socket) => { socket.on('data', take) })
await new Promise<void>((resolve) => server.listen(0, host, resolve))
// the certificate @libp2p/tls would present (an ECDSA P-256 key signed by an Ed25519 identity); the sender does not
// check it: this server measures what encryption alone costs, not authentication
const certificate = await generateCertificate(await generateKeyPair('Ed25519'))
const tlsServer = createTlsServer({ ...certificate, minVersion: 'TLSv1.3' }, (socket) => { socket.on('data', take) })
await new Promise<void>((resolve) => tlsServer.listen(0, host, resolve))

post({
  kind: 'ready',
  tcpPort: (server.address() as AddressInfo).port,
  tlsPort: (tlsServer.address() as AddressInfo).port,
  nodes: Object.fromEntries([...nodes].map(([name, { node }]) => [name, { peerId: node.peerId.toString(), addrs: node.getMultiaddrs().map(String) }]))
})

process.on('message', (m: ToReceiver) => {
  void handle(m).catch((err: Error) => { post({ kind: 'error', message: err.stack ?? String(err) }) })
})

async function handle (m: ToReceiver): Promise<void> {
  if (m.kind === 'hello') {
    const { node, exchange } = nodes.get(m.variant)!
    await node.peerStore.merge(peerIdFromString(m.peerId), { multiaddrs: m.addrs.map((a) => multiaddr(a)) })
    exchange.setNeighbours([m.peerId])
    post({ kind: 'helloed', variant: m.variant })
  } else if (m.kind === 'expect') {
    const { exchange } = nodes.get(m.variant)!
    const waiting = exchange.round(m.round, Uint8Array.of(1), { signal: AbortSignal.timeout(600_000) })
    post({ kind: 'waiting', round: m.round })
    const received = await waiting
    const payload = received[0]?.payload
    // a compressed model counts as delivered once it is decoded back into floats
    if (payload !== undefined && m.decode !== undefined) parseCodec(m.decode.spec).decode(payload, m.decode.floats)
    const at = wallNow()
    post({ kind: 'received', at, bytes: payload?.length ?? 0, ok: payload !== undefined && payload.length === m.bytes && crc32(payload) === m.checksum })
  } else if (m.kind === 'expectStream') {
    // consecutive rounds, as a run sends them: each message decoded back into floats as it arrives
    const { exchange } = nodes.get(m.variant)!
    const codec = parseCodec(m.decode.spec)
    const out = new Float32Array(m.decode.floats)
    const signal = AbortSignal.timeout(600_000)
    let ok = true
    for (let i = 0; i < m.count; i++) {
      const waiting = exchange.round(m.round + i, Uint8Array.of(1), { signal })
      if (i === 0) post({ kind: 'waiting', round: m.round })
      const payload = (await waiting)[0]?.payload
      if (payload === undefined) { ok = false; continue }
      codec.decodeInto(payload, m.decode.floats, out)
    }
    post({ kind: 'received', at: wallNow(), bytes: m.bytes * m.count, ok })
  } else if (m.kind === 'expectRaw' || m.kind === 'expectSink') {
    raw = { buf: new Uint8Array(m.bytes), at: 0, got: 0, total: m.bytes }
    post({ kind: 'waiting', round: -1 })
  } else if (m.kind === 'expectRawStream') {
    raw = { buf: new Uint8Array(m.bytes), at: 0, got: 0, total: m.bytes * m.count }
    post({ kind: 'waiting', round: -1 })
  } else {
    for (const { node, exchange } of nodes.values()) { await exchange.stop(); await node.stop() }
    server.close()
    tlsServer.close()
    process.exit(0)
  }
}
