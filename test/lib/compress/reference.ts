/**
 * A second, deliberately naive client written from lib/compress/FORMAT.md alone (DataView, plain
 * arrays, no shared code with lib/compress except lib/random, which FORMAT.md names as the randk
 * generator). Tests compare the library against it, so FORMAT.md stays the truth about the bytes.
 * It reads well-formed payloads only.
 */
import { createRng } from '../../../lib/random/index.ts'

export interface ReferencePayload {
  tag: number
  version: number
  flags: number
  d: number
  /** top-k and random-k: the chosen indices, increasing */
  indices?: number[]
  decoded: Float32Array
}

export function referenceDecode (bytes: Uint8Array): ReferencePayload {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const tag = view.getUint8(0)
  const version = view.getUint8(1)
  const flags = view.getUint8(2)
  const d = view.getUint32(4, true)
  const decoded = new Float32Array(d)
  const head = { tag, version, flags, d, decoded }
  switch (tag) {
    case 0x01:
      for (let i = 0; i < d; i++) decoded[i] = view.getFloat32(8 + 4 * i, true)
      return head
    case 0x02:
      for (let i = 0; i < d; i++) decoded[i] = halfToNumber(view.getUint16(8 + 2 * i, true))
      return head
    case 0x03: {
      const norm = view.getFloat32(8, true)
      const s = view.getUint32(12, true)
      const b = 1 + Math.ceil(Math.log2(s + 1))
      for (let i = 0; i < d; i++) {
        let c = 0
        for (let j = 0; j < b; j++) {
          const bit = i * b + j
          if ((bytes[16 + Math.floor(bit / 8)] & (1 << (bit % 8))) !== 0) c += 2 ** j
        }
        const level = Math.floor(c / 2)
        decoded[i] = (c % 2 === 1 ? -1 : 1) * level * (norm / s)
      }
      return head
    }
    case 0x04: {
      const k = view.getUint32(8, true)
      const indices: number[] = []
      let p = 12 + 4 * k
      if ((flags & 1) === 1) {
        for (let i = 0; i < d; i++) if ((bytes[p + Math.floor(i / 8)] & (1 << (i % 8))) !== 0) indices.push(i)
      } else {
        let prev = 0
        for (let j = 0; j < k; j++) {
          let g = 0
          let mul = 1
          for (;;) {
            const byte = bytes[p++]
            g += (byte & 0x7f) * mul
            mul *= 128
            if (byte < 0x80) break
          }
          prev = j === 0 ? g : prev + g
          indices.push(prev)
        }
      }
      indices.forEach((i, j) => { decoded[i] = view.getFloat32(12 + 4 * j, true) })
      return { ...head, indices }
    }
    case 0x05: {
      const seed = view.getUint32(8, true)
      const k = view.getUint32(12, true)
      const indices = floydIndices(seed, d, k)
      indices.forEach((i, j) => { decoded[i] = view.getFloat32(16 + 4 * j, true) })
      return { ...head, indices }
    }
    case 0x06: {
      const scale = view.getFloat32(8, true)
      for (let i = 0; i < d; i++) decoded[i] = (bytes[12 + Math.floor(i / 8)] & (1 << (i % 8))) !== 0 ? -scale : scale
      return head
    }
    default:
      throw new Error(`reference client: unknown tag ${tag}`)
  }
}

export function floydIndices (seed: number, d: number, k: number): number[] {
  const rng = createRng(seed)
  const chosen = new Set<number>()
  for (let j = d - k; j < d; j++) {
    const t = rng.int(j + 1)
    chosen.add(chosen.has(t) ? j : t)
  }
  return [...chosen].sort((a, b) => a - b)
}

function halfToNumber (h: number): number {
  const sign = h >= 0x8000 ? -1 : 1
  const exp = (h >> 10) & 0x1f
  const man = h & 0x3ff
  if (exp === 0) return sign * man * 2 ** -24
  return sign * (1 + man / 1024) * 2 ** (exp - 15)
}

/** k = max(1, ceil(f·d)) on the exact decimal f = num / den (FORMAT.md, "Spec strings and k"). */
export function referenceK (num: number, den: number, d: number): number {
  return Math.max(1, Number((BigInt(num) * BigInt(d) + BigInt(den) - 1n) / BigInt(den)))
}
