/**
 * Goodput of a model transfer between two processes on loopback: the gossip protocol (`/murmur/gossip/1.0.0`
 * through GossipExchange over libp2p TCP + an encrypter + Yamux) against the same bytes on a bare libp2p
 * stream of the same stack (no envelope, no checksum) and on raw `node:net` TCP. Every repeat runs each stack
 * variant and raw TCP one after another, so each variant's ratio to raw TCP is a median of ratios measured
 * seconds apart (the machine is shared and its speed drifts). Goodput = payload bytes / (time the receiver
 * holds the whole message − time the sender started), both read from the machine's wall clock at
 * sub-millisecond resolution; every receiver copies the message into one buffer.
 *
 * The encryption ceiling: the same bytes, in the same repeats, over TLS 1.3 on a bare socket (Node's native TLS, its
 * record layer and AES-GCM in C++, no libp2p, no muxer, no envelope), against raw TCP. No encrypted path of Node on this
 * machine can do better, so it separates what encryption itself costs from what the libp2p stack and the envelope add.
 *
 * The dense-equivalent rate (issue 5): model floats delivered per second when the model travels as CHOCO-SGD's
 * top-1 % message (sender encodes, gossip carries, receiver decodes), against raw TCP moving the dense model,
 * measured two ways: one message at a time (the latency of a single round's exchange, from the sender's encode to
 * the receiver's decode), and a stream of `--stream` consecutive rounds as a run sends them (each round's
 * message after the previous round resolved, the receiver decoding each), against raw TCP streaming the same
 * number of dense models back to back.
 *
 *   node scripts/bench/goodput.ts [--floats 100000,1000000,10000000] [--repeats 5] [--warmup 2] [--stream 10] [--variants default,crc,chacha,noise-stock,tls,tls-native] [--link-rate RATE]
 *
 * `--link-rate 1gbit` runs the two processes in two network namespaces whose link is shaped to RATE each way
 * (goodput-link.ts; root only, "skipped: <why>" elsewhere): peers on separate machines, where the dense model is
 * bound by the link rather than by the CPU. Raw TCP and every variant then cross the same shaped link in the same
 * run. Loopback stays the figure that measures the stack's CPU overhead.
 *
 * Goal of issue 5: gossip ≥ 0.6 × raw TCP at ≥ 1M floats with encryption on; dense-equivalent ≥ 5× raw TCP.
 * Variants (goodput-node.ts) change the encrypter, the exchange's chunk size and yamux's frame and window sizes.
 */

import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { connect } from 'node:net'
import type { Socket } from 'node:net'
import { connect as tlsConnect } from 'node:tls'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { once } from 'node:events'
import { multiaddr } from '@multiformats/multiaddr'
import { peerIdFromString } from '@libp2p/peer-id'
import type { Libp2p, Stream } from '@libp2p/interface'
import { createGossipExchange } from '../../node/exchange/index.ts'
import type { GossipExchange } from '../../node/exchange/index.ts'
import { crc32 } from '../../lib/protocol/index.ts'
import { parseCodec } from '../../lib/compress/index.ts'
import { createRng } from '../../lib/random/index.ts'
import { getNumber, getOptionalString, getString } from '../../node/cli/args.ts'
import { allowedOf, parseScriptArgs, runScript, simOption, splitList } from '../lib/script-args.ts'
import type { ScriptSpec } from '../lib/script-args.ts'
import { intList, intListOption, linkRateOption, namesOption } from './cli.ts'
import { EXTERNAL_MEMORY_FLAG, countExternalMemoryInGlobalLimit } from '../../node/p2p/index.ts'
import { BENCH_RUN_ID, SINK_PROTOCOL, VARIANTS, createBenchNode, wallNow } from './goodput-node.ts'
import type { FromReceiver, ToReceiver } from './goodput-node.ts'

export interface GoodputBenchOptions {
  /** model sizes in float32 parameters; default 100k, 1M, 10M */
  floats?: number[]
  /** timed transfers per size and transport; the median is reported; default 5 */
  repeats?: number
  /** untimed transfers per size and transport first (JIT, yamux window growth); default 2 */
  warmup?: number
  /** stack variants (keys of VARIANTS); default ['default', 'crc', 'chacha', 'noise-stock', 'tls', 'tls-native'] */
  variants?: string[]
  /** the compressed message of the dense-equivalent rate; default 'topk:0.01' (CHOCO-SGD's); '' skips it */
  codec?: string
  /** consecutive rounds (and dense models over raw TCP) in the streamed dense-equivalent rate; default 10; 0 skips it */
  stream?: number
  /** a tc rate ('1gbit'): run over a link shaped to it between two network namespaces (runGoodputOverLink) */
  linkRate?: string
}

/** What runGoodputBench measures when not told otherwise. */
export const GOODPUT_DEFAULTS = {
  floats: [100_000, 1_000_000, 10_000_000],
  repeats: 5,
  warmup: 2,
  variants: ['default', 'crc', 'chacha', 'noise-stock', 'tls', 'tls-native'],
  codec: 'topk:0.01',
  stream: 10
}

/** Where the two processes talk: both on loopback, or each on its namespace's address across a shaped link. */
export interface Placement {
  senderHost: string
  receiverHost: string
  /** the command prefix that runs a program in the receiver's namespace (['ip', 'netns', 'exec', name]); none on loopback */
  receiverPrefix: string[]
}

export const LOOPBACK: Placement = { senderHost: '127.0.0.1', receiverHost: '127.0.0.1', receiverPrefix: [] }

/** The shaped link of a run over namespaces. */
export interface LinkInfo {
  rate: string
  bitsPerSecond: number
  /** bytes the sender's bridge port carried each way over the whole run (every transfer, warm-ups included) */
  bytesOut: number
  bytesIn: number
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
  /** median over repeats of gossip / raw TCP measured in the same repeat */
  ratio: number
  /** smallest and largest of those per-repeat ratios */
  ratioMin: number
  ratioMax: number
  /**
   * transfers of this row (gossip, bare stream or raw TCP) timed at 0 ms or less: impossible, so the row's figures
   * are not to be trusted (a receiver stamp taken before the sender's start); 0 in a valid run
   */
  nonPositive: number
}

export interface DenseEquivalentRow {
  /** 'message': one round's message at a time (latency-bound); 'stream': `rounds` consecutive rounds, both arms streaming */
  mode: 'message' | 'stream'
  /** models delivered per measurement: 1 for 'message' */
  rounds: number
  codec: string
  floats: number
  /** bytes of the compressed message */
  bytes: number
  /** median model floats per second: encode + gossip transfer + decode (× rounds, over the whole stream) */
  floatsPerSecond: number
  /** median floats per second of the dense model (4 bytes a float) over raw TCP in the same repeats */
  rawFloatsPerSecond: number
  /** median of the per-repeat ratios */
  ratio: number
  ratioMin: number
  ratioMax: number
  /** measurements of this row (either arm) timed at 0 ms or less, as in GoodputRow; 0 in a valid run */
  nonPositive: number
}

/** TLS 1.3 by Node's native TLS on a bare socket against raw TCP, one model size. */
export interface CeilingRow {
  floats: number
  bytes: number
  /** the suite the connection negotiated (Node's default order puts TLS_AES_256_GCM_SHA384 first) */
  cipher: string
  /** median MB/s over TLS */
  tlsMBps: number
  /** median MB/s over raw TCP (the same transfers as the goodput rows') */
  rawMBps: number
  /** median over repeats of TLS / raw TCP measured in the same repeat */
  ratio: number
  ratioMin: number
  ratioMax: number
  /** median over repeats of the first variant's gossip / TLS in the same repeat: what libp2p and the envelope cost beyond encryption */
  gossipRatio: number
  /** TLS or raw transfers timed at 0 ms or less, as in GoodputRow; 0 in a valid run */
  nonPositive: number
}

export interface GoodputBenchResult { repeats: number, rows: GoodputRow[], dense: DenseEquivalentRow[], ceiling: CeilingRow[], link?: LinkInfo }

const RECEIVER = fileURLToPath(new URL('./goodput-receiver.ts', import.meta.url))
const REPO_NODE = fileURLToPath(new URL('../../node_modules/.bin/node', import.meta.url))

/** A receiver process and a queue of its IPC messages. */
class Receiver {
  readonly child: ChildProcess
  private readonly inbox: FromReceiver[] = []
  private waiter: (() => void) | undefined

  constructor (variants: string[], maxBytes: number, where: Placement) {
    const node = existsSync(REPO_NODE) ? REPO_NODE : process.execPath
    // a peer's GC setting (murmur's CLI sets it too), then any extra ones for profiling (GOODPUT_RECEIVER_FLAGS='--trace-gc')
    const flags = [EXTERNAL_MEMORY_FLAG, ...(process.env.GOODPUT_RECEIVER_FLAGS ?? '').split(' ').filter((f) => f !== '')]
    const argv = [...where.receiverPrefix, node, ...flags, RECEIVER, variants.join(','), String(maxBytes), where.receiverHost]
    // spawn with an 'ipc' fd rather than fork, so that `ip netns exec` can stand between (it keeps fds and environment)
    this.child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
    this.child.on('message', (m: FromReceiver) => { this.inbox.push(m); this.waiter?.() })
    // a receiver that dies (or an `ip netns exec` that fails) must not leave the sender waiting forever
    this.child.on('exit', (code, signal) => { this.inbox.push({ kind: 'error', message: `exited (code ${String(code)}, signal ${String(signal)})` }); this.waiter?.() })
  }

  send (m: ToReceiver): void { if (this.child.connected) this.child.send(m) }

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

function modelOf (floats: number): Float32Array {
  const x = new Float32Array(floats)
  const rng = createRng(floats)
  for (let i = 0; i < floats; i++) x[i] = rng.normal()
  return x
}

/** How many of the times (ms) are 0 or less (or NaN): impossible for a transfer, so a sign of a broken measurement. */
function countNonPositive (...times: number[][]): number {
  return times.reduce((n, ts) => n + ts.filter((t) => !(t > 0)).length, 0)
}

function median (xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 === 1 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
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

/** Measures on loopback, or from this process's namespace to the receiver's as `where` says (goodput-sender.ts). */
export async function runGoodputBench (opts: GoodputBenchOptions = {}, where: Placement = LOOPBACK): Promise<GoodputBenchResult> {
  // both processes run with a murmur peer's GC setting (node/p2p/gc.ts); raw TCP is measured in the same processes
  countExternalMemoryInGlobalLimit()
  const floats = opts.floats ?? GOODPUT_DEFAULTS.floats
  const repeats = opts.repeats ?? GOODPUT_DEFAULTS.repeats
  const warmup = opts.warmup ?? GOODPUT_DEFAULTS.warmup
  const variants = opts.variants ?? GOODPUT_DEFAULTS.variants
  const codecSpec = opts.codec ?? GOODPUT_DEFAULTS.codec
  const streamRounds = opts.stream ?? GOODPUT_DEFAULTS.stream
  for (const v of variants) if (VARIANTS[v] === undefined) throw new Error(`--variants: unknown variant '${v}'; known: ${Object.keys(VARIANTS).join(', ')}`)
  const maxBytes = 4 * Math.max(...floats) + 1024
  const receiver = new Receiver(variants, maxBytes, where)
  const ready = await receiver.next('ready')
  const socket = connect(ready.tcpPort, where.receiverHost)
  socket.setNoDelay(true)
  // a benchmark's own socket: the receiver's certificate is not checked (authentication is not what it measures)
  const tlsSocket = tlsConnect({ host: where.receiverHost, port: ready.tlsPort, rejectUnauthorized: false, minVersion: 'TLSv1.3' })
  tlsSocket.setNoDelay(true)
  try {
    await Promise.all([once(socket, 'connect'), once(tlsSocket, 'secureConnect')])
  } catch (err) {
    socket.destroy()
    tlsSocket.destroy()
    receiver.child.kill()
    throw err
  }
  const rows: GoodputRow[] = []
  const dense: DenseEquivalentRow[] = []
  const ceiling: CeilingRow[] = []
  const cleanup: Array<() => Promise<void>> = []
  const stacks = new Map<string, { exchange: GossipExchange, sink: Stream }>()
  // each exchange's own round counter: its rounds must be consecutive, or its neighbour's message of a round
  // (sent as soon as the receiver calls it) can arrive more than the inbox window ahead and be refused
  const rounds = new Map<string, number>()
  const nextRounds = (name: string, count: number): number => {
    const first = rounds.get(name) ?? 0
    rounds.set(name, first + count)
    return first
  }
  const signal = (): AbortSignal => AbortSignal.timeout(600_000)

  /** One gossip round of `payload` to the receiver; returns ms from `start` (or from now when it is negative) until the receiver holds it. */
  const gossipOnce = async (name: string, payload: Uint8Array, checksum: number, start: number, decode?: { spec: string, floats: number }): Promise<number> => {
    const { exchange } = stacks.get(name)!
    const round = nextRounds(name, 1)
    receiver.send({ kind: 'expect', variant: name, round, bytes: payload.length, checksum, decode })
    await receiver.next('waiting')
    const t0 = start < 0 ? wallNow() : start
    await exchange.round(round, payload, { signal: signal() })
    const got = await receiver.next('received')
    if (!got.ok) throw new Error(`gossip transfer of ${payload.length} bytes (${name}) arrived damaged or incomplete (${got.bytes} bytes)`)
    return got.at - t0
  }
  const sinkOnce = async (name: string, payload: Uint8Array): Promise<number> => {
    receiver.send({ kind: 'expectSink', variant: name, bytes: payload.length })
    await receiver.next('waiting')
    const t0 = wallNow()
    await writeStream(stacks.get(name)!.sink, payload)
    const got = await receiver.next('received')
    if (!got.ok) throw new Error(`stream transfer of ${payload.length} bytes (${name}) arrived incomplete`)
    return got.at - t0
  }
  /** `count` consecutive rounds of `x` encoded by `codec` from the first variant; ms from the first encode until the receiver decoded the last. */
  const compressedStream = async (x: Float32Array, codec: ReturnType<typeof parseCodec>, count: number): Promise<number> => {
    const { exchange } = stacks.get(variants[0])!
    const round = nextRounds(variants[0], count)
    receiver.send({ kind: 'expectStream', variant: variants[0], round, count, bytes: 0, decode: { spec: codecSpec, floats: x.length } })
    await receiver.next('waiting')
    const t0 = wallNow()
    for (let i = 0; i < count; i++) {
      // CHOCO-SGD encodes Q(x − x̂) afresh every round
      await exchange.round(round + i, codec.encode(x, createRng(i)), { signal: signal() })
    }
    const got = await receiver.next('received')
    if (!got.ok) throw new Error(`a streamed round of ${x.length} floats (${variants[0]}) did not arrive`)
    return got.at - t0
  }
  /** `count` dense models back to back on raw TCP; ms until the receiver holds the last byte. */
  const rawStream = async (payload: Uint8Array, count: number): Promise<number> => {
    receiver.send({ kind: 'expectRawStream', bytes: payload.length, count })
    await receiver.next('waiting')
    const t0 = wallNow()
    for (let i = 0; i < count; i++) await writeAll(socket, payload)
    const got = await receiver.next('received')
    if (!got.ok) throw new Error(`raw stream of ${count} × ${payload.length} bytes arrived incomplete`)
    return got.at - t0
  }
  /** `payload` on `on` (the raw socket or the TLS one); ms until the receiver holds it */
  const rawOnce = async (on: Socket, payload: Uint8Array): Promise<number> => {
    receiver.send({ kind: 'expectRaw', bytes: payload.length })
    await receiver.next('waiting')
    const t0 = wallNow()
    await writeAll(on, payload)
    const got = await receiver.next('received')
    if (!got.ok) throw new Error(`${on === socket ? 'raw' : 'TLS'} transfer of ${payload.length} bytes arrived incomplete`)
    return got.at - t0
  }

  try {
    for (const name of variants) {
      const v = VARIANTS[name]
      const node: Libp2p = await createBenchNode(v, where.senderHost)
      const exchange: GossipExchange = createGossipExchange({ libp2p: node }, { runId: BENCH_RUN_ID, roundDeadlineMs: 600_000, maxMessageBytes: 1024, chunkBytes: v.chunkBytes, crc: v.crc })
      await exchange.start()
      cleanup.push(async () => { await exchange.stop(); await node.stop() })
      const remote = ready.nodes[name]
      await node.peerStore.merge(peerIdFromString(remote.peerId), { multiaddrs: remote.addrs.map((a) => multiaddr(a)) })
      exchange.setNeighbours([remote.peerId])
      receiver.send({ kind: 'hello', variant: name, peerId: node.peerId.toString(), addrs: node.getMultiaddrs().map(String) })
      await receiver.next('helloed')
      stacks.set(name, { exchange, sink: await node.dialProtocol(peerIdFromString(remote.peerId), SINK_PROTOCOL) })
    }
    for (const d of floats) {
      const x = modelOf(d)
      const payload = new Uint8Array(x.buffer)
      const checksum = crc32(payload)
      const ms = new Map<string, { gossip: number[], stream: number[] }>(variants.map((n) => [n, { gossip: [], stream: [] }]))
      const raw: number[] = []
      const secured: number[] = []
      const compressed: number[] = []
      const streamed: number[] = []
      const rawStreamed: number[] = []
      const codec = codecSpec === '' ? undefined : parseCodec(codecSpec)
      let compressedBytes = 0
      for (let k = 0; k < warmup + repeats; k++) {
        const keep = k >= warmup
        for (const name of variants) {
          const g = await gossipOnce(name, payload, checksum, -1)
          const s = await sinkOnce(name, payload)
          if (keep) { ms.get(name)!.gossip.push(g); ms.get(name)!.stream.push(s) }
        }
        if (codec !== undefined) {
          // CHOCO-SGD sends Q(x − x̂); its top-1 % has the same size and cost as the top-1 % of x
          const t0 = wallNow()
          const bytes = codec.encode(x, createRng(k))
          compressedBytes = bytes.length
          const c = await gossipOnce(variants[0], bytes, crc32(bytes), t0, { spec: codecSpec, floats: d })
          if (keep) compressed.push(c)
          if (streamRounds > 0) {
            const sc = await compressedStream(x, codec, streamRounds)
            const sr = await rawStream(payload, streamRounds)
            if (keep) { streamed.push(sc); rawStreamed.push(sr) }
          }
        }
        const r = await rawOnce(socket, payload)
        const t = await rawOnce(tlsSocket, payload)
        if (keep) { raw.push(r); secured.push(t) }
      }
      const mbps = (t: number): number => payload.length / 1e6 / (t / 1000)
      for (const name of variants) {
        const { gossip, stream } = ms.get(name)!
        const ratios = gossip.map((g, i) => raw[i] / g)
        rows.push({
          variant: name, floats: d, bytes: payload.length,
          gossipMBps: median(gossip.map(mbps)), streamMBps: median(stream.map(mbps)), rawMBps: median(raw.map(mbps)),
          ratio: median(ratios), ratioMin: Math.min(...ratios), ratioMax: Math.max(...ratios),
          nonPositive: countNonPositive(gossip, stream, raw)
        })
      }
      const tlsRatios = secured.map((t, i) => raw[i] / t)
      ceiling.push({
        floats: d, bytes: payload.length, cipher: tlsSocket.getCipher().standardName,
        tlsMBps: median(secured.map(mbps)), rawMBps: median(raw.map(mbps)),
        ratio: median(tlsRatios), ratioMin: Math.min(...tlsRatios), ratioMax: Math.max(...tlsRatios),
        gossipRatio: median(ms.get(variants[0])!.gossip.map((g, i) => secured[i] / g)),
        nonPositive: countNonPositive(secured, raw)
      })
      if (codec !== undefined) {
        const ratios = compressed.map((c, i) => raw[i] / c)
        dense.push({
          mode: 'message', rounds: 1, codec: codecSpec, floats: d, bytes: compressedBytes,
          floatsPerSecond: median(compressed.map((c) => d / (c / 1000))), rawFloatsPerSecond: median(raw.map((r) => d / (r / 1000))),
          ratio: median(ratios), ratioMin: Math.min(...ratios), ratioMax: Math.max(...ratios),
          nonPositive: countNonPositive(compressed, raw)
        })
        if (streamRounds > 0) {
          const sratios = streamed.map((c, i) => rawStreamed[i] / c)
          dense.push({
            mode: 'stream', rounds: streamRounds, codec: codecSpec, floats: d, bytes: compressedBytes,
            floatsPerSecond: median(streamed.map((c) => streamRounds * d / (c / 1000))), rawFloatsPerSecond: median(rawStreamed.map((r) => streamRounds * d / (r / 1000))),
            ratio: median(sratios), ratioMin: Math.min(...sratios), ratioMax: Math.max(...sratios),
            nonPositive: countNonPositive(streamed, rawStreamed)
          })
        }
      }
    }
  } finally {
    socket.destroy()
    tlsSocket.destroy()
    const exited = receiver.child.exitCode !== null ? Promise.resolve() : once(receiver.child, 'exit')
    receiver.send({ kind: 'exit' })
    for (const c of cleanup) await c()
    await exited
  }
  return { repeats, rows, dense, ceiling }
}

export function formatGoodput (result: GoodputBenchResult): string {
  const lines: string[] = []
  if (result.link !== undefined) {
    const linkMBps = result.link.bitsPerSecond / 8 / 1e6
    // the largest model: smaller ones pass partly in tbf's bucket (10 ms of the rate, at least 128 KiB) at the veth's own speed
    const largest = Math.max(...result.rows.map((r) => r.bytes))
    const raw = Math.max(...result.rows.filter((r) => r.bytes === largest).map((r) => r.rawMBps))
    lines.push(`over a link shaped to ${result.link.rate} (${linkMBps.toFixed(linkMBps < 100 ? 1 : 0)} MB/s) each way between two network namespaces; ` +
      `raw TCP moved the ${(largest / 1e6).toFixed(0)} MB model at ${(100 * raw / linkMBps).toFixed(0)} % of it (${raw.toFixed(0)} MB/s; TCP/IP headers take ≈ 4 %)` +
      (raw < 0.8 * linkMBps ? ': raw TCP did NOT reach the link rate, so the link is not what bounds it here' : ''))
    lines.push('a goodput ratio near 1 here says the stack keeps up with the link; the loopback figures are the ones measuring its CPU overhead')
  }
  lines.push('variant          floats        bytes  gossip MB/s  bare stream MB/s  raw TCP MB/s  gossip/raw (min-max)  gossip/stream')
  for (const r of result.rows) {
    lines.push(`${r.variant.padEnd(12)} ${r.floats.toLocaleString('en').padStart(10)} ${r.bytes.toLocaleString('en').padStart(12)} ${r.gossipMBps.toFixed(0).padStart(12)} ${r.streamMBps.toFixed(0).padStart(17)} ${r.rawMBps.toFixed(0).padStart(13)} ${r.ratio.toFixed(2).padStart(11)} (${r.ratioMin.toFixed(2)}-${r.ratioMax.toFixed(2)}) ${(r.gossipMBps / r.streamMBps).toFixed(2).padStart(14)}`)
  }
  for (const r of result.rows) {
    if (r.nonPositive > 0) lines.push(`INVALID: ${r.nonPositive} of the ${r.variant} transfers at ${r.floats.toLocaleString('en')} floats timed at 0 ms or less (a receiver stamp before the sender's start); do not use that row, run again`)
  }
  if (result.ceiling.length > 0) {
    lines.push('', `encryption ceiling: the same bytes over TLS 1.3 (${result.ceiling[0].cipher}) on a bare socket, Node's native TLS (no libp2p, no muxer, no envelope), vs raw TCP`)
    lines.push(`floats        bytes  TLS MB/s  raw TCP MB/s  TLS/raw (min-max)  ${result.rows[0]?.variant ?? 'gossip'} gossip/TLS`)
    for (const c of result.ceiling) {
      lines.push(`${c.floats.toLocaleString('en').padStart(10)} ${c.bytes.toLocaleString('en').padStart(12)} ${c.tlsMBps.toFixed(0).padStart(9)} ${c.rawMBps.toFixed(0).padStart(13)} ${c.ratio.toFixed(2).padStart(8)} (${c.ratioMin.toFixed(2)}-${c.ratioMax.toFixed(2)}) ${c.gossipRatio.toFixed(2).padStart(17)}`)
    }
    for (const c of result.ceiling) {
      if (c.nonPositive > 0) lines.push(`INVALID: ${c.nonPositive} of the TLS and raw transfers at ${c.floats.toLocaleString('en')} floats timed at 0 ms or less; do not use that row, run again`)
    }
  }
  if (result.dense.length > 0) {
    lines.push('', `dense-equivalent rate: model floats a second as ${result.dense[0].codec} (encode + gossip + decode) vs the dense model over raw TCP`)
    lines.push('one message: a single round\'s message, sender encode to receiver decode (latency-bound)')
    lines.push(`stream of N rounds: N consecutive rounds, each sent after the previous resolved, vs N dense models back to back on raw TCP`)
    lines.push('mode          floats  message bytes  compressed Mfloats/s  raw TCP dense Mfloats/s  ratio (min-max)')
    for (const r of result.dense) {
      const mode = r.mode === 'message' ? 'one message' : `stream of ${r.rounds}`
      lines.push(`${mode.padEnd(12)} ${r.floats.toLocaleString('en').padStart(10)} ${r.bytes.toLocaleString('en').padStart(14)} ${(r.floatsPerSecond / 1e6).toFixed(0).padStart(21)} ${(r.rawFloatsPerSecond / 1e6).toFixed(0).padStart(24)} ${r.ratio.toFixed(1).padStart(8)}x (${r.ratioMin.toFixed(1)}-${r.ratioMax.toFixed(1)})`)
    }
    for (const r of result.dense) {
      if (r.nonPositive > 0) lines.push(`INVALID: ${r.nonPositive} measurements of the ${r.mode === 'message' ? 'one-message' : 'streamed'} dense-equivalent rate at ${r.floats.toLocaleString('en')} floats timed at 0 ms or less; do not use that row, run again`)
    }
  }
  return lines.join('\n')
}

export const GOODPUT_SPEC: ScriptSpec = {
  name: 'goodput',
  run: 'node scripts/bench/goodput.ts',
  summary: 'Goodput of a model transfer between two processes: the gossip protocol over libp2p (TCP + an encrypter + Yamux) against a bare libp2p stream, raw node:net TCP and TLS 1.3 on a bare socket, same bytes, interleaved',
  details: 'Every repeat runs each stack variant and raw TCP one after another, so each ratio to raw TCP is a median of ratios measured ' +
    'seconds apart. Then the dense-equivalent rate: model floats a second when the model travels as --codec (CHOCO-SGD\'s top-1 %), one ' +
    'message at a time and as a stream of --stream rounds, against the dense model over raw TCP. Goal: default >= 0.6 of raw TCP at >= 1M ' +
    'floats, dense-equivalent >= 5x. With --link-rate the two processes run in two network namespaces behind a link shaped to RATE each way ' +
    '(tc tbf; root only, "skipped: <why>" elsewhere). About 20 s with the defaults on loopback.',
  options: [
    intListOption('floats', { min: 1, default: GOODPUT_DEFAULTS.floats, description: 'model sizes in float32 parameters' }),
    { name: 'repeats', type: 'int', min: 1, default: GOODPUT_DEFAULTS.repeats, description: 'timed transfers per size and transport; the median is reported' },
    { name: 'warmup', type: 'int', min: 0, default: GOODPUT_DEFAULTS.warmup, description: 'untimed transfers per size and transport first (JIT, yamux window growth)' },
    namesOption('variants', { what: 'variant', names: Object.keys(VARIANTS), placeholder: 'NAMES', default: GOODPUT_DEFAULTS.variants, description: 'stack variants (scripts/bench/goodput-node.ts)' }),
    {
      name: 'codec',
      type: 'string',
      placeholder: 'SPEC',
      allowed: `'' or ${allowedOf('codec')}`,
      default: GOODPUT_DEFAULTS.codec,
      description: "the compressed message of the dense-equivalent rate; '' skips it",
      check: (v) => v === '' ? undefined : simOption('codec').check?.(v)
    },
    { name: 'stream', type: 'int', min: 0, default: GOODPUT_DEFAULTS.stream, description: 'consecutive rounds in the streamed dense-equivalent rate; 0 skips it' },
    linkRateOption('run over a link shaped to this rate between two network namespaces (root) instead of loopback')
  ],
  examples: [
    'node scripts/bench/goodput.ts --floats 1000000,10000000 --repeats 5 --variants default,tls-native',
    'node scripts/bench/goodput.ts --floats 1000000,10000000 --repeats 5 --warmup 1 --link-rate 1gbit   # as root'
  ],
  exitCodes: '0 after the table is printed (a skipped --link-rate run included), 1 when a transfer failed, 2 for a bad option.'
}

/** The benchmark's options from a command line; a UsageError naming the option at fault. */
export function parseGoodputCli (argv: readonly string[]): GoodputBenchOptions | { help: true } {
  const args = parseScriptArgs(GOODPUT_SPEC, argv)
  if (args.help) return { help: true }
  return {
    floats: intList(getString(args, 'floats'), 1),
    repeats: getNumber(args, 'repeats'),
    warmup: getNumber(args, 'warmup'),
    variants: splitList(getString(args, 'variants')),
    codec: getString(args, 'codec'),
    stream: getNumber(args, 'stream'),
    linkRate: getOptionalString(args, 'link-rate')
  }
}

async function main (opts: GoodputBenchOptions): Promise<undefined> {
  if (opts.linkRate === undefined) {
    const result = await runGoodputBench(opts)
    console.log(`goodput between two processes on loopback, median of ${result.repeats} transfers, each variant and raw TCP interleaved (MB = 10^6 bytes)`)
    console.log(formatGoodput(result))
  } else {
    const { runGoodputOverLink } = await import('./goodput-link.ts')
    const result = await runGoodputOverLink({ ...opts, linkRate: opts.linkRate }, (s) => { console.error(s) })
    if ('skipped' in result) console.log(`goodput: skipped: ${result.skipped}`)
    else {
      console.log(`goodput between two processes in two network namespaces, median of ${result.repeats} transfers, each variant and raw TCP interleaved (MB = 10^6 bytes)`)
      console.log(formatGoodput(result))
    }
  }
  return undefined
}

if (import.meta.main) await runScript(GOODPUT_SPEC, process.argv.slice(2), parseGoodputCli, main)
