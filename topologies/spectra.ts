/**
 * Spectral quantities of a mixing matrix W that govern how fast gossip averages.
 *
 * For symmetric doubly-stochastic W with eigenvalues 1 = λ₁ ≥ λ₂ ≥ … ≥ λₙ, the disagreement ‖x − x̄‖ shrinks
 * per round by at most max(|λ₂|, |λₙ|) (Xiao & Boyd 2004, "Fast linear iterations for distributed averaging",
 * eq. 5): that is `lambda2`, the spectral gap is 1 − lambda2, and ‖I − W‖₂ = max |1 − λ| = 1 − λₙ bounds the
 * consensus terms in D-PSGD / CHOCO-SGD analyses (Koloskova et al. 2019).
 */

import type { Graph } from './graphs.ts'
import { degrees, edgeCount, isConnected } from './graphs.ts'
import type { SymmetricMatrix, WeightMatrix, WeightScheme } from './weights.ts'
import { mixingMatrix, parseWeightScheme } from './weights.ts'
import { eigenvalues } from './eigen.ts'
import { lambda2Sparse } from './lanczos.ts'
import type { SparseSpectrumOptions } from './lanczos.ts'
import { InvalidMatrixError } from './errors.ts'
import { DEFAULT_MIXING_EPS, DEFAULT_WEIGHT_SCHEME, GAP_ROUNDOFF } from './constants.ts'

/** max(|λ₂|, |λₙ|) from eigenvalues sorted descending (λ₁ is taken to be the consensus eigenvalue 1). 0 when n = 1. */
export function lambda2FromEigenvalues (descending: ArrayLike<number>): number {
  const n = descending.length
  if (n < 2) return 0
  return Math.max(Math.abs(descending[1]), Math.abs(descending[n - 1]))
}

/** Second largest eigenvalue modulus of W: max(|λ₂|, |λₙ|). */
export function lambda2 (W: SymmetricMatrix): number {
  return lambda2FromEigenvalues(eigenvalues(W))
}

/** 1 − max(|λ₂|, |λₙ|): 0 for a disconnected graph, 1 for exact averaging in one round. */
export function spectralGap (W: SymmetricMatrix): number {
  return 1 - lambda2(W)
}

/** ‖I − W‖₂ = max_k |1 − λ_k| (W symmetric). */
export function normIminusW (W: SymmetricMatrix): number {
  return normIminusWFromEigenvalues(eigenvalues(W))
}

/** ‖I − W‖₂ from eigenvalues sorted descending. */
export function normIminusWFromEigenvalues (descending: ArrayLike<number>): number {
  const n = descending.length
  return Math.max(Math.abs(1 - descending[0]), Math.abs(1 - descending[n - 1]))
}

/**
 * Rounds until the disagreement has shrunk by ε: ⌈ln(1/ε) / gap⌉, from lambda2^t ≤ e^(−t·gap) ≤ ε.
 * Infinity for gap ≤ 0 (no consensus). A gap of 1 (within round-off) means lambda2 = 0: every eigenvalue of W
 * but the consensus one is 0, so W = 11ᵀ/n and one round averages exactly: 1, not the bound's ⌈ln(1/ε)⌉ = 7.
 * (A single peer has nothing to average: summarizeSpectrum and describe report 0 rounds for n = 1.)
 */
export function mixingTime (gap: number, eps: number = DEFAULT_MIXING_EPS): number {
  if (!(eps > 0 && eps < 1)) throw new RangeError(`mixingTime needs 0 < eps < 1, got ${String(eps)}`)
  if (Number.isNaN(gap)) throw new RangeError('mixingTime needs a spectral gap, got NaN')
  if (gap <= 0) return Infinity
  if (gap >= 1 - GAP_ROUNDOFF) return 1
  return Math.ceil(Math.log(1 / eps) / gap)
}

/** mixingTime for a matrix of n nodes: 0 rounds for one node (no disagreement to remove), else mixingTime(gap). */
function mixingTimeOf (n: number, gap: number, eps: number = DEFAULT_MIXING_EPS): number {
  if (n <= 1) {
    mixingTime(gap, eps) // the same argument checks
    return 0
  }
  return mixingTime(gap, eps)
}

/**
 * The gap and lambda2 as reported: a gap at or below the solver's round-off is 0 and lambda2 then exactly 1,
 * so lambda2 + spectralGap = 1 holds in what is printed (a disconnected graph's λ₂ = 1 comes out as 1 − 1 ulp).
 */
function snapGap (l2: number): { lambda2: number, spectralGap: number } {
  const raw = 1 - l2
  return raw > GAP_ROUNDOFF ? { lambda2: l2, spectralGap: raw } : { lambda2: 1, spectralGap: 0 }
}

export interface SpectrumSummary {
  /** max(|λ₂|, |λₙ|) */
  readonly lambda2: number
  readonly spectralGap: number
  readonly normIminusW: number
  /** ⌈ln(1/ε)/gap⌉ rounds for ε = 1e-3; 1 when lambda2 = 0 (W = 11ᵀ/n), 0 for one node; Infinity when the gap is 0 */
  readonly mixingTime: number
}

/** lambda2, gap, ‖I − W‖ and mixing time from eigenvalues sorted descending. */
export function summarizeSpectrum (descending: ArrayLike<number>, eps: number = DEFAULT_MIXING_EPS): SpectrumSummary {
  // A disconnected graph has λ₂ = 1 exactly, computed as 1 ± a few ulps: a gap below the solver's
  // round-off is reported as 0 (and lambda2 as 1) so the mixing time reads Infinity rather than 1e16.
  const { lambda2: l2, spectralGap: gap } = snapGap(lambda2FromEigenvalues(descending))
  return { lambda2: l2, spectralGap: gap, normIminusW: normIminusWFromEigenvalues(descending), mixingTime: mixingTimeOf(descending.length, gap, eps) }
}

export interface TopologySummary extends SpectrumSummary {
  readonly n: number
  readonly edges: number
  readonly connected: boolean
  readonly degree: { readonly min: number, readonly mean: number, readonly max: number }
  /** the weight scheme of W */
  readonly scheme: string
  /** all eigenvalues of W, descending (a plain array, ready for JSON) */
  readonly eigenvalues: number[]
}

/**
 * Everything the `murmur graph` command prints about a topology: size, degrees, connectivity and the
 * spectrum of W (default: Metropolis weights of the graph). Dense: O(n³) time, n ≤ MAX_DENSE_NODES
 * (n = 1,024 takes well under 2 s); for larger graphs use describeSparse.
 */
export function describe (graph: Graph, W: WeightMatrix = mixingMatrix(graph)): TopologySummary {
  if (W.n !== graph.n) throw new InvalidMatrixError(`W is ${W.n}×${W.n} but the graph has n = ${graph.n}`)
  const values = eigenvalues(W)
  return {
    ...graphStats(graph),
    scheme: W.scheme,
    eigenvalues: Array.from(values),
    ...summarizeSpectrum(values)
  }
}

/**
 * describe without the dense matrix: λ₂ and λₙ by Lanczos (lambda2Sparse), so no eigenvalue list.
 * ‖I − W‖ = 1 − λₙ since λ₁ = 1. Throws EigenConvergenceError where Lanczos cannot separate the extremes
 * (large rings and tori: use the closed forms there).
 */
export function describeSparse (graph: Graph, scheme: WeightScheme | string = DEFAULT_WEIGHT_SCHEME, opts: SparseSpectrumOptions = {}): Omit<TopologySummary, 'eigenvalues'> {
  const s = parseWeightScheme(scheme)
  const sparse = lambda2Sparse(graph, s, opts)
  const { lambda2: l2, spectralGap: gap } = snapGap(sparse.lambda2)
  return {
    ...graphStats(graph),
    scheme: s,
    lambda2: l2,
    spectralGap: gap,
    normIminusW: graph.n === 1 ? 0 : 1 - sparse.last,
    mixingTime: mixingTimeOf(graph.n, gap)
  }
}

function graphStats (graph: Graph): Pick<TopologySummary, 'n' | 'edges' | 'connected' | 'degree'> {
  const deg = degrees(graph)
  let min = Infinity
  let max = 0
  let sum = 0
  for (let i = 0; i < deg.length; i++) {
    if (deg[i] < min) min = deg[i]
    if (deg[i] > max) max = deg[i]
    sum += deg[i]
  }
  return { n: graph.n, edges: edgeCount(graph), connected: isConnected(graph), degree: { min, mean: sum / graph.n, max } }
}
