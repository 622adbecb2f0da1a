import assert from 'node:assert/strict'
import type { Libp2p } from 'libp2p'
import { noise } from '@chainsafe/libp2p-noise'
import { defaultCrypto } from '@chainsafe/libp2p-noise/crypto'
import { tls } from '@libp2p/tls'
import { Uint8ArrayList } from 'uint8arraylist'
import { connectionEncrypters, fastNoiseCrypto } from '../../../node/p2p/index.ts'
import { loopbackNode, plainNode, seededBytes, sinkTransfer } from './util.ts'

const PROTOCOL = '/murmur/test-echo-sum/1.0.0'

const bytesOf = seededBytes

/** A plain Uint8Array copy (Buffer and Uint8Array differ for deepEqual), whether `x` is one buffer or a list. */
function flat (x: Uint8Array | { subarray: () => Uint8Array }): Uint8Array {
  return Uint8Array.from(x instanceof Uint8Array ? x : x.subarray())
}

/** Noise's ICryptoInterface is typed with the Uint8ArrayList major Noise bundles; ours is another major, the same at run time. */
type NoiseList = Parameters<typeof fastNoiseCrypto.chaCha20Poly1305Encrypt>[0]

async function transfer (from: Libp2p, to: Libp2p, payload: Uint8Array): Promise<Uint8Array> {
  return await sinkTransfer(from, to, payload, PROTOCOL)
}

describe('node/p2p encrypters', function () {
  this.timeout(15_000)
  const key = bytesOf(32, 1)
  const nonce = bytesOf(12, 2)
  const ad = bytesOf(32, 3)
  const sizes = [0, 100, 1199, 1200, 4096, 65519]

  it('encrypts to the same bytes as the stock Noise crypto, and each decrypts the other', () => {
    for (const n of sizes) {
      const plaintext = bytesOf(n, 10 + n)
      const ours = flat(fastNoiseCrypto.chaCha20Poly1305Encrypt(plaintext, nonce, ad, key))
      const stock = flat(defaultCrypto.chaCha20Poly1305Encrypt(plaintext, nonce, ad, key))
      assert.deepEqual(ours, stock, `ciphertext of ${n} bytes`)
      assert.equal(ours.length, n + 16)
      assert.deepEqual(flat(fastNoiseCrypto.chaCha20Poly1305Decrypt(stock, nonce, ad, key)), plaintext, `ours opens stock, ${n} bytes`)
      assert.deepEqual(flat(defaultCrypto.chaCha20Poly1305Decrypt(ours.slice(), nonce, ad, key)), plaintext, `stock opens ours, ${n} bytes`)
    }
  })

  it('takes plaintext and ciphertext split across several buffers (a Noise frame spanning TCP reads)', () => {
    const plaintext = bytesOf(65519, 4)
    const split = new Uint8ArrayList(plaintext.subarray(0, 7), plaintext.subarray(7, 40000), plaintext.subarray(40000))
    const sealed = flat(fastNoiseCrypto.chaCha20Poly1305Encrypt(split as unknown as NoiseList, nonce, ad, key))
    assert.deepEqual(sealed, flat(defaultCrypto.chaCha20Poly1305Encrypt(plaintext, nonce, ad, key)))
    const parts = new Uint8ArrayList(sealed.subarray(0, 65536), sealed.subarray(65536))
    assert.deepEqual(flat(fastNoiseCrypto.chaCha20Poly1305Decrypt(parts as unknown as NoiseList, nonce, ad, key)), plaintext)
  })

  it('rejects a tampered ciphertext, a tampered tag, a wrong nonce and a wrong key with FrameAuthenticationError', () => {
    const plaintext = bytesOf(65519, 5)
    const sealed = flat(fastNoiseCrypto.chaCha20Poly1305Encrypt(plaintext, nonce, ad, key))
    const cases: Array<{ id: string, bytes: Uint8Array, nonce: Uint8Array, key: Uint8Array }> = []
    const body = sealed.slice(); body[1000] ^= 1
    cases.push({ id: 'ciphertext bit', bytes: body, nonce, key })
    const tag = sealed.slice(); tag[tag.length - 1] ^= 0x80
    cases.push({ id: 'tag bit', bytes: tag, nonce, key })
    const otherNonce = nonce.slice(); otherNonce[0] ^= 1
    cases.push({ id: 'nonce', bytes: sealed, nonce: otherNonce, key })
    cases.push({ id: 'key', bytes: sealed, nonce, key: bytesOf(32, 6) })
    for (const c of cases) {
      assert.throws(() => fastNoiseCrypto.chaCha20Poly1305Decrypt(c.bytes, c.nonce, ad, c.key), (err: Error) => err.name === 'FrameAuthenticationError', c.id)
    }
  })

  it('rejects a tampered small frame (the stock WebAssembly path)', () => {
    const sealed = flat(fastNoiseCrypto.chaCha20Poly1305Encrypt(bytesOf(100, 7), nonce, ad, key)).slice()
    sealed[3] ^= 1
    assert.throws(() => fastNoiseCrypto.chaCha20Poly1305Decrypt(sealed, nonce, ad, key))
  })

  it('connectionEncrypters: unknown, empty and repeated names are InvalidEncrypterError', () => {
    for (const names of [['ssl'], [], ['noise', 'noise']]) {
      assert.throws(() => connectionEncrypters(names), (err: Error) => err.name === 'InvalidEncrypterError', JSON.stringify(names))
    }
    assert.equal(connectionEncrypters().length, 2)
    assert.equal(connectionEncrypters(['tls', 'noise']).length, 2)
  })

  describe('over loopback TCP', () => {
    const nodes: Libp2p[] = []
    afterEach(async () => { await Promise.all(nodes.splice(0).map(async (n) => { await n.stop() })) })

    it('a murmur peer (createPeerNode) and a stock-Noise libp2p node exchange 3 MB intact both ways', async () => {
      const ours = await loopbackNode()
      const stock = await plainNode([noise()])
      nodes.push(ours, stock)
      const a = bytesOf(3_000_000, 8)
      assert.deepEqual(await transfer(ours, stock, a), a)
      const b = bytesOf(3_000_001, 9)
      assert.deepEqual(await transfer(stock, ours, b), b)
      assert.equal(ours.getConnections(stock.peerId)[0].encryption, '/noise')
    })

    it('a peer offering TLS before Noise still connects to a Noise-only peer, and uses TLS with a TLS peer', async () => {
      const both = await plainNode(connectionEncrypters(['tls', 'noise']))
      const noiseOnly = await plainNode([noise()])
      const tlsOnly = await plainNode([tls()])
      nodes.push(both, noiseOnly, tlsOnly)
      const payload = bytesOf(300_000, 11)
      assert.deepEqual(await transfer(both, noiseOnly, payload), payload)
      assert.equal(both.getConnections(noiseOnly.peerId)[0].encryption, '/noise')
      assert.deepEqual(await transfer(tlsOnly, both, payload), payload)
      assert.equal(both.getConnections(tlsOnly.peerId)[0].encryption, '/tls/1.0.0')
    })
  })
})
