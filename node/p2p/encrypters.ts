/**
 * The connection encrypter of a murmur peer: Noise (libp2p's `Noise_XX_25519_ChaChaPoly_SHA256`, the same bytes
 * on the wire as stock `@chainsafe/libp2p-noise`) with a faster ChaCha20-Poly1305 for transport messages.
 *
 * Why: profiling a 40 MB model transfer between two processes (`node --cpu-prof`, BENCHMARKS.md) showed the
 * stock crypto spending about as long turning the raw 32-byte key into a `KeyObject` on every Noise frame
 * (`createCipheriv(alg, Uint8Array, …)` → `getKeyObjectSlots` / `getSlots`) as in the cipher itself, and
 * copying every ciphertext once more in `Buffer.concat`. Here the `KeyObject` is made once per session key
 * (the Noise CipherState keeps the same `k` array for the whole connection) and the ciphertext and tag are
 * written into one buffer. Frames under 1,200 bytes keep the stock path (WebAssembly ChaCha20-Poly1305, faster
 * for small inputs per its authors' benchmark), and so do the handshake's hashing and key agreement.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto'
import { noise } from '@chainsafe/libp2p-noise'
import type { ICryptoInterface, NoiseInit } from '@chainsafe/libp2p-noise'
import { defaultCrypto } from '@chainsafe/libp2p-noise/crypto'
import type { ConnectionEncrypter } from '@libp2p/interface'
import { FrameAuthenticationError, InvalidEncrypterError } from './encrypter-errors.ts'
import { noiseAesGcm } from './noise-aesgcm.ts'
import { nativeTls } from './tls-native.ts'
import { keyObjectOf } from './key-objects.ts'

export { FrameAuthenticationError, InvalidEncrypterError }

const ALGORITHM = 'chacha20-poly1305'
const TAG_BYTES = 16
/** Below this many bytes the stock WebAssembly ChaCha20-Poly1305 is faster than a native cipher object. */
const NATIVE_MIN_BYTES = 1200

/**
 * Noise's crypto with ChaCha20-Poly1305 (RFC 8439) through one cached `KeyObject` per key; interoperates
 * byte for byte with `@chainsafe/libp2p-noise`'s default.
 */
export const fastNoiseCrypto: ICryptoInterface = {
  ...defaultCrypto,
  chaCha20Poly1305Encrypt (plaintext, nonce, ad, k) {
    if (plaintext.byteLength < NATIVE_MIN_BYTES) return defaultCrypto.chaCha20Poly1305Encrypt(plaintext, nonce, ad, k)
    const cipher = createCipheriv(ALGORITHM, keyObjectOf(k, 'ChaCha20-Poly1305'), nonce, { authTagLength: TAG_BYTES })
    cipher.setAAD(ad, { plaintextLength: plaintext.byteLength })
    const out = Buffer.allocUnsafe(plaintext.byteLength + TAG_BYTES)
    let at = 0
    if (plaintext instanceof Uint8Array) {
      at = cipher.update(plaintext).copy(out, 0)
    } else {
      for (const part of plaintext) at += cipher.update(part).copy(out, at)
    }
    // ChaCha20 is a stream cipher: final() returns no bytes, it only computes the tag
    cipher.final()
    cipher.getAuthTag().copy(out, at)
    return out
  },
  chaCha20Poly1305Decrypt (ciphertext, nonce, ad, k, dst) {
    if (ciphertext.byteLength < NATIVE_MIN_BYTES) return defaultCrypto.chaCha20Poly1305Decrypt(ciphertext, nonce, ad, k, dst)
    const length = ciphertext.byteLength - TAG_BYTES
    const decipher = createDecipheriv(ALGORITHM, keyObjectOf(k, 'ChaCha20-Poly1305'), nonce, { authTagLength: TAG_BYTES })
    decipher.setAAD(ad, { plaintextLength: length })
    decipher.setAuthTag(ciphertext.subarray(length))
    try {
      if (ciphertext instanceof Uint8Array) {
        const plaintext = decipher.update(ciphertext.subarray(0, length))
        decipher.final()
        return plaintext
      }
      // an empty list of the caller's own Uint8ArrayList class (Noise bundles an older major than ours)
      const plaintext = ciphertext.sublist(0, 0)
      for (const part of ciphertext.sublist(0, length)) plaintext.append(decipher.update(part))
      decipher.final()
      return plaintext
    } catch (err) {
      throw new FrameAuthenticationError(`a Noise frame of ${ciphertext.byteLength} bytes failed ChaCha20-Poly1305 authentication (tampered, truncated or out of order): ${(err as Error).message}`)
    }
  }
}

/** Noise with `fastNoiseCrypto`; any other Noise init (static key, prologue, extensions) passes through. */
export function fastNoise (init: Omit<NoiseInit, 'crypto'> = {}): ReturnType<typeof noise> {
  return noise({ ...init, crypto: fastNoiseCrypto })
}

/**
 * Encrypters a peer can offer, by name: 'noise-aesgcm' is `/murmur/noise-aesgcm/1.0.0` (node/p2p/noise-aesgcm.ts,
 * murmur peers only), 'noise' is `/noise` (every libp2p implementation), 'tls' is `/tls/1.0.0` (the wire of
 * @libp2p/tls, run by Node's native TLS on TCP sockets: node/p2p/tls-native.ts).
 */
export const ENCRYPTERS = ['noise-aesgcm', 'noise', 'tls'] as const
export type EncrypterName = typeof ENCRYPTERS[number]

/**
 * The `connectionEncrypters` list of a libp2p node, in order of preference (the dialer's first one that the
 * listener also speaks is used). Default (DEFAULT_ENCRYPTERS): Noise with AES-256-GCM between murmur peers, then
 * `/noise`, which every libp2p implementation speaks; 'tls' adds libp2p's TLS 1.3 for peers that speak only that.
 */
export function connectionEncrypters (names: readonly string[] = DEFAULT_ENCRYPTERS): Array<(components: any) => ConnectionEncrypter> {
  const known = ENCRYPTERS.join(', ')
  if (names.length === 0) throw new InvalidEncrypterError(`encrypters: expected at least one of ${known}; got an empty list`)
  const seen = new Set<string>()
  return names.map((name) => {
    if (seen.has(name)) throw new InvalidEncrypterError(`encrypters: '${name}' is listed twice; list each of ${known} at most once`)
    seen.add(name)
    if (name === 'noise-aesgcm') return noiseAesGcm()
    if (name === 'noise') return fastNoise()
    if (name === 'tls') return nativeTls()
    throw new InvalidEncrypterError(`encrypters: expected one of ${known}, got '${name}'`)
  })
}

/** Noise with AES-256-GCM first (faster where the CPU has AES instructions, BENCHMARKS.md), `/noise` as the fallback. */
export const DEFAULT_ENCRYPTERS: readonly EncrypterName[] = ['noise-aesgcm', 'noise']
