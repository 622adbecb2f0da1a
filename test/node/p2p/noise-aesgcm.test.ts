import assert from 'node:assert/strict'
import { createCipheriv } from 'node:crypto'
import type { Server } from 'node:net'
import { createLibp2p } from 'libp2p'
import type { Libp2p } from 'libp2p'
import { tcp } from '@libp2p/tcp'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { multiaddr } from '@multiformats/multiaddr'
import { Uint8ArrayList } from 'uint8arraylist'
import { NOISE_AESGCM_PROTOCOL, aesGcmFrameStats, aesGcmNoiseCrypto, connectionEncrypters } from '../../../node/p2p/index.ts'
import { aesGcmNonce } from '../../../node/p2p/noise-aesgcm.ts'
import { createRng } from '../../../lib/random/index.ts'
import { loopbackNode, flipOneBit, tamperingProxy, transferOutcome, waitFor } from './util.ts'

const PROTOCOL = '/murmur/test-aesgcm-sink/1.0.0'
/** A murmur peer that offers noise-aesgcm, then /noise */
const AES_FIRST = ['noise-aesgcm', 'noise']

function bytesOf (n: number, seed: number): Uint8Array {
  const rng = createRng(seed)
  const out = new Uint8Array(n)
  for (let i = 0; i < n; i++) out[i] = Math.floor(rng.next() * 256)
  return out
}

function flat (x: Uint8Array | { subarray: () => Uint8Array }): Uint8Array {
  return Uint8Array.from(x instanceof Uint8Array ? x : x.subarray())
}

/** libp2p-noise's nonce of counter n: 4 zero bytes, then n as a 64-bit little-endian integer. */
function noiseNonce (n: number): Uint8Array {
  const b = new Uint8Array(12)
  new DataView(b.buffer).setBigUint64(4, BigInt(n), true)
  return b
}

type NoiseList = Parameters<typeof aesGcmNoiseCrypto.chaCha20Poly1305Encrypt>[0]

async function transfer (from: Libp2p, to: Libp2p, payload: Uint8Array, dialAddr = to.getMultiaddrs()): Promise<{ got: Uint8Array, error?: Error, sendError?: Error }> {
  return await transferOutcome(from, to, payload, PROTOCOL, dialAddr)
}

describe('node/p2p noise-aesgcm', function () {
  this.timeout(15_000)
  const key = bytesOf(32, 21)
  const ad = bytesOf(32, 22)

  it('puts the counter big-endian after four zero bytes (the Noise AESGCM nonce)', () => {
    assert.deepEqual([...aesGcmNonce(noiseNonce(1))], [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1])
    assert.deepEqual([...aesGcmNonce(noiseNonce(0x01020304))], [0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4])
    assert.deepEqual([...aesGcmNonce(noiseNonce(2 ** 40 + 5))], [0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 5])
  })

  it('seals as AES-256-GCM with that nonce and the handshake hash as associated data, and opens its own frames', () => {
    for (const n of [0, 1, 100, 1200, 65519]) {
      const plaintext = bytesOf(n, 30 + n)
      const counter = 7 + n
      const sealed = flat(aesGcmNoiseCrypto.chaCha20Poly1305Encrypt(plaintext, noiseNonce(counter), ad, key))
      const iv = new Uint8Array(12)
      new DataView(iv.buffer).setBigUint64(4, BigInt(counter), false)
      const reference = createCipheriv('aes-256-gcm', key, iv, { authTagLength: 16 })
      reference.setAAD(ad)
      const expected = Buffer.concat([reference.update(plaintext), reference.final(), reference.getAuthTag()])
      assert.deepEqual(sealed, Uint8Array.from(expected), `${n} bytes`)
      assert.deepEqual(flat(aesGcmNoiseCrypto.chaCha20Poly1305Decrypt(sealed, noiseNonce(counter), ad, key)), plaintext)
    }
  })

  it('takes plaintext and ciphertext split across several buffers', () => {
    const plaintext = bytesOf(65519, 23)
    const split = new Uint8ArrayList(plaintext.subarray(0, 5), plaintext.subarray(5, 30000), plaintext.subarray(30000))
    const sealed = flat(aesGcmNoiseCrypto.chaCha20Poly1305Encrypt(split as unknown as NoiseList, noiseNonce(3), ad, key))
    assert.deepEqual(sealed, flat(aesGcmNoiseCrypto.chaCha20Poly1305Encrypt(plaintext, noiseNonce(3), ad, key)))
    const parts = new Uint8ArrayList(sealed.subarray(0, 65530), sealed.subarray(65530))
    assert.deepEqual(flat(aesGcmNoiseCrypto.chaCha20Poly1305Decrypt(parts as unknown as NoiseList, noiseNonce(3), ad, key)), plaintext)
  })

  it('refuses a tampered ciphertext or tag, another nonce, key or associated data, and a frame shorter than its tag with FrameAuthenticationError', () => {
    const sealed = flat(aesGcmNoiseCrypto.chaCha20Poly1305Encrypt(bytesOf(4096, 24), noiseNonce(9), ad, key))
    const body = sealed.slice(); body[100] ^= 1
    const tag = sealed.slice(); tag[tag.length - 1] ^= 0x80
    const otherAd = ad.slice(); otherAd[0] ^= 1
    const cases = [
      { id: 'ciphertext bit', bytes: body, nonce: noiseNonce(9), key, ad },
      { id: 'tag bit', bytes: tag, nonce: noiseNonce(9), key, ad },
      { id: 'next nonce', bytes: sealed, nonce: noiseNonce(10), key, ad },
      { id: 'key', bytes: sealed, nonce: noiseNonce(9), key: bytesOf(32, 25), ad },
      { id: 'associated data', bytes: sealed, nonce: noiseNonce(9), key, ad: otherAd },
      { id: 'shorter than a tag', bytes: sealed.subarray(0, 15), nonce: noiseNonce(9), key, ad }
    ]
    for (const c of cases) {
      assert.throws(() => aesGcmNoiseCrypto.chaCha20Poly1305Decrypt(c.bytes, c.nonce, c.ad, c.key), (err: Error) => err.name === 'FrameAuthenticationError', c.id)
    }
  })

  it('is offered first by default, before /noise', () => {
    assert.equal(connectionEncrypters().length, 2)
    assert.equal(connectionEncrypters(['noise-aesgcm']).length, 1)
  })

  describe('over loopback TCP', () => {
    const nodes: Libp2p[] = []
    const servers: Server[] = []
    afterEach(async () => {
      for (const s of servers.splice(0)) s.close()
      await Promise.all(nodes.splice(0).map(async (n) => { await n.stop() }))
    })

    it('two murmur peers negotiate it and move 3 MB intact both ways', async () => {
      const a = await loopbackNode({ encrypters: AES_FIRST })
      const b = await loopbackNode({ encrypters: AES_FIRST })
      nodes.push(a, b)
      const x = bytesOf(3_000_000, 26)
      const ab = await transfer(a, b, x)
      assert.equal(ab.error, undefined)
      assert.deepEqual(ab.got, x)
      const y = bytesOf(3_000_001, 27)
      const ba = await transfer(b, a, y)
      assert.deepEqual(ba.got, y)
      assert.equal(a.getConnections(b.peerId)[0].encryption, NOISE_AESGCM_PROTOCOL)
      assert.equal(b.getConnections(a.peerId)[0].encryption, NOISE_AESGCM_PROTOCOL)
    })

    it('a murmur peer and a stock-Noise-only libp2p node fall back to /noise, dialling either way', async () => {
      const stockNode = async (): Promise<Libp2p> => await createLibp2p({ addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] }, transports: [tcp()], connectionEncrypters: [noise()], streamMuxers: [yamux()] })
      const ours = await loopbackNode({ encrypters: AES_FIRST })
      const dialled = await stockNode()
      const dialler = await stockNode()
      nodes.push(ours, dialled, dialler)
      const x = bytesOf(500_000, 28)
      assert.deepEqual((await transfer(ours, dialled, x)).got, x)
      assert.equal(ours.getConnections(dialled.peerId)[0].encryption, '/noise')
      assert.deepEqual((await transfer(dialler, ours, x)).got, x)
      assert.equal(ours.getConnections(dialler.peerId)[0].encryption, '/noise')
    })

    it('a bit flipped on the wire after the handshake ends the connection; the receiver gets only an intact prefix', async () => {
      const a = await loopbackNode({ encrypters: AES_FIRST })
      const b = await loopbackNode({ encrypters: AES_FIRST })
      nodes.push(a, b)
      const target = b.getMultiaddrs()[0]
      const proxy = await tamperingProxy(Number(/\/tcp\/(\d+)/.exec(target.toString())?.[1]), flipOneBit)
      servers.push(proxy.server)
      const viaProxy = multiaddr(`/ip4/127.0.0.1/tcp/${proxy.port}/p2p/${b.peerId.toString()}`)
      const warm = bytesOf(1000, 29)
      assert.deepEqual((await transfer(a, b, warm, [viaProxy])).got, warm, 'before tampering')
      assert.equal(a.getConnections(b.peerId)[0].encryption, NOISE_AESGCM_PROTOCOL)
      const before = aesGcmFrameStats()
      proxy.arm()
      const x = bytesOf(2_000_000, 30)
      const result = await transfer(a, b, x, [viaProxy])
      assert.ok(proxy.done(), 'the proxy flipped a bit')
      assert.ok(result.got.length < x.length, `expected less than ${x.length} bytes delivered, got ${result.got.length}`)
      assert.deepEqual(result.got, x.subarray(0, result.got.length), 'what was delivered is an intact prefix')
      await waitFor('the receiver to close the tampered connection', () => b.getConnections(a.peerId).length === 0, 3000)
      // (a flip that lands in a frame's length field is refused as oversized or fails authentication later)
      const after = aesGcmFrameStats()
      assert.equal(after.unauthenticated + after.oversized - before.unauthenticated - before.oversized, 1, 'one frame refused')
    })
  })
})
