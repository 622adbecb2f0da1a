/**
 * The top-k encoder and decoder as they were before the sampled-threshold selection (commit 1a99e8e),
 * kept verbatim in logic and self-contained: a radix select over the float32 bits in four passes over x,
 * then the payload of lib/compress/FORMAT.md. It is the reference the new encoder must match byte for byte
 * (test/lib/compress/topk-fast.test.ts) and the "previous" row of scripts/bench/codecs.ts. Well-formed
 * input only: no argument or payload checks beyond what the old code did on its fast path.
 */

const HEADER_BYTES = 8
const TOPK_FIXED = 4
const TAG_TOPK = 0x04
const FLAG_BITMAP = 0x01

/** Reusable buffers of the previous implementation: one per encoder, as the old codec kept them. */
export class PreviousTopk {
  private readonly histHigh = new Uint32Array(2048)
  private readonly histMid = new Uint32Array(2048)
  private readonly histLow = new Uint32Array(512)
  private candidates = new Uint32Array(0)
  private indices = new Uint32Array(0)

  /** The chosen indices (increasing) in a reused buffer, or the index of the first non-finite entry as a number. */
  select (x: Float32Array, k: number): Uint32Array | number {
    const bits = new Uint32Array(x.buffer, x.byteOffset, x.length)
    const d = bits.length
    if (this.indices.length < k) this.indices = new Uint32Array(k)
    const out = this.indices
    const { histHigh, histMid, histLow } = this
    histHigh.fill(0)
    let maxKey = 0
    for (let i = 0; i < d; i++) {
      const key = bits[i] & 0x7fffffff
      if (key > maxKey) maxKey = key
      histHigh[key >>> 20]++
    }
    if (maxKey >= 0x7f800000) {
      for (let i = 0; i < d; i++) if ((bits[i] & 0x7fffffff) >= 0x7f800000) return i
    }
    const high = cut(histHigh, k)
    if (this.candidates.length < histHigh[high.bin]) this.candidates = new Uint32Array(Math.max(histHigh[high.bin], this.candidates.length * 2))
    const cand = this.candidates
    let n = 0
    for (let i = 0; i < d; i++) {
      const key = bits[i] & 0x7fffffff
      if ((key >>> 20) === high.bin) cand[n++] = key
    }
    histMid.fill(0)
    for (let j = 0; j < n; j++) histMid[(cand[j] >>> 9) & 0x7ff]++
    const mid = cut(histMid, high.rest)
    histLow.fill(0)
    for (let j = 0; j < n; j++) {
      const key = cand[j]
      if (((key >>> 9) & 0x7ff) === mid.bin) histLow[key & 0x1ff]++
    }
    const low = cut(histLow, mid.rest)
    const threshold = (high.bin << 20) | (mid.bin << 9) | low.bin
    let ties = low.rest
    let m = 0
    for (let i = 0; i < d; i++) {
      const key = bits[i] & 0x7fffffff
      if (key > threshold) out[m++] = i
      else if (key === threshold && ties > 0) { out[m++] = i; ties-- }
    }
    return out
  }

  /** The payload bytes, as the previous topkCodec(...).encode wrote them; throws a plain Error on non-finite input. */
  encode (x: Float32Array, k: number): Uint8Array {
    const d = x.length
    const chosen = this.select(x, k)
    if (typeof chosen === 'number') throw new Error(`non-finite entry at ${chosen}`)
    let varintBytes = 0
    let prev = 0
    for (let j = 0; j < k; j++) { varintBytes += varintLength(chosen[j] - prev); prev = chosen[j] }
    const bitmapBytes = Math.ceil(d / 8)
    const useBitmap = bitmapBytes < varintBytes
    const bytes = new Uint8Array(HEADER_BYTES + TOPK_FIXED + 4 * k + (useBitmap ? bitmapBytes : varintBytes))
    const view = new DataView(bytes.buffer)
    bytes[0] = TAG_TOPK
    bytes[1] = 1
    bytes[2] = useBitmap ? FLAG_BITMAP : 0
    view.setUint32(4, d, true)
    view.setUint32(HEADER_BYTES, k, true)
    for (let j = 0; j < k; j++) view.setFloat32(HEADER_BYTES + TOPK_FIXED + 4 * j, x[chosen[j]], true)
    const start = HEADER_BYTES + TOPK_FIXED + 4 * k
    if (useBitmap) {
      for (let j = 0; j < k; j++) bytes[start + (chosen[j] >>> 3)] |= 1 << (chosen[j] & 7)
    } else {
      let p = start
      prev = 0
      for (let j = 0; j < k; j++) {
        let v = chosen[j] - prev
        prev = chosen[j]
        while (v >= 0x80) { bytes[p++] = (v & 0x7f) | 0x80; v >>>= 7 }
        bytes[p++] = v
      }
    }
    return bytes
  }

  /**
   * out += alpha · decode(bytes) the previous way (well-formed payloads: the old gap loop with its
   * per-byte checks or the old bitmap walk, then the scatter), for the decode row of the benchmark.
   */
  addDecoded (bytes: Uint8Array, d: number, out: Float32Array, alpha: number): void {
    const k = (bytes[8] | (bytes[9] << 8) | (bytes[10] << 16) | (bytes[11] << 24)) >>> 0
    if (this.indices.length < k) this.indices = new Uint32Array(k)
    const chosen = this.indices
    const valuesAt = HEADER_BYTES + TOPK_FIXED
    let p = valuesAt + 4 * k
    const end = bytes.length
    let index = 0
    if ((bytes[2] & FLAG_BITMAP) !== 0) {
      let m = 0
      for (let b = 0; b < Math.ceil(d / 8); b++) {
        let v = bytes[p + b]
        while (v !== 0) {
          const low = v & -v
          chosen[m++] = b * 8 + (31 - Math.clz32(low))
          v ^= low
        }
      }
      if (m !== k) throw new Error('bitmap popcount')
    }
    for (let j = 0; j < k && (bytes[2] & FLAG_BITMAP) === 0; j++) {
      let gap = 0
      let shift = 0
      let byte = 0x80
      for (let n = 0; (byte & 0x80) !== 0; n++) {
        if (p >= end) throw new Error('runs past the end')
        byte = bytes[p++]
        if (n === 4 && byte > 0x0f) throw new Error('gap exceeds 2^32 - 1')
        if (n > 0 && byte === 0) throw new Error('overlong')
        gap += (byte & 0x7f) * 2 ** shift
        shift += 7
      }
      if (j > 0 && gap === 0) throw new Error('repeat')
      index = j === 0 ? gap : index + gap
      if (index >= d) throw new Error('index out of range')
      chosen[j] = index
    }
    const values = new Float32Array(bytes.buffer, bytes.byteOffset + valuesAt, k)
    let probe = 0
    for (let j = 0; j < k; j++) probe += values[j] - values[j]
    if (probe !== 0) throw new Error('non-finite value')
    for (let j = 0; j < k; j++) out[chosen[j]] += alpha * values[j]
  }
}

function cut (hist: Uint32Array, need: number): { bin: number, rest: number } {
  let bin = hist.length - 1
  while (need > hist[bin]) { need -= hist[bin]; bin-- }
  return { bin, rest: need }
}

function varintLength (v: number): number {
  if (v < 0x80) return 1
  if (v < 0x4000) return 2
  if (v < 0x200000) return 3
  if (v < 0x10000000) return 4
  return 5
}
