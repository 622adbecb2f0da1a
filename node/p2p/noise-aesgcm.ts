/**
 * A second connection encrypter, offered before `/noise`: the Noise XX handshake of `@chainsafe/libp2p-noise`
 * (same X25519 keys, same libp2p identity binding, same transport framing) with AES-256-GCM as the AEAD
 * instead of ChaCha20-Poly1305, under its own multistream-select protocol id `/murmur/noise-aesgcm/1.0.0`.
 *
 * Why: the AEAD of every Noise frame is a large share of both processes' time in a model transfer
 * (BENCHMARKS.md, "Exchange goodput"), and CPUs with AES instructions seal and open AES-GCM faster than
 * ChaCha20-Poly1305. Two murmur peers negotiate this; a stock libp2p peer answers "na" to it and the dialer
 * falls back to `/noise` on the same connection (multistream-select tries the dialer's list in order).
 *
 * The cipher follows the Noise specification's AESGCM cipher functions (noiseprotocol.org/noise.html § 12.4):
 * AES-256-GCM with a 128-bit tag, the 96-bit nonce being 32 zero bits then the 64-bit counter `n` big-endian
 * (ChaChaPoly's is little-endian: libp2p-noise hands us that layout and we rewrite it). Nonces never repeat under
 * a key: libp2p-noise keeps one counter a CipherState, starting at 0 for every key (each handshake `MixKey` and
 * each direction of `Split` gets a fresh HKDF key) and refuses to encrypt past n = 2^32 − 1. libp2p-noise hashes
 * a fixed protocol name (`Noise_XX_25519_ChaChaPoly_SHA256`) into the handshake; so that a transcript of this
 * suite can never be taken for a ChaChaPoly one, the prologue names it (`PROLOGUE`): both sides mix it into
 * the handshake hash, and a peer with another prologue fails the handshake's first authenticated message. The
 * bytes therefore differ from a `Noise_XX_25519_AESGCM_SHA256` implementation's by that initial hash: this is a
 * murmur protocol, documented in docs/PROTOCOL.md § Secure channel.
 */
import { createCipheriv, createDecipheriv, createSecretKey } from 'node:crypto'
import type { KeyObject } from 'node:crypto'
import { noise } from '@chainsafe/libp2p-noise'
import type { ICryptoInterface, NoiseComponents } from '@chainsafe/libp2p-noise'
import { defaultCrypto } from '@chainsafe/libp2p-noise/crypto'
import type { ConnectionEncrypter } from '@libp2p/interface'
import { FrameAuthenticationError } from './encrypter-errors.ts'

/** The multistream-select protocol id of this encrypter. */
export const NOISE_AESGCM_PROTOCOL = '/murmur/noise-aesgcm/1.0.0'
/** Mixed into the Noise handshake hash by both sides: names the protocol and the real cipher suite. */
export const PROLOGUE = new TextEncoder().encode(`${NOISE_AESGCM_PROTOCOL} Noise_XX_25519_AESGCM_SHA256`)

const ALGORITHM = 'aes-256-gcm'
const KEY_BYTES = 32
const NONCE_BYTES = 12
const TAG_BYTES = 16

/** One `KeyObject` per session key array (a CipherState keeps its `k` for its whole life). */
const keyObjects = new WeakMap<Uint8Array, KeyObject>()

function keyObjectOf (k: Uint8Array): KeyObject {
  let key = keyObjects.get(k)
  if (key === undefined) {
    if (k.byteLength !== KEY_BYTES) throw new RangeError(`AES-256-GCM: expected a ${KEY_BYTES}-byte key, got ${k.byteLength}`)
    key = createSecretKey(k)
    keyObjects.set(k, key)
  }
  return key
}

/** Scratch IV: createCipheriv copies it, so one buffer serves every call. */
const iv = new Uint8Array(NONCE_BYTES)

/**
 * The AESGCM nonce of counter `n`: libp2p-noise's 12-byte nonce carries `n` as a 64-bit little-endian integer
 * at offset 4 (ChaChaPoly's layout); AESGCM wants it big-endian there.
 */
export function aesGcmNonce (noiseNonce: Uint8Array): Uint8Array {
  if (noiseNonce.byteLength !== NONCE_BYTES) throw new RangeError(`AES-256-GCM: expected a ${NONCE_BYTES}-byte nonce, got ${noiseNonce.byteLength}`)
  iv[0] = 0; iv[1] = 0; iv[2] = 0; iv[3] = 0
  for (let i = 0; i < 8; i++) iv[4 + i] = noiseNonce[11 - i]
  return iv
}

/**
 * Noise's crypto with AES-256-GCM in place of ChaCha20-Poly1305 (hashing, HKDF and X25519 stay libp2p-noise's).
 * The method names are the interface's; the cipher is AES-GCM.
 */
export const aesGcmNoiseCrypto: ICryptoInterface = {
  ...defaultCrypto,
  chaCha20Poly1305Encrypt (plaintext, nonce, ad, k) {
    const cipher = createCipheriv(ALGORITHM, keyObjectOf(k), aesGcmNonce(nonce), { authTagLength: TAG_BYTES })
    cipher.setAAD(ad)
    const out = Buffer.allocUnsafe(plaintext.byteLength + TAG_BYTES)
    let at = 0
    if (plaintext instanceof Uint8Array) {
      at = cipher.update(plaintext).copy(out, 0)
    } else {
      for (const part of plaintext) at += cipher.update(part).copy(out, at)
    }
    // GCM is a counter mode: final() adds no bytes, it computes the tag
    at += cipher.final().copy(out, at)
    cipher.getAuthTag().copy(out, at)
    return out
  },
  chaCha20Poly1305Decrypt (ciphertext, nonce, ad, k) {
    const length = ciphertext.byteLength - TAG_BYTES
    if (length < 0) throw new FrameAuthenticationError(`an AES-256-GCM Noise frame needs at least its ${TAG_BYTES}-byte tag, got ${ciphertext.byteLength} bytes`)
    const decipher = createDecipheriv(ALGORITHM, keyObjectOf(k), aesGcmNonce(nonce), { authTagLength: TAG_BYTES })
    decipher.setAAD(ad)
    try {
      if (ciphertext instanceof Uint8Array) {
        decipher.setAuthTag(ciphertext.subarray(length))
        const plaintext = decipher.update(ciphertext.subarray(0, length))
        decipher.final()
        return plaintext
      }
      decipher.setAuthTag(ciphertext.subarray(length))
      // an empty list of the caller's own Uint8ArrayList class (Noise bundles an older major than ours)
      const plaintext = ciphertext.sublist(0, 0)
      for (const part of ciphertext.sublist(0, length)) plaintext.append(decipher.update(part))
      decipher.final()
      return plaintext
    } catch (err) {
      throw new FrameAuthenticationError(`a Noise frame of ${ciphertext.byteLength} bytes failed AES-256-GCM authentication (tampered, truncated, out of order or another key): ${(err as Error).message}`)
    }
  }
}

/**
 * The encrypter: libp2p-noise with `aesGcmNoiseCrypto` and `PROLOGUE`, registered under `NOISE_AESGCM_PROTOCOL`.
 * List it before `/noise` so that stock peers still connect.
 */
export function noiseAesGcm (): (components: NoiseComponents) => ConnectionEncrypter {
  const create = noise({ crypto: aesGcmNoiseCrypto, prologueBytes: PROLOGUE })
  return (components) => {
    const encrypter = create(components)
    encrypter.protocol = NOISE_AESGCM_PROTOCOL
    return encrypter
  }
}
