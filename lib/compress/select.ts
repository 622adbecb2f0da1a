/**
 * Top-k selection by magnitude in O(d) worst case, without sorting: a radix select on the float32 bits.
 * For finite floats, |x| ordered as numbers equals (bits & 0x7fffffff) ordered as unsigned integers, so
 * three histogram passes over 11, 11 and 9 bits of that key find the exact key T of the k-th largest
 * magnitude. Ties are broken towards the lower index: every entry with key > T is taken, then entries with
 * key = T in increasing index order until k are taken. The result is therefore the first k of the
 * entries sorted by (|x| descending, index ascending), and comes out in increasing index order.
 */

const BINS_HIGH = 2048 // key bits 30..20
const BINS_MID = 2048 // key bits 19..9
const BINS_LOW = 512 // key bits 8..0

/** Reusable scratch; one per codec instance so repeated encodes allocate nothing once warm. */
export class TopkScratch {
  histHigh = new Uint32Array(BINS_HIGH)
  histMid = new Uint32Array(BINS_MID)
  histLow = new Uint32Array(BINS_LOW)
  candidates = new Uint32Array(0)

  candidateBuffer (n: number): Uint32Array {
    if (this.candidates.length < n) this.candidates = new Uint32Array(Math.max(n, this.candidates.length * 2))
    return this.candidates
  }
}

/** Bin from the top where the cumulative count first reaches `need`; `rest` is how many of it to take. */
function cut (hist: Uint32Array, need: number): { bin: number, rest: number } {
  let bin = hist.length - 1
  while (need > hist[bin]) { need -= hist[bin]; bin-- }
  return { bin, rest: need }
}

/**
 * Writes the chosen indices, increasing, into out[0..k) and returns -1; or returns the index of the first
 * non-finite entry (and chooses nothing). Requires 1 ≤ k ≤ x.length and out.length ≥ k.
 */
export function selectTopk (bits: Uint32Array, k: number, out: Uint32Array, scratch: TopkScratch): number {
  const d = bits.length
  const { histHigh, histMid, histLow } = scratch
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
  // candidates: keys in the high bin, compacted
  const cand = scratch.candidateBuffer(histHigh[high.bin])
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
  return -1
}
