/**
 * Top-k selection by magnitude in O(d), without sorting. For finite floats, |x| ordered as numbers equals
 * key = (bits & 0x7fffffff) ordered as unsigned integers, so everything below works on integer keys.
 * The result is defined as the first k entries of x sorted by (|x| descending, index ascending), listed in
 * increasing index order: every entry with key > T, then entries with key = T in increasing index order
 * until k are taken, where T is the key of the k-th largest magnitude.
 *
 * Fast path (large d): estimate a threshold t ≤ T from a seeded random sample of the keys (the sample's
 * rank-r key with r a few standard deviations above the sample's expected share s·k/d: the classic
 * sampling step of Floyd & Rivest 1975, "Expected time bounds for selection"), then ONE pass over x
 * collecting the candidates key ≥ t (their keys and positions, in index order) and an exact radix select
 * among the candidates only. Whenever t ≤ T really holds, i.e. at least k candidates, every entry that is
 * not a candidate has a key below each candidate's and so cannot be among the first k: the candidates
 * hold the exact answer, ties included. When the estimate misses (fewer than k candidates, or more than
 * the buffer bound because of many ties) the exact full radix select below runs instead. The sample only
 * decides the speed, never the result.
 *
 * Full path: a radix select on all keys, three histogram passes over 11, 11 and 9 key bits.
 */
import { createRng } from '../random/index.ts'
import type { Rng } from '../random/index.ts'

const BINS_HIGH = 2048 // key bits 30..20
const BINS_MID = 2048 // key bits 19..9
const BINS_LOW = 512 // key bits 8..0

/** keys at or above this are ±Infinity or NaN */
const NON_FINITE_KEY = 0x7f800000

/** below this dimension four passes over x cost less than the sample's fixed cost */
const SAMPLED_MIN_D = 1 << 15
/**
 * The sample is drawn as runs of BLOCK consecutive entries (32 bytes: one cache line serves the whole run),
 * one run at a random offset in each of d / 1,024 equal strata, within these bounds: a random read into
 * a model-sized vector is a cache miss that costs as much as reading its whole line, so this draws eight
 * times the keys for the misses of a one-entry sample.
 */
const BLOCK = 8
const MIN_BLOCKS = 512
const MAX_BLOCKS = 4096
/**
 * Standard deviations of slack in the sample rank. For independent keys the share of x above the sample's
 * rank-r key is about Beta(r, s − r + 1), sd ≈ sqrt(r)/s, so r = m + 4·sqrt(m) + 4 with m = s·k/d misses
 * T with odds of roughly 3e-5 (then the exact full path runs), and sizes the candidate buffer the same way
 * from above. Keys correlated within a run of 8 (a layer of large weights) shrink the effective sample and
 * miss more often: that costs time, never correctness.
 */
const SLACK_SD = 4
/** beyond this expected candidate share a single pass saves too little over the full radix select */
const MAX_CANDIDATE_SHARE = 0.25
/** seed of the sampler's own generator: the sample positions never touch the caller's randomness */
const SAMPLE_SEED = 0x746f706b

export interface TopkScratchInit {
  /**
   * Smallest dimension that takes the sampled path; default 32,768 (below it four passes over x cost less
   * than the sample). Tests lower it to run the sampled path on small vectors.
   */
  sampledFrom?: number
}

/** Reusable scratch; one per codec instance so repeated encodes allocate nothing once warm. */
export class TopkScratch {
  readonly sampledFrom: number
  readonly histHigh = new Uint32Array(BINS_HIGH)
  readonly histMid = new Uint32Array(BINS_MID)
  readonly histLow = new Uint32Array(BINS_LOW)
  /** keys of the high radix bin (second and third radix levels) */
  narrow = new Uint32Array(0)
  /** sampled keys; grown on the first sampled selection (a simulator holds one codec per virtual peer) */
  sample = new Uint32Array(0)
  /** candidate keys and positions, in index order */
  keys = new Uint32Array(0)
  positions = new Uint32Array(0)
  readonly rng: Rng = createRng(SAMPLE_SEED)
  /** results of kthKey: the key T of the k-th largest, how many entries of key T to take, the largest key */
  threshold = 0
  ties = 0
  maxKey = 0

  /** how often the sampled estimate missed and the full path ran (for tests and profiling) */
  fallbacks = 0

  constructor (init: TopkScratchInit = {}) {
    this.sampledFrom = init.sampledFrom ?? SAMPLED_MIN_D
  }

  narrowBuffer (n: number): Uint32Array {
    if (this.narrow.length < n) this.narrow = new Uint32Array(Math.max(n, this.narrow.length * 2))
    return this.narrow
  }

  sampleBuffer (n: number): Uint32Array {
    if (this.sample.length < n) this.sample = new Uint32Array(n)
    return this.sample
  }

  candidateBuffers (n: number): void {
    if (this.keys.length < n) {
      this.keys = new Uint32Array(n)
      this.positions = new Uint32Array(n)
    }
  }
}

/**
 * Writes the chosen indices, increasing, into out[0..k) and returns -1; or returns the index of the first
 * non-finite entry (and chooses nothing). Requires 1 ≤ k ≤ bits.length and out.length ≥ k. `bits` is the
 * Uint32Array view of the float32 vector.
 */
export function selectTopk (bits: Uint32Array, k: number, out: Uint32Array, scratch: TopkScratch): number {
  if (bits.length >= scratch.sampledFrom) {
    const got = selectSampled(bits, k, out, scratch)
    if (got !== MISSED) return got
    scratch.fallbacks++
  }
  return selectFull(bits, k, out, scratch)
}

/** selectSampled's answer when its estimate did not hold: run the full path */
const MISSED = -2

function selectSampled (bits: Uint32Array, k: number, out: Uint32Array, scratch: TopkScratch): number {
  const d = bits.length
  const run = Math.min(BLOCK, d)
  const blocks = Math.max(1, Math.min(MAX_BLOCKS, Math.max(MIN_BLOCKS, d >>> 10), Math.floor(d / run)))
  const s = blocks * run
  const m = s * k / d
  const rank = Math.ceil(m + SLACK_SD * Math.sqrt(m) + SLACK_SD)
  if (rank > s * MAX_CANDIDATE_SHARE) return MISSED
  const sample = scratch.sampleBuffer(s)
  const rng = scratch.rng
  // strata in increasing order, so the addresses increase too (the tail d mod blocks is never drawn)
  const stride = Math.floor(d / blocks)
  const room = stride - run + 1
  let drawn = 0
  for (let b = 0, base = 0; b < blocks; b++, base += stride) {
    const from = base + (rng.nextU32() % room)
    for (let i = from; i < from + run; i++) sample[drawn++] = bits[i] & 0x7fffffff
  }
  kthKey(sample, s, rank, scratch)
  // every non-finite entry must be a candidate, so that the first of them is found in the one pass
  const t = Math.min(scratch.threshold, NON_FINITE_KEY)
  if (t === 0) return MISSED
  const upper = rank + SLACK_SD * Math.sqrt(rank) + SLACK_SD
  const cap = Math.min(d, Math.ceil(upper * d / s) + 1024)
  scratch.candidateBuffers(cap)
  const keys = scratch.keys
  const positions = scratch.positions
  let n = 0
  for (let i = 0; i < d; i++) {
    const key = bits[i] & 0x7fffffff
    if (key >= t) {
      if (n === cap) return MISSED
      keys[n] = key
      positions[n] = i
      n++
    }
  }
  if (n < k) return MISSED
  kthKey(keys, n, k, scratch)
  if (scratch.maxKey >= NON_FINITE_KEY) {
    for (let j = 0; j < n; j++) if (keys[j] >= NON_FINITE_KEY) return positions[j]
  }
  // Compacts the chosen positions in place (taken ≤ j), branch-free: k of the n candidates (most of them,
  // in no order a predictor could learn) are taken. All keys and the threshold are below 2^31, so
  // (threshold − key) >>> 31 is 1 exactly when key > threshold, and ((key ^ threshold) − 1) >>> 31 exactly
  // when key = threshold; the first `ties` of those are taken.
  const threshold = scratch.threshold
  let ties = scratch.ties
  let taken = 0
  for (let j = 0; j < n; j++) {
    const key = keys[j]
    const tie = (((key ^ threshold) - 1) >>> 31) & ((-ties) >>> 31)
    positions[taken] = positions[j]
    taken += ((threshold - key) >>> 31) | tie
    ties -= tie
  }
  out.set(positions.subarray(0, k))
  return -1
}

function selectFull (bits: Uint32Array, k: number, out: Uint32Array, scratch: TopkScratch): number {
  const d = bits.length
  kthKey(bits, d, k, scratch)
  if (scratch.maxKey >= NON_FINITE_KEY) {
    for (let i = 0; i < d; i++) if ((bits[i] & 0x7fffffff) >= NON_FINITE_KEY) return i
  }
  const threshold = scratch.threshold
  let ties = scratch.ties
  let taken = 0
  for (let i = 0; i < d; i++) {
    const key = bits[i] & 0x7fffffff
    if (key > threshold) out[taken++] = i
    else if (key === threshold && ties > 0) { out[taken++] = i; ties-- }
  }
  return -1
}

/**
 * Radix select over the keys (bits & 0x7fffffff) of values[0..n): sets scratch.threshold to the key T of
 * the k-th largest, scratch.ties to how many entries of key T belong to the top k (the rest of them are
 * larger), and scratch.maxKey to the largest key. Requires 1 ≤ k ≤ n.
 */
function kthKey (values: Uint32Array, n: number, k: number, scratch: TopkScratch): void {
  const { histHigh, histMid, histLow } = scratch
  histHigh.fill(0)
  let maxKey = 0
  for (let i = 0; i < n; i++) {
    const key = values[i] & 0x7fffffff
    if (key > maxKey) maxKey = key
    histHigh[key >>> 20]++
  }
  let need = k
  let high = BINS_HIGH - 1
  while (need > histHigh[high]) { need -= histHigh[high]; high-- }
  const narrow = scratch.narrowBuffer(histHigh[high])
  let m = 0
  for (let i = 0; i < n; i++) {
    const key = values[i] & 0x7fffffff
    if ((key >>> 20) === high) narrow[m++] = key
  }
  histMid.fill(0)
  for (let j = 0; j < m; j++) histMid[(narrow[j] >>> 9) & 0x7ff]++
  let mid = BINS_MID - 1
  while (need > histMid[mid]) { need -= histMid[mid]; mid-- }
  histLow.fill(0)
  for (let j = 0; j < m; j++) {
    const key = narrow[j]
    if (((key >>> 9) & 0x7ff) === mid) histLow[key & 0x1ff]++
  }
  let low = BINS_LOW - 1
  while (need > histLow[low]) { need -= histLow[low]; low-- }
  scratch.threshold = (high << 20) | (mid << 9) | low
  scratch.ties = need
  scratch.maxKey = maxKey
}
