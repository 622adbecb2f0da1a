/**
 * Sorting of u32 keys for the codecs' index sets: an LSD radix sort (Knuth, TAOCP vol. 3, 5.2.5) on
 * 11-bit digits, only as many digits as the largest possible key needs (two below 2^22). Linear in n with
 * a 2,048-entry histogram a digit; the built-in TypedArray sort costs about 50 ns a key at n = 10,000.
 */

const DIGIT_BITS = 11
const RADIX = 1 << DIGIT_BITS

/** Reusable buffers for radixSortU32; the temporary grows to the largest n seen. */
export class RadixScratch {
  readonly hist = new Uint32Array(RADIX)
  tmp = new Uint32Array(0)

  buffer (n: number): Uint32Array {
    if (this.tmp.length < n) this.tmp = new Uint32Array(n)
    return this.tmp
  }
}

/** Sorts keys[0..n) increasing in place; every key must be ≤ maxKey (an integer below 2^32). */
export function radixSortU32 (keys: Uint32Array, n: number, maxKey: number, scratch: RadixScratch): void {
  if (n < 2) return
  const { hist } = scratch
  let src = keys
  let dst = scratch.buffer(n)
  for (let shift = 0; shift < 32 && (shift === 0 || maxKey >>> shift !== 0); shift += DIGIT_BITS) {
    hist.fill(0)
    for (let i = 0; i < n; i++) hist[(src[i] >>> shift) & (RADIX - 1)]++
    let sum = 0
    for (let b = 0; b < RADIX; b++) { const c = hist[b]; hist[b] = sum; sum += c }
    for (let i = 0; i < n; i++) { const v = src[i]; dst[hist[(v >>> shift) & (RADIX - 1)]++] = v }
    const t = src
    src = dst
    dst = t
  }
  if (src !== keys) keys.set(src.subarray(0, n))
}
