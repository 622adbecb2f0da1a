/**
 * A live peer (a gossip algorithm over its GossipExchange, real libp2p over loopback TCP) whose only
 * neighbour turns hostile: over a thousand crafted streams, one rejection reason each. The peer stays up,
 * counts every rejection under its reason, reports each with a named error, aborts every stream, keeps its
 * memory bounded, and its model is bitwise unchanged and finite; a valid message still mixes afterwards.
 */

import assert from 'node:assert/strict'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import type { Stream } from '@libp2p/interface'
import {
  GOSSIP_PROTOCOL, MAX_FRAME_BYTES, concatFrames, encodeMessage, runIdHash, writeEnvelopeHeader
} from '../../lib/protocol/index.ts'
import type { MessageFields } from '../../lib/protocol/index.ts'
import { ACCEPTED_FRAME_KINDS, createAlgorithm, encodeFrame, maxFrameBytes } from '../../lib/algorithms/index.ts'
import type { FrameFields, PeerAlgorithm } from '../../lib/algorithms/index.ts'
import { parseCodec } from '../../lib/compress/index.ts'
import { allFinite } from '../../lib/vector/index.ts'
import { createRng } from '../../lib/random/index.ts'
import type { Rng } from '../../lib/random/index.ts'
import { createGossipExchange } from '../../node/exchange/index.ts'
import type { GossipExchange, RejectReason } from '../../node/exchange/index.ts'
import { createNode, introduce, waitFor } from '../node/exchange/helpers.ts'
import type { TestNode } from '../node/exchange/helpers.ts'

const RUN_ID = 'hostile-peer-run'
const RUN = runIdHash(RUN_ID)
const DIM = 64
const STREAMS = 1_050
/** concurrent hostile streams, below the victim's maxInboundStreams (libp2p refuses streams above it before the handler) */
const WORKERS = 12
const NAMED = new Set([
  'InvalidFrameError', 'UnsupportedVersionError', 'RunMismatchError', 'MessageTooLargeError', 'ChecksumMismatchError',
  'FrameTooLargeError', 'MessageRefusedError', 'RateLimitedError', 'UnusableFrameError'
])

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

/** heap and array buffers after a full collection */
function liveBytes (): number {
  gc(); gc()
  const m = process.memoryUsage()
  return m.heapUsed + m.arrayBuffers
}

function varint (n: number): number[] {
  const out: number[] = []
  while (n >= 0x80) { out.push((n & 0x7f) | 0x80); n = Math.floor(n / 0x80) }
  out.push(n)
  return out
}

/** bytes of the length prefix that opens `wire` */
function prefixBytes (wire: Uint8Array): number {
  let n = 1
  while ((wire[n - 1] & 0x80) !== 0) n++
  return n
}

function envelope (round: number, payload: Uint8Array, over: Partial<MessageFields> = {}, chunkBytes = 4096): Uint8Array {
  return concatFrames(encodeMessage({ type: 'gossip', runHash: RUN, round, degree: 1, ...over }, payload, { chunkBytes }))
}

function rawFrame (round: number, x: Float32Array, over: Partial<FrameFields> = {}): Uint8Array {
  return encodeFrame({ kind: 'model', encoding: 'raw', round, base: 0, dim: x.length, resync: [], ...over }, new Uint8Array(x.buffer, x.byteOffset, 4 * x.length))
}

function vector (rng: Rng, d = DIM): Float32Array {
  return Float32Array.from({ length: d }, () => rng.normal())
}

/** One hostile stream per call: its bytes and the reason the victim must give. Victim state: round 2 resolved, window 2. */
const HOSTILE: Array<{ reason: RejectReason, make: (rng: Rng, k: number) => Uint8Array }> = [
  { reason: 'magic', make: (rng) => Uint8Array.from([60, 0x00, ...Array.from({ length: 59 }, () => rng.int(256))]) },
  { reason: 'length', make: () => Uint8Array.of(3, 0x6d, 0x77, 1) },
  { reason: 'frameTooLarge', make: (rng) => Uint8Array.from(varint(MAX_FRAME_BYTES + 1 + rng.int(1 << 30))) },
  { reason: 'version', make: (rng) => { const w = envelope(3, rawFrame(3, vector(rng))); w[prefixBytes(w) + 2] = 2 + rng.int(250); return w } },
  { reason: 'run', make: (rng) => envelope(3, rawFrame(3, vector(rng)), { runHash: runIdHash(`other-${rng.int(1000)}`) }) },
  { reason: 'type', make: (rng) => envelope(3, rawFrame(3, vector(rng)), { type: 'syncResponse', degree: 0 }) },
  {
    // a first chunk announcing a 4 GiB message: refused before anything of that size is allocated
    reason: 'tooLarge',
    make: (rng) => {
      const chunk = 200 + rng.int(200)
      const frame = new Uint8Array(40 + chunk)
      writeEnvelopeHeader(frame, 0, { type: 'gossip', runHash: RUN, round: 3, degree: 1, index: 0, count: 2, totalLength: 0xfffffff0, offset: 0, checksum: 0 })
      return Uint8Array.from([...varint(frame.length), ...frame])
    }
  },
  { reason: 'checksum', make: (rng) => { const w = envelope(3, rawFrame(3, vector(rng))); w[w.length - 1 - rng.int(100)] ^= 0x10; return w } },
  { reason: 'tooEarly', make: (rng, k) => envelope(5 + k % 50, rawFrame(5 + k % 50, vector(rng))) },
  { reason: 'duplicate', make: (rng) => envelope(2, rawFrame(2, vector(rng))) },
  { reason: 'replay', make: (rng, k) => envelope(k % 2, rawFrame(k % 2, vector(rng))) },
  { reason: 'nonFinite', make: (rng, k) => { const x = vector(rng); x[rng.int(DIM)] = [NaN, Infinity, -Infinity][k % 3]; return envelope(3, rawFrame(3, x)) } },
  { reason: 'dimension', make: (rng, k) => envelope(3, rawFrame(3, vector(rng, k % 2 === 0 ? DIM + 1 : DIM - 1))) },
  { reason: 'codec', make: (rng) => envelope(3, encodeFrame({ kind: 'model', encoding: 'codec', round: 3, base: 0, dim: DIM, resync: [] }, parseCodec('topk:0.1').encode(vector(rng), rng))) },
  { reason: 'kind', make: (rng) => envelope(3, rawFrame(3, vector(rng), { kind: 'full' })) },
  // a stale frame (an old round's model) inside a message of an admitted round
  { reason: 'roundMismatch', make: (rng) => envelope(3, rawFrame(2, vector(rng))) },
  { reason: 'payload', make: (rng) => { const f = rawFrame(3, vector(rng)); return envelope(3, Uint8Array.from([...f, 0])) } },
  { reason: 'payloadVersion', make: (rng) => { const f = rawFrame(3, vector(rng)); f[1] = 2; return envelope(3, f) } }
]

/** Opens a gossip stream, writes `bytes` and resolves once the victim has reset it. */
async function attack (attacker: TestNode, victim: TestNode, bytes: Uint8Array): Promise<Stream> {
  const stream = await attacker.dialProtocol(victim.peerId, GOSSIP_PROTOCOL, { signal: AbortSignal.timeout(5_000), negotiateFully: false })
  const closed = new Promise<void>((resolve) => { stream.addEventListener('close', () => { resolve() }, { once: true }) })
  stream.send(bytes)
  await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 5_000))])
  return stream
}

describe('reliability: a live peer against a hostile neighbour', function () {
  this.timeout(60_000)
  let victim: TestNode
  let attacker: TestNode
  let exchange: GossipExchange
  let algorithm: PeerAlgorithm
  const reports: Array<{ peer: string, reason: RejectReason, name: string }> = []

  beforeEach(async () => {
    reports.length = 0
    victim = await createNode()
    attacker = await createNode()
    await introduce([victim, attacker])
    exchange = createGossipExchange({ libp2p: victim }, {
      runId: RUN_ID,
      roundDeadlineMs: 300,
      maxMessageBytes: maxFrameBytes('none', DIM),
      window: 2,
      maxInboundStreams: 16,
      maxMessagesPerRound: 1_000_000,
      frames: { dim: DIM, codec: 'none', kinds: ACCEPTED_FRAME_KINDS.gossip },
      onRejected: (peer, reason, err) => { reports.push({ peer, reason, name: err.name }) }
    })
    await exchange.start()
    exchange.setNeighbours([attacker.peerId.toString()], 1, 1)
    algorithm = createAlgorithm({ algo: 'gossip' }, { x0: vector(createRng(7)), rng: createRng(8) })
  })

  afterEach(async () => {
    await exchange.stop()
    await Promise.all([victim.stop(), attacker.stop()])
  })

  /** the attacker's valid round-r message on one stream, and the victim's round r */
  async function honestRound (r: number, y: Float32Array): Promise<void> {
    const stream = await attacker.dialProtocol(victim.peerId, GOSSIP_PROTOCOL, { signal: AbortSignal.timeout(5_000) })
    stream.send(envelope(r, rawFrame(r, y)))
    const report = await algorithm.runRound(r, exchange)
    assert.equal(report.received, 1, `round ${r}: the neighbour's message mixed`)
    await stream.close()
  }

  it(`${STREAMS} hostile streams: every one rejected under its reason with a named error, memory bounded, the model bitwise unchanged and finite`, async () => {
    const rng = createRng(2024)
    const b = attacker.peerId.toString()
    // rounds 0 to 2 with an honest neighbour: the model moves (the path under attack works)
    const x0 = algorithm.params.slice()
    for (let r = 0; r <= 2; r++) await honestRound(r, vector(rng))
    assert.notDeepEqual(algorithm.params, x0)
    const before = algorithm.params.slice()
    const bytesBefore = liveBytes()

    const expected = new Map<RejectReason, number>()
    let next = 0
    const worker = async (): Promise<void> => {
      while (next < STREAMS) {
        const k = next++
        const h = HOSTILE[k % HOSTILE.length]
        expected.set(h.reason, (expected.get(h.reason) ?? 0) + 1)
        const stream = await attack(attacker, victim, h.make(rng, Math.floor(k / HOSTILE.length)))
        assert.equal(stream.status, 'reset', `stream ${k} (${h.reason}) reset by the victim`)
      }
    }
    await Promise.all(Array.from({ length: WORKERS }, worker))
    await waitFor(() => reports.length === STREAMS, 5_000, `${STREAMS} rejections`)

    const stats = exchange.stats()
    for (const [reason, n] of expected) assert.equal(stats.rejected[reason], n, `${reason} counted ${n} times`)
    const total = Object.values(stats.rejected).reduce((a, n) => a + n, 0)
    assert.equal(total, STREAMS, 'no other rejection')
    assert.equal(stats.peers[b].rejected, STREAMS)
    assert.equal(stats.early + stats.late, 0, 'nothing hostile was filed as early or late')
    assert.ok(reports.every((r) => r.peer === b && NAMED.has(r.name)), `named errors only: ${[...new Set(reports.map((r) => r.name))].join(', ')}`)
    assert.deepEqual(new Set(reports.map((r) => r.reason)), new Set(expected.keys()))

    const grown = liveBytes() - bytesBefore
    assert.ok(grown < 32 * 1024 * 1024, `live memory grew ${(grown / 1048576).toFixed(1)} MiB over ${STREAMS} hostile streams (announcing up to 4 GiB each)`)

    // rounds 3 and 4: nothing the attacker sent reaches the model; its weight stays with the peer
    for (const r of [3, 4]) {
      const report = await algorithm.runRound(r, exchange)
      assert.equal(report.received, 0)
      assert.deepEqual(report.row.neighbours, [])
    }
    assert.ok(allFinite(algorithm.params))
    assert.deepEqual(new Uint8Array(algorithm.params.buffer, algorithm.params.byteOffset, 4 * DIM), new Uint8Array(before.buffer), 'bitwise unchanged')

    // and the peer is still up: an honest message of round 5 is mixed
    await honestRound(5, vector(rng))
    assert.notDeepEqual(algorithm.params, before)
    assert.ok(allFinite(algorithm.params))
  })

  it('a length prefix above the bound resets the stream before the body is read', async () => {
    const b = attacker.peerId.toString()
    // the prefix alone: a receiver that waited for the body would never reset
    const stream = await attack(attacker, victim, Uint8Array.from(varint(1 << 30)))
    assert.equal(stream.status, 'reset')
    await waitFor(() => exchange.stats().rejected.frameTooLarge === 1, 1_000, 'the frameTooLarge counter')
    assert.equal(exchange.stats().peers[b]?.bytesIn ?? 0, 0, 'no frame byte was read')
    assert.deepEqual(reports.map((r) => [r.reason, r.name]), [['frameTooLarge', 'FrameTooLargeError']])

    // a sender streaming the announced gigabyte is cut off after at most the transport's window
    const bytesBefore = liveBytes()
    const s = await attacker.dialProtocol(victim.peerId, GOSSIP_PROTOCOL, { signal: AbortSignal.timeout(5_000) })
    const body = new Uint8Array(64 * 1024)
    let written = 0
    try {
      s.send(Uint8Array.from(varint(1 << 30)))
      while (written < (1 << 30) && s.status === 'open') {
        if (!s.send(body)) await s.onDrain({ signal: AbortSignal.timeout(5_000) })
        written += body.length
      }
    } catch {
      // the reset ends the writes
    }
    await waitFor(() => s.status === 'reset', 2_000, 'the reset')
    assert.ok(written < 8 * 1024 * 1024, `${written} bytes written before the reset, of 1 GiB announced`)
    assert.equal(exchange.stats().rejected.frameTooLarge, 2)
    assert.ok(liveBytes() - bytesBefore < 16 * 1024 * 1024)
  })
})
