/**
 * One `KeyObject` per Noise session key array, shared by murmur's ChaCha20-Poly1305 and AES-256-GCM crypto: Node's
 * `createCipheriv` with a raw key imports it on every call, which cost as much as the cipher itself on 64 KiB
 * frames (BENCHMARKS.md, "Exchange goodput"). A CipherState keeps its `k` for its whole life, so the cache is keyed
 * by the array and dropped with it.
 */
import { createSecretKey } from 'node:crypto'
import type { KeyObject } from 'node:crypto'

/** Noise keys are 32 bytes for both ciphers. */
export const SESSION_KEY_BYTES = 32

const keyObjects = new WeakMap<Uint8Array, KeyObject>()

/** The cached `KeyObject` of `k`; RangeError naming `cipher` when `k` is not a 32-byte key. */
export function keyObjectOf (k: Uint8Array, cipher: string): KeyObject {
  let key = keyObjects.get(k)
  if (key === undefined) {
    if (k.byteLength !== SESSION_KEY_BYTES) throw new RangeError(`${cipher}: expected a ${SESSION_KEY_BYTES}-byte key, got ${k.byteLength}`)
    key = createSecretKey(k)
    keyObjects.set(k, key)
  }
  return key
}
