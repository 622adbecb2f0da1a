import assert from 'node:assert/strict'
import type { Server } from 'node:net'
import type { Stream } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import { Uint8ArrayList } from 'uint8arraylist'
import { aesGcmFrameStats, MAX_FRAME_PLAINTEXT_BYTES, NOISE_AESGCM_PROTOCOL } from '../../../node/p2p/index.ts'
import type { PeerNode } from '../../../node/p2p/index.ts'
import { createRng } from '../../../lib/random/index.ts'
import { AesGcmFrameStream, COPY_FRAME_MAX_BYTES, FRAME_HEADER_BYTES, frameOf } from '../../../node/p2p/aesgcm-frames.ts'
import type { FrameCipher } from '../../../node/p2p/aesgcm-frames.ts'
import { logger } from '@libp2p/logger'
import { loopbackNode, tamperingProxy, waitFor } from './util.ts'

const BULK = '/murmur/test-aesgcm-bulk/1.0.0'
const ECHO = '/murmur/test-aesgcm-echo/1.0.0'
/** Noise's largest transport message without its tag: what every frame carried before this framing */
const NOISE_FRAME_PLAINTEXT = 65_519

function randomBytes (n: number, seed: number): Uint8Array {
  const rng = createRng(seed)
  const words = new Uint32Array(Math.ceil(n / 4))
  for (let i = 0; i < words.length; i++) words[i] = rng.nextU32()
  return new Uint8Array(words.buffer, 0, n)
}

function same (a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.compare(a, b) === 0
}

async function sendAll (stream: Stream, payload: Uint8Array): Promise<void> {
  const step = 256 * 1024
  for (let at = 0; at < payload.length; at += step) {
    if (!stream.send(payload.subarray(at, Math.min(payload.length, at + step)))) await stream.onDrain({ signal: AbortSignal.timeout(10_000) })
  }
  await stream.close({ signal: AbortSignal.timeout(10_000) })
}

/** Every inbound BULK stream's bytes, in arrival order of the streams' ends. */
async function collectBulk (node: PeerNode, streams: number): Promise<Uint8Array[]> {
  return await new Promise((resolve, reject) => {
    const got: Uint8Array[] = []
    void node.handle(BULK, async (stream) => {
      const bytes = new Uint8ArrayList()
      try {
        for await (const chunk of stream) bytes.append(chunk)
      } catch (err) {
        reject(err as Error)
        return
      }
      got.push(bytes.subarray())
      if (got.length === streams) resolve(got)
    }, { maxInboundStreams: 16 })
  })
}

/**
 * A transport that records every buffer the framing writes, and a stand-in cipher (plaintext ‖ 16 zero bytes) so the
 * framing alone is under test; the real AES-256-GCM is tested in noise-aesgcm.test.ts.
 */
function fakeTransport (): { stream: any, writes: Uint8Array[] } {
  const writes: Uint8Array[] = []
  const stream = {
    log: logger('test:aesgcm-frames'),
    direction: 'outbound',
    addEventListener: () => {},
    send: (data: Uint8Array | Uint8ArrayList) => { writes.push(Uint8Array.from(data instanceof Uint8Array ? data : data.subarray())); return true },
    close: async () => {},
    abort: () => {},
    pause: () => {},
    resume: () => {}
  }
  return { stream, writes }
}
const tagOnly: FrameCipher = {
  encrypt: (plaintext) => new Uint8ArrayList(plaintext, new Uint8Array(16)),
  decrypt: (ciphertext) => ciphertext.subarray(0, ciphertext.byteLength - 16)
}
/** The plaintexts of the frames in `writes` (each write one whole frame). */
function framesIn (writes: Uint8Array[]): Uint8Array[] {
  return writes.map((w) => {
    const length = new DataView(w.buffer, w.byteOffset).getUint32(0, false)
    assert.equal(w.byteLength, FRAME_HEADER_BYTES + length, 'one write carries one whole frame')
    return w.subarray(FRAME_HEADER_BYTES, w.byteLength - 16)
  })
}

describe('node/p2p noise-aesgcm framing of small writes', function () {
  it('seals the small writes of one task together in one frame, after the task, in order', async () => {
    const { stream, writes } = fakeTransport()
    const framed = new AesGcmFrameStream(stream, tagOnly)
    const updates = Array.from({ length: 16 }, (_, i) => randomBytes(12, 50 + i))
    for (const u of updates) framed.send(u)
    assert.equal(writes.length, 0, 'nothing leaves before the task ends')
    await Promise.resolve()
    assert.equal(writes.length, 1, 'sixteen window-update-sized writes leave as one frame')
    assert.ok(same(framesIn(writes)[0], Buffer.concat(updates)))
  })

  it('a large write first seals the small writes held before it, so bytes keep their order', async () => {
    const { stream, writes } = fakeTransport()
    const framed = new AesGcmFrameStream(stream, tagOnly)
    const a = randomBytes(12, 60)
    const big = randomBytes(COPY_FRAME_MAX_BYTES + 1000, 61)
    const b = randomBytes(40, 62)
    framed.send(a)
    framed.send(big)
    framed.send(b)
    await Promise.resolve()
    const frames = framesIn(writes)
    assert.equal(frames.length, 3)
    assert.ok(same(Buffer.concat(frames), Buffer.concat([a, big, b])))
    assert.ok(same(frames[0], a))
  })

  it('close() sends the small writes still held', async () => {
    const { stream, writes } = fakeTransport()
    const framed = new AesGcmFrameStream(stream, tagOnly)
    const a = randomBytes(30, 70)
    framed.send(a)
    await framed.close()
    assert.ok(same(Buffer.concat(framesIn(writes)), a))
  })
})

describe('node/p2p noise-aesgcm transport frames (4-byte length, up to 1 MiB of AES-256-GCM a frame)', function () {
  this.timeout(20_000)
  const nodes: PeerNode[] = []
  const servers: Server[] = []
  afterEach(async () => {
    for (const s of servers.splice(0)) s.close()
    await Promise.all(nodes.splice(0).map(async (n) => { await n.stop() }))
  })

  it('frames a small sealed frame as one buffer (one write) and a large one as a list of the cipher\'s own buffers, uncopied, behind the 4-byte length', () => {
    const small = new Uint8ArrayList(randomBytes(100, 1), randomBytes(16, 2))
    const one = frameOf(small)
    assert.ok(one instanceof Uint8Array, 'a small frame is one buffer')
    assert.equal(one.byteLength, FRAME_HEADER_BYTES + 116)
    assert.equal(new DataView(one.buffer, one.byteOffset).getUint32(0, false), 116)
    assert.ok(same(one.subarray(FRAME_HEADER_BYTES), small.subarray()))

    const pieces = [randomBytes(65_536, 3), randomBytes(65_536, 4), randomBytes(12, 5), randomBytes(16, 6)]
    const large = new Uint8ArrayList(...pieces)
    assert.ok(large.byteLength > COPY_FRAME_MAX_BYTES)
    const framed = frameOf(large)
    assert.ok(!(framed instanceof Uint8Array), 'a large frame stays a list')
    const segments = [...framed]
    assert.equal(segments.length, 1 + pieces.length)
    assert.equal(new DataView(segments[0].buffer, segments[0].byteOffset).getUint32(0, false), large.byteLength)
    pieces.forEach((piece, i) => { assert.equal(segments[1 + i], piece, `piece ${i} is the cipher's buffer itself, not a copy`) })
  })

  it('two murmur peers move 40 MB intact each way on four concurrent streams, in frames larger than Noise\'s, while a small stream keeps flowing', async () => {
    const a = await loopbackNode()
    const b = await loopbackNode()
    nodes.push(a, b)
    await b.handle(ECHO, async (stream) => {
      for await (const chunk of stream) stream.send(chunk)
    })
    const streams = 4
    const part = 10_000_000
    const toB = Array.from({ length: streams }, (_, i) => randomBytes(part, 100 + i))
    const toA = Array.from({ length: streams }, (_, i) => randomBytes(part, 200 + i))
    const atB = collectBulk(b, streams)
    const atA = collectBulk(a, streams)

    // the small stream: 64-byte pings echoed one at a time while the bulk transfer runs
    const echo = await a.dialProtocol(b.getMultiaddrs(), ECHO, { signal: AbortSignal.timeout(5000) })
    assert.equal(a.getConnections(b.peerId)[0].encryption, NOISE_AESGCM_PROTOCOL)
    const before = aesGcmFrameStats()
    let bulkDone = false
    let echoedDuringBulk = 0
    const pings = (async () => {
      const replies = echo[Symbol.asyncIterator]()
      for (let i = 0; !bulkDone; i++) {
        const ping = randomBytes(64, 1000 + i)
        echo.send(ping)
        const reply = new Uint8ArrayList()
        while (reply.byteLength < ping.length) {
          const next = await replies.next()
          if (next.done === true) throw new Error('the echo stream ended')
          reply.append(next.value)
        }
        assert.ok(same(reply.subarray(), ping), `ping ${i} came back intact`)
        if (!bulkDone) echoedDuringBulk++
      }
    })()

    const sends = [
      ...toB.map(async (x) => { await sendAll(await a.dialProtocol(b.getMultiaddrs(), BULK), x) }),
      ...toA.map(async (x) => { await sendAll(await b.dialProtocol(a.getMultiaddrs(), BULK), x) })
    ]
    await Promise.all(sends)
    const [gotB, gotA] = await Promise.all([atB, atA])
    bulkDone = true
    await pings
    await echo.close()

    const match = (got: Uint8Array[], sent: Uint8Array[]): boolean => got.every((g) => sent.some((s) => same(g, s))) && got.length === sent.length
    assert.ok(match(gotB, toB), 'b received the four 10 MB payloads intact')
    assert.ok(match(gotA, toA), 'a received the four 10 MB payloads intact')
    const after = aesGcmFrameStats()
    const opened = after.opened - before.opened
    const bytes = 2 * streams * part
    assert.ok(opened > 0 && opened < bytes / NOISE_FRAME_PLAINTEXT / 2, `expected fewer than half of Noise's ${Math.ceil(bytes / NOISE_FRAME_PLAINTEXT)} frames for ${bytes} bytes, got ${opened}`)
    assert.equal(after.unauthenticated, before.unauthenticated)
    assert.ok(echoedDuringBulk >= 3, `expected the small stream to complete at least 3 round trips during the bulk transfer, got ${echoedDuringBulk}`)
  })

  it('a frame announcing more than the cap aborts the connection at once, without waiting for or buffering its bytes', async () => {
    const a = await loopbackNode()
    const b = await loopbackNode()
    nodes.push(a, b)
    const target = b.getMultiaddrs()[0]
    // 2^32 − 16 bytes announced: a receiver that waited for them would hang, one that allocated them would fail
    const forged = Uint8Array.of(0xff, 0xff, 0xff, 0xf0)
    // overwrites the first 4 bytes of the next client→server read
    const proxy = await tamperingProxy(Number(/\/tcp\/(\d+)/.exec(target.toString())?.[1]), (chunk) => {
      if (chunk.length < forged.length) return false
      chunk.set(forged, 0)
      return true
    })
    servers.push(proxy.server)
    const viaProxy = multiaddr(`/ip4/127.0.0.1/tcp/${proxy.port}/p2p/${b.peerId.toString()}`)
    const atB = collectBulk(b, 1)
    const warm = randomBytes(2 * MAX_FRAME_PLAINTEXT_BYTES + 7, 300)
    await sendAll(await a.dialProtocol([viaProxy], BULK), warm)
    assert.ok(same((await atB)[0], warm), 'before forging')
    assert.equal(b.getConnections(a.peerId)[0].encryption, NOISE_AESGCM_PROTOCOL)
    // let identify and the stream's close settle, so the next client read starts at a frame boundary
    await new Promise((resolve) => setTimeout(resolve, 200))
    const before = aesGcmFrameStats()
    proxy.arm()
    void a.dialProtocol([viaProxy], ECHO).catch(() => {})
    await waitFor('the forged header to pass', proxy.done, 5000)
    await waitFor('the receiver to close the connection', () => b.getConnections(a.peerId).length === 0, 5000)
    const after = aesGcmFrameStats()
    assert.equal(after.oversized - before.oversized, 1)
  })
})
