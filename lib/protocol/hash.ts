/** Run id hash and payload checksum: the two digests an envelope carries. */

import { createHash } from 'node:crypto'
import { crc32 as zlibCrc32 } from 'node:zlib'
import { RUN_HASH_BYTES } from './constants.ts'

/** The first 8 bytes of SHA-256 over the UTF-8 run id. */
export function runIdHash (runId: string): Uint8Array {
  const digest = createHash('sha256').update(runId, 'utf8').digest()
  return new Uint8Array(digest.subarray(0, RUN_HASH_BYTES))
}

/**
 * CRC-32 (ISO-HDLC: polynomial 0x04C11DB7 reflected, init and final xor 0xFFFFFFFF, the CRC of zlib,
 * gzip and PNG), continued from `previous` so a payload can be checked chunk by chunk. Node's zlib
 * computes it natively at several GB/s, where a table-driven CRC-32C in JavaScript runs at a few hundred
 * MB/s: on a loopback link the checksum must not be the bottleneck.
 */
export function crc32 (bytes: Uint8Array, previous = 0): number {
  return zlibCrc32(bytes, previous)
}
