/**
 * Goodput of a model transfer between two processes on loopback: the gossip protocol (`/murmur/gossip/1.0.0`
 * through GossipExchange over libp2p TCP + Noise + Yamux) against the same bytes on a bare libp2p stream of
 * the same stack (no envelope, no checksum) and on raw `node:net` TCP, interleaved in one run. Goodput =
 * payload bytes / (time the receiver holds the whole message − time the sender started), both read from the
 * machine's wall clock at sub-millisecond resolution; every receiver copies the message into one buffer.
 *
 *   node scripts/bench/goodput.ts [--floats 100000,1000000,10000000] [--repeats 5] [--warmup 3] [--variants default,chunk-4m]
 *
 * Goal of issue 3: gossip ≥ 0.5 × raw TCP. Variants (goodput-node.ts) change the exchange's chunk size and
 * yamux's frame and window sizes. gossip/stream isolates the protocol's own cost from the stack's.
 */

import { fork } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { connect } from 'node:net'
import type { Socket } from 'node:net'
import { existsSync } from 'node:fs'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { once } from 'node:events'
import { multiaddr } from '@multiformats/multiaddr'
import { peerIdFromString } from '@libp2p/peer-id'
import type { Libp2p, Stream } from '@libp2p/interface'
import { createGossipExchange } from '../../node/exchange/index.ts'
import type { GossipExchange } from '../../node/exchange/index.ts'
import { crc32 } from '../../lib/protocol/index.ts'
import { createRng } from '../../lib/random/index.ts'
import { BENCH_RUN_ID, SINK_PROTOCOL, VARIANTS, createBenchNode, wallNow } from './goodput-node.ts'
import type { FromReceiver, ToReceiver } from './goodput-node.ts'

export interface GoodputBenchOptions {
  /** model sizes in float32 parameters; default 100k, 1M, 10M */
  floats?: number[]
  /** timed transfers per size and transport; the median is reported; default 5 */
  repeats?: number
  /** untimed transfers per size and transport first (JIT, yamux window growth); default 3 */
  warmup?: number
  /** stack variants (keys of VARIANTS); default ['default'] */
  variants?: string[]
}

export interface GoodputRow {
  variant: string
  floats: number
  bytes: number
  /** median MB/s (10^6 bytes) */
  gossipMBps: number
  /** a bare libp2p stream on the same connection stack, same bytes, no envelope */
  streamMBps: number
  rawMBps: number
  /** gossip / raw */
  ratio: number
  gossipBestMBps: number
  rawBestMBps: number
}

export interface GoodputBenchResult { repeats: number, rows: GoodputRow[] }

const RECEIVER = fileURLToPath(new URL('./goodput-receiver.ts', import.meta.url))
const REPO_NODE = fileURLToPath(new URL('../../node_modules/.bin/node', import.meta.url))

/** A receiver process and a queue of its IPC messages. */
class Receiver {
  readonly child: ChildProcess
  private readonly inbox: FromReceiver[] = []
  private waiter: (() => void) | undefined

  constructor (variants: string[], maxBytes: number) {
    this.child = fork(RECEIVER, [variants.join(','), String(maxBytes)], { execPath: existsSync(REPO_NODE) ? REPO_NODE : process.execPath, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
    this.child.on('message', (m: FromReceiver) => { this.inbox.push(m); this.waiter?.() })
  }

  send (m: ToReceiver): void { this.child.send(m) }

  async next<K extends FromReceiver['kind']> (kind: K): Promise<Extract<FromReceiver, { kind: K }>> {
    for (;;) {
      const m = this.inbox.shift()
      if (m !== undefined) {
        if (m.kind === 'error') throw new Error(`receiver: ${m.message}`)
        if (m.kind !== kind) throw new Error(`receiver: expected ${kind}, got ${m.kind}`)
        return m as Extract<FromReceiver, { kind: K }>
      }
      await new Promise<void>((resolve) => { this.waiter = resolve })
      this.waiter = undefined
    }
  }
}

function payloadOf (floats: number): Uint8Array {
  const x = new Float32Array(floats)
  const rng = createRng(floats)
  for (let i = 0; i < floats; i++) x[i] = rng.normal()
  return new Uint8Array(x.buffer)
}

function median (xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[s.length >> 1]
}

async function writeStream (stream: Stream, bytes: Uint8Array): Promise<void> {
  const step = 1024 * 1024
  for (let at = 0; at < bytes.length; at += step) {
    if (!stream.send(bytes.subarray(at, Math.min(bytes.length, at + step)))) await stream.onDrain()
  }
}

async function writeAll (socket: Socket, bytes: Uint8Array): Promise<void> {
  const step = 1024 * 1024
  for (let at = 0; at < bytes.length; at += step) {
    if (!socket.write(bytes.subarray(at, Math.min(bytes.length, at + step)))) await once(socket, 'drain')
  }
}

export async function runGoodputBench (opts: GoodputBenchOptions = {}): Promise<GoodputBenchResult> {
  const floats = opts.floats ?? [100_000, 1_000_000, 10_000_000]
  const repeats = opts.repeats ?? 5
  const warmup = opts.warmup ?? 3
  const variants = opts.variants ?? ['default']
  for (const v of variants) if (VARIANTS[v] === undefined) throw new Error(`unknown variant ${v}; known: ${Object.keys(VARIANTS).join(', ')}`)
  const maxBytes = 4 * Math.max(...floats) + 1024
  const receiver = new Receiver(variants, maxBytes)
  const ready = await receiver.next('ready')
  const socket = connect(ready.tcpPort, '127.0.0.1')
  socket.setNoDelay(true)
  await once(socket, 'connect')
  const rows: GoodputRow[] = []
  const cleanup: Array<() => Promise<void>> = []
  try {
    for (const name of variants) {
      const v = VARIANTS[name]
      const node: Libp2p = await createBenchNode(v)
      const exchange: GossipExchange = createGossipExchange({ libp2p: node }, { runId: BENCH_RUN_ID, roundDeadlineMs: 600_000, maxMessageBytes: 1024, chunkBytes: v.chunkBytes })
      await exchange.start()
      cleanup.push(async () => { await exchange.stop(); await node.stop() })
      const remote = ready.nodes[name]
      await node.peerStore.merge(peerIdFromString(remote.peerId), { multiaddrs: remote.addrs.map((a) => multiaddr(a)) })
      exchange.setNeighbours([remote.peerId])
      receiver.send({ kind: 'hello', variant: name, peerId: node.peerId.toString(), addrs: node.getMultiaddrs().map(String) })
      await receiver.next('helloed')
      const sink = await node.dialProtocol(peerIdFromString(remote.peerId), SINK_PROTOCOL)
      let round = 0
      for (const d of floats) {
        const payload = payloadOf(d)
        const checksum = crc32(payload)
        const gossip: number[] = []
        const raw: number[] = []
        const bare: number[] = []
        for (let k = 0; k < warmup + repeats; k++) {
          receiver.send({ kind: 'expect', variant: name, round, bytes: payload.length, checksum })
          await receiver.next('waiting')
          const t0 = wallNow()
          await exchange.round(round++, payload, { signal: AbortSignal.timeout(600_000) })
          const got = await receiver.next('received')
          if (!got.ok) throw new Error(`gossip transfer of ${payload.length} bytes arrived damaged or incomplete (${got.bytes} bytes)`)
          if (k >= warmup) gossip.push(payload.length / 1e6 / ((got.at - t0) / 1000))

          receiver.send({ kind: 'expectSink', variant: name, bytes: payload.length })
          await receiver.next('waiting')
          const t2 = wallNow()
          await writeStream(sink, payload)
          const gotSink = await receiver.next('received')
          if (!gotSink.ok) throw new Error(`stream transfer of ${payload.length} bytes arrived incomplete`)
          if (k >= warmup) bare.push(payload.length / 1e6 / ((gotSink.at - t2) / 1000))

          receiver.send({ kind: 'expectRaw', bytes: payload.length })
          await receiver.next('waiting')
          const t1 = wallNow()
          await writeAll(socket, payload)
          const gotRaw = await receiver.next('received')
          if (!gotRaw.ok) throw new Error(`raw transfer of ${payload.length} bytes arrived incomplete`)
          if (k >= warmup) raw.push(payload.length / 1e6 / ((gotRaw.at - t1) / 1000))
        }
        const g = median(gossip); const r = median(raw)
        rows.push({ variant: name, floats: d, bytes: payload.length, gossipMBps: g, streamMBps: median(bare), rawMBps: r, ratio: g / r, gossipBestMBps: Math.max(...gossip), rawBestMBps: Math.max(...raw) })
      }
    }
  } finally {
    socket.destroy()
    const exited = receiver.child.exitCode !== null ? Promise.resolve() : once(receiver.child, 'exit')
    receiver.send({ kind: 'exit' })
    for (const c of cleanup) await c()
    await exited
  }
  return { repeats, rows }
}

export function formatGoodput (result: GoodputBenchResult): string {
  const lines = ['variant      floats       bytes  gossip MB/s  bare stream MB/s  raw TCP MB/s  gossip/raw  gossip/stream  (best: gossip / raw)']
  for (const r of result.rows) {
    lines.push(`${r.variant.padEnd(10)} ${r.floats.toLocaleString('en').padStart(10)} ${r.bytes.toLocaleString('en').padStart(11)} ${r.gossipMBps.toFixed(0).padStart(12)} ${r.streamMBps.toFixed(0).padStart(17)} ${r.rawMBps.toFixed(0).padStart(13)} ${r.ratio.toFixed(2).padStart(11)} ${(r.gossipMBps / r.streamMBps).toFixed(2).padStart(14)}  (${r.gossipBestMBps.toFixed(0)} / ${r.rawBestMBps.toFixed(0)})`)
  }
  return lines.join('\n')
}

function parseFlags (argv: string[]): GoodputBenchOptions {
  const opts: GoodputBenchOptions = {}
  const usage = 'usage: node scripts/bench/goodput.ts [--floats n,n,...] [--repeats n] [--warmup n] [--variants ' + Object.keys(VARIANTS).join(',') + ']'
  for (let i = 0; i < argv.length; i += 2) {
    const value = argv[i + 1]
    if (argv[i] === '--floats' && value !== undefined) opts.floats = value.split(',').map(Number)
    else if (argv[i] === '--repeats' && Number.isInteger(Number(value)) && Number(value) > 0) opts.repeats = Number(value)
    else if (argv[i] === '--warmup' && Number.isInteger(Number(value)) && Number(value) >= 0) opts.warmup = Number(value)
    else if (argv[i] === '--variants' && value !== undefined) opts.variants = value.split(',')
    else throw new Error(`${usage}; got ${argv.slice(i, i + 2).join(' ')}`)
  }
  if (opts.floats?.some((f) => !Number.isInteger(f) || f < 1) === true) throw new Error(`${usage}; --floats takes positive integers`)
  return opts
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const result = await runGoodputBench(parseFlags(process.argv.slice(2)))
  console.log(`goodput between two processes on loopback, median of ${result.repeats} transfers (MB = 10^6 bytes)`)
  console.log(formatGoodput(result))
}
