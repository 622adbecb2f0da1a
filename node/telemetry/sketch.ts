/**
 * A linear sketch of a peer's parameters from which an observer estimates the consensus distance
 * (1/n) Σ_i ‖x_i − x̄‖² without seeing any model.
 *
 * CountSketch (Charikar, Chen & Farach-Colton 2002; as a Johnson–Lindenstrauss map, Weinberger et al. 2009):
 * coordinate j goes to bucket h(j) ∈ [0, k) with sign s(j) ∈ {±1}, y_b = Σ_{h(j)=b} s(j)·x_j. The map S is
 * linear, so the sketch of the mean is the mean of the sketches (ȳ = S x̄) and
 *   (1/n) Σ_i ‖y_i − ȳ‖² = (1/n) Σ_i ‖S(x_i − x̄)‖²,
 * whose expectation over (h, s) is (1/n) Σ_i ‖x_i − x̄‖² exactly (E[s_j s_l 1{h_j = h_l}] = 0 for j ≠ l), with a
 * relative standard deviation of at most sqrt(2/k). Every peer of a round uses the same (h, s), drawn from the
 * run's seed and the round (`sketchSeed`), so sketches of one round are comparable; a fresh map each round makes
 * the errors of successive rounds independent. h and s come from a 32-bit integer hash of (seed, j): no table,
 * one pass over the parameters, no allocation.
 */
import { hashSeed } from '../../lib/random/index.ts'
import { InvalidSketchError } from './errors.ts'

/** The seed of round `round`'s sketch map in a run seeded `runSeed` (the same on every peer). */
export function sketchSeed (runSeed: number, round: number): number {
  return hashSeed(runSeed, 'telemetry-sketch', round)
}

/**
 * Writes the CountSketch of `x` under `seed` into `out` (its length k, a power of two, is the bucket count),
 * accumulating in float64. Throws InvalidSketchError when k is not a power of two.
 */
export function sketchInto (x: Float32Array, seed: number, out: Float64Array): Float64Array {
  const k = out.length
  if (k === 0 || (k & (k - 1)) !== 0) throw new InvalidSketchError(`sketch size must be a power of two, got ${k}`)
  out.fill(0)
  const mask = k - 1
  const s = Math.imul(seed | 0, 0x9e3779b1) ^ 0x5bd1e995
  for (let j = 0; j < x.length; j++) {
    // murmur3's 32-bit finaliser of (j XOR s): a bijection of j that mixes every bit
    let h = j ^ s
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b)
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35)
    h ^= h >>> 16
    // low bits pick the bucket, the top bit the sign ((h >> 31) | 1 is −1 or 1: no branch to mispredict)
    out[h & mask] += ((h >> 31) | 1) * x[j]
  }
  return out
}

/** The sketch as float32 (what travels), from `sketchInto`. */
export function sketch (x: Float32Array, seed: number, size: number): Float32Array {
  return Float32Array.from(sketchInto(x, seed, new Float64Array(size)))
}

/**
 * (1/m) Σ_i ‖y_i − ȳ‖² over m ≥ 1 sketches of one map: the estimate of the consensus distance of those m peers.
 * Two passes in float64 (mean, then spread) so that a small distance is not lost beside a large ‖ȳ‖².
 */
export function consensusFromSketches (sketches: ReadonlyArray<ArrayLike<number>>): number {
  const m = sketches.length
  if (m === 0) throw new InvalidSketchError('consensusFromSketches: expected at least one sketch, got none')
  const k = sketches[0].length
  for (const y of sketches) if (y.length !== k) throw new InvalidSketchError(`consensusFromSketches: sketches differ in size (${k} and ${y.length})`)
  const mean = new Float64Array(k)
  for (const y of sketches) for (let b = 0; b < k; b++) mean[b] += y[b]
  for (let b = 0; b < k; b++) mean[b] /= m
  let sum = 0
  for (const y of sketches) {
    for (let b = 0; b < k; b++) {
      const d = y[b] - mean[b]
      sum += d * d
    }
  }
  return sum / m
}
