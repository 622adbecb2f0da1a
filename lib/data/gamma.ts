/**
 * Gamma and Dirichlet sampling from lib/random. Gamma(a) by Marsaglia & Tsang, "A simple method for
 * generating gamma variables", ACM TOMS 26(3), 2000; for a < 1 their boost Gamma(a) = Gamma(a + 1)·U^(1/a).
 * Everything is kept in log space: for the small concentrations used to make skewed partitions
 * (α = 0.01) U^(1/α) underflows to 0 in float64 and a Dirichlet draw would become 0/0.
 */
import type { Rng } from '../random/index.ts'

/** log of one Gamma(shape, 1) draw; shape > 0. */
export function sampleLogGamma (shape: number, rng: Rng): number {
  if (shape < 1) return sampleLogGamma(shape + 1, rng) + Math.log(positiveUniform(rng)) / shape
  const d = shape - 1 / 3
  const c = 1 / Math.sqrt(9 * d)
  for (;;) {
    const x = rng.normal()
    const t = 1 + c * x
    if (t <= 0) continue
    const v = t * t * t
    const u = positiveUniform(rng)
    // the squeeze-free acceptance test of Marsaglia & Tsang (their eq. for log u)
    if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return Math.log(d * v)
  }
}

/** One Gamma(shape, 1) draw; shape > 0. */
export function sampleGamma (shape: number, rng: Rng): number {
  return Math.exp(sampleLogGamma(shape, rng))
}

/** A symmetric Dirichlet(alpha, ..., alpha) draw written into `out` (its length is the dimension). */
export function sampleDirichlet (alpha: number, rng: Rng, out: Float64Array): void {
  let max = -Infinity
  for (let i = 0; i < out.length; i++) {
    out[i] = sampleLogGamma(alpha, rng)
    if (out[i] > max) max = out[i]
  }
  // normalise exp(l_i) / Σ exp(l_j) after subtracting the max (log-sum-exp), so the largest term is 1
  let sum = 0
  for (let i = 0; i < out.length; i++) {
    out[i] = Math.exp(out[i] - max)
    sum += out[i]
  }
  for (let i = 0; i < out.length; i++) out[i] /= sum
}

function positiveUniform (rng: Rng): number {
  let u = rng.next()
  while (u === 0) u = rng.next()
  return u
}
