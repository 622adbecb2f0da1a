/**
 * How a peer combines its own vector with its neighbours' (the mixing step), robust or not:
 *
 * - `mean`: w_ii x_i + Σ_j w_ij x_j, the plain gossip average (lib/vector linearCombination, unchanged).
 * - `clip:TAU`: ClippedGossip, the self-centred clipping of He, Karimireddy & Jaggi 2022 ("Byzantine-robust
 *   decentralized learning via ClippedGossip", arXiv 2202.01545, eq. (CG)):
 *       x_i ← x_i + Σ_j w_ij · clip(x_j − x_i, τ),   clip(v, τ) = v · min(1, τ/‖v‖).
 *   A neighbour moves the result by at most w_ij·τ however far away it is.
 * - `clip:auto[:F]`: the same with an adaptive τ_i each round. The paper's practical rule clips the farthest
 *   neighbours whose weight is the Byzantine weight δ_i the peer must tolerate, so τ_i is the distance of
 *   the closest neighbour left unclipped; its reference code (epfml/byzantine-robust-decentralized-optimizer,
 *   codes/aggregator.py, SelfCenteredClipping with tau=None) takes τ = the second-largest ‖x_j − x_i‖, i.e.
 *   δ_i = one neighbour, as each of its attacked peers had one Byzantine neighbour. Here δ_i = F · Σ_j w_ij
 *   (default F = 1/4: up to a quarter of the neighbours' weight may be Byzantine): sort the distances,
 *   clip the farthest neighbours until their weight reaches δ_i, τ_i = the next distance. At least one
 *   neighbour is left unclipped, and a peer with a single neighbour does not clip (as the reference).
 * - `trimmed:B`: coordinate-wise trimmed mean (Yin et al. 2018; the reference's DeTM over self and
 *   neighbours): per coordinate, drop the B largest and B smallest of the m + 1 values and average the rest
 *   with their mixing weights renormalised. B = 0 is the weighted mean; B is lowered to ⌊m/2⌋ when fewer
 *   values arrived, so at least one value is left.
 *
 * Clipping is a reweighting: with s_j = min(1, τ/‖x_j − x_i‖) it is (w_ii + Σ_j w_ij(1 − s_j)) x_i +
 * Σ_j w_ij s_j x_j, one linearCombination with new coefficients (no extra pass, no allocation; with
 * nothing clipped the coefficients are the mean's, bit for bit). Every `combine` returns false when an
 * input is not finite, without trusting the output: callers drop non-finite inputs (counted) and mix again.
 */

import { dist2sq, linearCombination } from '../vector/index.ts'
import { InvalidAlgorithmConfigError } from './errors.ts'

/** Mixing rule when the config gives none: the plain weighted mean. */
export const DEFAULT_AGGREGATE = 'mean'
/**
 * clip:auto: the share of a peer's neighbour weight assumed Byzantine (δ_i / Σ_j W_ij); the farthest
 * neighbours up to that weight are clipped each round.
 */
export const DEFAULT_CLIP_AUTO_FRACTION = 0.25

export type AggregateRule =
  | { kind: 'mean' }
  | { kind: 'clip', tau: number }
  | { kind: 'clip-auto', fraction: number }
  | { kind: 'trimmed', b: number }

/** What the last `combine` did (for logs and tests). */
export interface AggregateStats {
  /** neighbours whose difference was shortened (clip rules) */
  clipped: number
  /** the clipping radius used (Infinity when none; NaN for mean and trimmed) */
  tau: number
  /** values dropped per coordinate, 2·B_effective (trimmed) */
  trimmed: number
}

export interface Aggregator {
  /** canonical spec: 'mean', 'clip:0.5', 'clip:auto', 'clip:auto:0.3', 'trimmed:1' */
  readonly spec: string
  readonly rule: AggregateRule
  /**
   * out ← the aggregate of `self` (weight `selfWeight`) and `vectors` (weights `weights`, same order), the
   * weights one row of W (they sum to 1). Returns true when every input (hence the output) is finite; on
   * false `out` holds no meaning. `out` must not be one of the inputs.
   */
  combine (out: Float32Array, self: Float32Array, selfWeight: number, weights: ArrayLike<number>, vectors: readonly Float32Array[]): boolean
  readonly last: Readonly<AggregateStats>
}

function bad (expected: string, got: string): never {
  throw new InvalidAlgorithmConfigError('aggregate', `aggregate: expected ${expected}, got ${JSON.stringify(got)}`)
}

const FORMS = "'mean', 'clip:TAU' (TAU > 0), 'clip:auto', 'clip:auto:F' (0 < F < 1) or 'trimmed:B' (B an integer ≥ 0)"

/** Parses an aggregate spec; InvalidAlgorithmConfigError (field 'aggregate') names the accepted forms. */
export function parseAggregateRule (spec: string): AggregateRule {
  if (typeof spec !== 'string') bad(FORMS, String(spec))
  const s = spec.trim().toLowerCase()
  if (s === 'mean') return { kind: 'mean' }
  if (s === 'clip:auto') return { kind: 'clip-auto', fraction: DEFAULT_CLIP_AUTO_FRACTION }
  let m = /^clip:auto:(.+)$/.exec(s)
  if (m !== null) {
    const f = Number(m[1])
    if (!Number.isFinite(f) || f <= 0 || f >= 1) bad(`F in (0, 1) in 'clip:auto:F' (the share of the neighbours' weight assumed Byzantine)`, spec)
    return { kind: 'clip-auto', fraction: f }
  }
  m = /^clip:(.+)$/.exec(s)
  if (m !== null) {
    const tau = Number(m[1])
    if (!Number.isFinite(tau) || tau <= 0) bad(`a finite radius TAU > 0 in 'clip:TAU', or 'clip:auto'`, spec)
    return { kind: 'clip', tau }
  }
  m = /^trimmed:(.+)$/.exec(s)
  if (m !== null) {
    const b = Number(m[1])
    if (!Number.isInteger(b) || b < 0 || b > 1024) bad(`an integer B in [0, 1024] in 'trimmed:B' (values dropped at each end per coordinate)`, spec)
    return { kind: 'trimmed', b }
  }
  return bad(FORMS, spec)
}

export function aggregateSpec (rule: AggregateRule): string {
  switch (rule.kind) {
    case 'mean': return 'mean'
    case 'clip': return `clip:${rule.tau}`
    case 'clip-auto': return rule.fraction === DEFAULT_CLIP_AUTO_FRACTION ? 'clip:auto' : `clip:auto:${rule.fraction}`
    case 'trimmed': return `trimmed:${rule.b}`
  }
}

/** The canonical form of a spec ('CLIP:auto:0.25' → 'clip:auto'). */
export function canonicalAggregate (spec: string): string {
  return aggregateSpec(parseAggregateRule(spec))
}

export function createAggregator (spec: string | AggregateRule): Aggregator {
  const rule = typeof spec === 'string' ? parseAggregateRule(spec) : spec
  switch (rule.kind) {
    case 'mean': return new MeanAggregator()
    case 'clip': return new ClipAggregator(rule, rule.tau, 0)
    case 'clip-auto': return new ClipAggregator(rule, NaN, rule.fraction)
    case 'trimmed': return new TrimmedAggregator(rule)
  }
}

/** Reused [self, ...vectors] / [selfWeight, ...weights] lists. */
class Inputs {
  readonly coeffs: number[] = []
  readonly vectors: Float32Array[] = []

  fill (self: Float32Array, selfWeight: number, weights: ArrayLike<number>, vectors: readonly Float32Array[]): void {
    this.coeffs.length = 0
    this.vectors.length = 0
    this.coeffs.push(selfWeight)
    this.vectors.push(self)
    for (let k = 0; k < vectors.length; k++) { this.coeffs.push(weights[k]); this.vectors.push(vectors[k]) }
  }
}

class MeanAggregator implements Aggregator {
  readonly spec = 'mean'
  readonly rule: AggregateRule = { kind: 'mean' }
  readonly last: AggregateStats = { clipped: 0, tau: NaN, trimmed: 0 }
  private readonly inputs = new Inputs()

  combine (out: Float32Array, self: Float32Array, selfWeight: number, weights: ArrayLike<number>, vectors: readonly Float32Array[]): boolean {
    this.inputs.fill(self, selfWeight, weights, vectors)
    return linearCombination(out, this.inputs.coeffs, this.inputs.vectors)
  }
}

class ClipAggregator implements Aggregator {
  readonly spec: string
  readonly rule: AggregateRule
  readonly last: AggregateStats = { clipped: 0, tau: Infinity, trimmed: 0 }
  private readonly fixedTau: number
  private readonly fraction: number
  private readonly inputs = new Inputs()
  private dist = new Float64Array(8)
  private order = new Int32Array(8)

  constructor (rule: AggregateRule, tau: number, fraction: number) {
    this.rule = rule
    this.spec = aggregateSpec(rule)
    this.fixedTau = tau
    this.fraction = fraction
  }

  combine (out: Float32Array, self: Float32Array, selfWeight: number, weights: ArrayLike<number>, vectors: readonly Float32Array[]): boolean {
    const m = vectors.length
    if (this.dist.length < m) { this.dist = new Float64Array(2 * m); this.order = new Int32Array(2 * m) }
    for (let j = 0; j < m; j++) {
      const d = Math.sqrt(dist2sq(vectors[j], self))
      // a NaN or infinite distance means a non-finite input (or own parameters): the caller drops and counts it
      if (!Number.isFinite(d)) return false
      this.dist[j] = d
    }
    const tau = Number.isNaN(this.fixedTau) ? this.adaptiveTau(weights, m) : this.fixedTau
    this.inputs.fill(self, selfWeight, weights, vectors)
    const c = this.inputs.coeffs
    let clipped = 0
    for (let j = 0; j < m; j++) {
      const d = this.dist[j]
      if (d <= tau) continue
      // w_ij·clip(x_j − x_i, τ) = w_ij s_j (x_j − x_i): coefficient w_ij s_j on x_j, w_ij (1 − s_j) back to x_i
      const s = tau / d
      const w = weights[j]
      c[j + 1] = w * s
      c[0] += w - w * s
      clipped++
    }
    this.last.clipped = clipped
    this.last.tau = tau
    return linearCombination(out, c, this.inputs.vectors)
  }

  /** τ_i: clip the farthest neighbours until their weight reaches fraction · Σ_j w_ij; τ = the next distance. */
  private adaptiveTau (weights: ArrayLike<number>, m: number): number {
    if (m <= 1) return Infinity
    const order = this.order
    const dist = this.dist
    let total = 0
    for (let j = 0; j < m; j++) {
      total += weights[j]
      // insertion sort, farthest first (m is a degree: small)
      let k = j
      while (k > 0 && dist[order[k - 1]] < dist[j]) { order[k] = order[k - 1]; k-- }
      order[k] = j
    }
    const delta = this.fraction * total
    let covered = 0
    let k = 0
    // relative slack: weights that sum to δ exactly in real numbers must not leave one more clipped
    while (k < m - 1 && covered < delta * (1 - 1e-9)) covered += weights[order[k++]]
    return dist[order[k]]
  }
}

class TrimmedAggregator implements Aggregator {
  readonly spec: string
  readonly rule: AggregateRule
  readonly last: AggregateStats = { clipped: 0, tau: NaN, trimmed: 0 }
  private readonly b: number
  private values = new Float64Array(8)
  private ws = new Float64Array(8)
  private readonly inputs = new Inputs()

  constructor (rule: { kind: 'trimmed', b: number }) {
    this.rule = rule
    this.spec = aggregateSpec(rule)
    this.b = rule.b
  }

  combine (out: Float32Array, self: Float32Array, selfWeight: number, weights: ArrayLike<number>, vectors: readonly Float32Array[]): boolean {
    const n = vectors.length + 1
    const b = Math.min(this.b, Math.floor((n - 1) / 2))
    this.last.trimmed = 2 * b
    this.inputs.fill(self, selfWeight, weights, vectors)
    // nothing to trim: the weighted mean itself (bit for bit)
    if (b === 0) return linearCombination(out, this.inputs.coeffs, this.inputs.vectors)
    if (this.values.length < n) { this.values = new Float64Array(2 * n); this.ws = new Float64Array(2 * n) }
    const values = this.values
    const ws = this.ws
    const src = this.inputs.vectors
    const coeffs = this.inputs.coeffs
    const d = out.length
    for (let i = 0; i < d; i++) {
      // insertion sort of n (value, weight) pairs by value: n is a degree + 1, small
      for (let k = 0; k < n; k++) {
        const v = src[k][i]
        if (v - v !== 0) return false // NaN or ±Infinity
        const w = coeffs[k]
        let p = k
        while (p > 0 && values[p - 1] > v) { values[p] = values[p - 1]; ws[p] = ws[p - 1]; p-- }
        values[p] = v
        ws[p] = w
      }
      let sum = 0
      let wsum = 0
      for (let k = b; k < n - b; k++) { sum += ws[k] * values[k]; wsum += ws[k] }
      // weights may all be 0 (a max-degree row with W_ii = 0 and the rest trimmed): the plain mean then
      if (wsum > 0) out[i] = sum / wsum
      else {
        let s = 0
        for (let k = b; k < n - b; k++) s += values[k]
        out[i] = s / (n - 2 * b)
      }
    }
    return true
  }
}
