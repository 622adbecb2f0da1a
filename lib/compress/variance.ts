import { countOf } from './fraction.ts'
import { checkDimension } from './header.ts'
import { parseCodecSpec } from './spec.ts'

/**
 * The variance bound ω of an unbiased codec for dimension d: E Q(x) = x and E‖Q(x) − x‖² ≤ ω‖x‖² for every x.
 * - randk:f keeps k = max(1, ⌈f·d⌉) coordinates scaled by d/k: ω = d/k − 1, exactly.
 * - qsgd:s: ω = min(d/s², √d/s) (Alistarh et al. 2017, "QSGD", Lemma 3.1).
 * - Every other codec is 0: lossless (none), or biased and already contractive, E‖Q(x) − x‖² ≤ (1 − δ)‖x‖²
 *   with δ > 0 (topk, the scaled sign, fp16's rounding); an ef(...) codec is judged by what it wraps.
 * A compressor with ω ≥ 1 can send a vector farther from x than 0 is. Algorithms that need a contractive one
 * (CHOCO-SGD) scale it by 1/(1 + ω), which makes it contractive with δ = 1/(1 + ω) (Koloskova et al. 2019).
 */
export function unbiasedVariance (spec: string, d: number): number {
  checkDimension(d, spec)
  let s = parseCodecSpec(spec)
  if (s.kind === 'ef') s = s.inner
  if (s.kind === 'randk') return d / countOf(s.fraction, d) - 1
  if (s.kind === 'qsgd') return Math.min(d / (s.levels * s.levels), Math.sqrt(d) / s.levels)
  return 0
}
