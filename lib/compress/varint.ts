/** Unsigned LEB128 (as in protobuf and WebAssembly) for u32 values: 7 bits a byte, low group first. */

export function varintLength (v: number): number {
  if (v < 0x80) return 1
  if (v < 0x4000) return 2
  if (v < 0x200000) return 3
  if (v < 0x10000000) return 4
  return 5
}

/** Writes v at bytes[p] and returns the position after it. */
export function writeVarint (bytes: Uint8Array, p: number, v: number): number {
  while (v >= 0x80) {
    bytes[p++] = (v & 0x7f) | 0x80
    v >>>= 7
  }
  bytes[p++] = v
  return p
}

/** Bytes of the gap encoding of increasing indices: i_0, then i_j − i_{j−1}. */
export function gapVarintBytes (indices: ArrayLike<number>, k: number): number {
  let total = 0
  let prev = 0
  for (let j = 0; j < k; j++) {
    total += varintLength(indices[j] - prev)
    prev = indices[j]
  }
  return total
}
