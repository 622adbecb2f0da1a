/**
 * Little-endian reads and writes. Bulk float32 runs go through a Float32Array view when the host is
 * little-endian and the run is 4-byte aligned (the fast path: payloads we allocate always are); otherwise
 * through a DataView copy, so big-endian hosts and unaligned subarrays still read the same numbers.
 */

export const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1

export function writeU32 (bytes: Uint8Array, offset: number, value: number): void {
  bytes[offset] = value & 0xff
  bytes[offset + 1] = (value >>> 8) & 0xff
  bytes[offset + 2] = (value >>> 16) & 0xff
  bytes[offset + 3] = (value >>> 24) & 0xff
}

export function readU32 (bytes: Uint8Array, offset: number): number {
  return (bytes[offset] | (bytes[offset + 1] << 8) | (bytes[offset + 2] << 16) | (bytes[offset + 3] << 24)) >>> 0
}

const scratch = new DataView(new ArrayBuffer(4))

export function writeF32 (bytes: Uint8Array, offset: number, value: number): void {
  scratch.setFloat32(0, value, true)
  bytes[offset] = scratch.getUint8(0)
  bytes[offset + 1] = scratch.getUint8(1)
  bytes[offset + 2] = scratch.getUint8(2)
  bytes[offset + 3] = scratch.getUint8(3)
}

export function readF32 (bytes: Uint8Array, offset: number): number {
  for (let i = 0; i < 4; i++) scratch.setUint8(i, bytes[offset + i])
  return scratch.getFloat32(0, true)
}

/** `count` float32 values starting at bytes[offset], as a view when possible (do not write to it). */
export function f32Run (bytes: Uint8Array, offset: number, count: number): Float32Array {
  const at = bytes.byteOffset + offset
  if (HOST_IS_LITTLE_ENDIAN && at % 4 === 0) return new Float32Array(bytes.buffer, at, count)
  const view = new DataView(bytes.buffer, at, count * 4)
  const out = new Float32Array(count)
  for (let i = 0; i < count; i++) out[i] = view.getFloat32(i * 4, true)
  return out
}

/** A writable float32 window on bytes[offset ...]: `commit()` makes the bytes little-endian on any host. */
export interface F32Window { values: Float32Array, commit (): void }

export function f32Window (bytes: Uint8Array, offset: number, count: number): F32Window {
  const at = bytes.byteOffset + offset
  if (HOST_IS_LITTLE_ENDIAN && at % 4 === 0) {
    return { values: new Float32Array(bytes.buffer, at, count), commit: () => {} }
  }
  const values = new Float32Array(count)
  return {
    values,
    commit: () => {
      const view = new DataView(bytes.buffer, at, count * 4)
      for (let i = 0; i < count; i++) view.setFloat32(i * 4, values[i], true)
    }
  }
}

/** Uint32 view of a Float32Array's bits (same buffer, always aligned): sign, exponent and mantissa fields. */
export function bitsOf (x: Float32Array): Uint32Array {
  return new Uint32Array(x.buffer, x.byteOffset, x.length)
}
