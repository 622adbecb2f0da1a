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
import { createCipheriv, createDecipheriv } from 'node:crypto'
import { keyObjectOf } from './key-objects.ts'
import { noise } from '@chainsafe/libp2p-noise'
import type { ICryptoInterface, NoiseComponents } from '@chainsafe/libp2p-noise'
import { defaultCrypto } from '@chainsafe/libp2p-noise/crypto'
import type { NoiseExtensions } from '@chainsafe/libp2p-noise'
import { publicKeyFromProtobuf } from '@libp2p/crypto/keys'
import type {
  AbortOptions, ConnectionEncrypter, Logger, MessageStream, PrivateKey, PublicKey, SecureConnectionOptions, SecuredConnection,
  StreamMuxerFactory
} from '@libp2p/interface'
import { peerIdFromPublicKey } from '@libp2p/peer-id'
import { lpStream } from '@libp2p/utils'
import type { LengthPrefixedStream } from '@libp2p/utils'
import { Uint8ArrayList } from 'uint8arraylist'
import { AesGcmFrameStream } from './aesgcm-frames.ts'
import type { FrameCipher } from './aesgcm-frames.ts'
import { FrameAuthenticationError } from './encrypter-errors.ts'

/** The multistream-select protocol id of this encrypter. */
export const NOISE_AESGCM_PROTOCOL = '/murmur/noise-aesgcm/1.0.0'
/** Mixed into the Noise handshake hash by both sides: names the protocol and the real cipher suite. */
export const PROLOGUE = new TextEncoder().encode(`${NOISE_AESGCM_PROTOCOL} Noise_XX_25519_AESGCM_SHA256`)

const ALGORITHM = 'aes-256-gcm'
const NONCE_BYTES = 12
const TAG_BYTES = 16
/** The largest Noise handshake message (2-byte length field). */
const NOISE_MESSAGE_MAX_BYTES = 65_535

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
    const cipher = createCipheriv(ALGORITHM, keyObjectOf(k, 'AES-256-GCM'), aesGcmNonce(nonce), { authTagLength: TAG_BYTES })
    cipher.setAAD(ad)
    // ciphertext ‖ tag as a list of Cipher.update's own outputs: no copy into one buffer (Node's update cannot write
    // into a caller's buffer, and copying cost as much CPU as a third of the cipher on 1 MiB frames); the handshake
    // and the framing (aesgcm-frames.ts) both take a list
    const sealed = new Uint8ArrayList()
    if (plaintext instanceof Uint8Array) {
      sealed.append(cipher.update(plaintext))
    } else {
      for (const part of plaintext) sealed.append(cipher.update(part))
    }
    // GCM is a counter mode: final() adds no bytes, it computes the tag
    const last = cipher.final()
    if (last.byteLength > 0) sealed.append(last)
    sealed.append(cipher.getAuthTag())
    // Noise's types name its bundled uint8arraylist 2.x; the classes differ but both recognize each other's lists
    // (the same Symbol.for mark), which is all the handshake's hashing and length-prefixing need
    return sealed as unknown as ReturnType<ICryptoInterface['chaCha20Poly1305Encrypt']>
  },
  chaCha20Poly1305Decrypt (ciphertext, nonce, ad, k) {
    const length = ciphertext.byteLength - TAG_BYTES
    if (length < 0) throw new FrameAuthenticationError(`an AES-256-GCM Noise frame needs at least its ${TAG_BYTES}-byte tag, got ${ciphertext.byteLength} bytes`)
    const decipher = createDecipheriv(ALGORITHM, keyObjectOf(k, 'AES-256-GCM'), aesGcmNonce(nonce), { authTagLength: TAG_BYTES })
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

/** The 2-byte big-endian length of a Noise handshake message, as libp2p-noise's `secureOutbound` frames them. */
function uint16BEEncode (value: number): Uint8Array {
  return Uint8Array.of(value >> 8, value & 0xff)
}

function uint16BEDecode (data: Uint8ArrayList): number {
  if (data.byteLength < 2) throw new RangeError(`a Noise handshake length needs 2 bytes, got ${data.byteLength}`)
  return data.getUint16(0, false)
}

/** What a finished libp2p-noise handshake returns (its `performHandshake*`), in the types this module uses. */
interface NoiseHandshake {
  payload: { identityKey: Uint8Array, extensions?: NoiseExtensions & { streamMuxers?: string[] } }
  encrypt: FrameCipher['encrypt']
  decrypt: FrameCipher['decrypt']
}

/**
 * The members of libp2p-noise 17's `Noise` class this encrypter drives. They are declared private in its types but
 * are the very steps of its `secureOutbound`/`secureInbound` (dist/src/noise.js): running them unchanged keeps the
 * XX handshake, identity binding and early muxer negotiation byte for byte libp2p-noise's.
 */
interface NoiseSteps {
  performHandshakeInitiator: (connection: LengthPrefixedStream, privateKey: PrivateKey, log: Logger, remoteIdentityKey?: PublicKey, options?: AbortOptions) => Promise<NoiseHandshake>
  performHandshakeResponder: (connection: LengthPrefixedStream, privateKey: PrivateKey, log: Logger, remoteIdentityKey?: PublicKey, options?: AbortOptions) => Promise<NoiseHandshake>
  getStreamMuxer: (protocols?: string[]) => StreamMuxerFactory | undefined
}

/**
 * `/murmur/noise-aesgcm/1.0.0`: libp2p-noise's XX handshake (with `aesGcmNoiseCrypto` and `PROLOGUE`) on 2-byte
 * length-prefixed messages, then murmur's large AES-256-GCM frames (node/p2p/aesgcm-frames.ts) under the
 * handshake's CipherStates.
 */
class NoiseAesGcm implements ConnectionEncrypter<NoiseExtensions> {
  protocol = NOISE_AESGCM_PROTOCOL
  private readonly noise: NoiseSteps
  private readonly components: NoiseComponents

  constructor (components: NoiseComponents) {
    this.components = components
    this.noise = noise({ crypto: aesGcmNoiseCrypto, prologueBytes: PROLOGUE })(components) as unknown as NoiseSteps
  }

  async secureOutbound (connection: MessageStream, options?: SecureConnectionOptions): Promise<SecuredConnection<NoiseExtensions>> {
    return await this.secure(connection, true, options)
  }

  async secureInbound (connection: MessageStream, options?: SecureConnectionOptions): Promise<SecuredConnection<NoiseExtensions>> {
    return await this.secure(connection, false, options)
  }

  private async secure (connection: MessageStream, initiator: boolean, options?: SecureConnectionOptions): Promise<SecuredConnection<NoiseExtensions>> {
    const log = connection.log.newScope('noise-aesgcm')
    const handshakeStream = lpStream(connection, { lengthEncoder: uint16BEEncode, lengthDecoder: uint16BEDecode, maxDataLength: NOISE_MESSAGE_MAX_BYTES })
    const perform = initiator ? this.noise.performHandshakeInitiator : this.noise.performHandshakeResponder
    const handshake = await perform.call(this.noise, handshakeStream, this.components.privateKey, log, options?.remotePeer?.publicKey, options)
    const publicKey = publicKeyFromProtobuf(handshake.payload.identityKey)
    return {
      connection: new AesGcmFrameStream(handshakeStream.unwrap(), handshake),
      remoteExtensions: handshake.payload.extensions,
      remotePeer: peerIdFromPublicKey(publicKey),
      streamMuxer: options?.skipStreamMuxerNegotiation === true ? undefined : this.noise.getStreamMuxer.call(this.noise, handshake.payload.extensions?.streamMuxers)
    }
  }
}

/** The encrypter factory for libp2p's `connectionEncrypters`. List it before `/noise` so that stock peers still connect. */
export function noiseAesGcm (): (components: NoiseComponents) => ConnectionEncrypter<NoiseExtensions> {
  return (components) => new NoiseAesGcm(components)
}
