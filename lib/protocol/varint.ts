/**
 * Unsigned LEB128 (the varint of multiformats' unsigned-varint and of it-length-prefixed), used for the
 * length prefix in front of every frame.
 */

/** Bytes of the varint of n (n < 2^35). */
export function varintLength (n: number): number {
  let len = 1
  while (n >= 0x80) { n = Math.floor(n / 0x80); len++ }
  return len
}

/** Writes the varint of n at `at`; returns the position after it. */
export function writeVarint (out: Uint8Array, at: number, n: number): number {
  while (n >= 0x80) {
    out[at++] = (n & 0x7f) | 0x80
    n = Math.floor(n / 0x80)
  }
  out[at++] = n
  return at
}
