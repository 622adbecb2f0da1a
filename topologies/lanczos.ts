/**
 * max(|λ₂|, |λₙ|) of W for large graphs without forming W: Lanczos on the sparse W restricted to the
 * complement of the all-ones vector (W·1 = 1 and W symmetric, so 1⊥ is invariant and its extreme
 * eigenvalues are exactly λ₂ and λₙ). Full reorthogonalisation keeps the basis orthogonal in floating point
 * (Golub & Van Loan §10.3); the residual of a Ritz value θ is bounded by β_k·|s_k| (Parlett, "The Symmetric
 * Eigenvalue Problem", §13.2), which decides convergence at both ends of the spectrum.
 *
 * Converges in a few hundred steps on expanders (random regular, Erdős–Rényi, exponential graphs); on a
 * large ring or torus the top eigenvalues crowd together (gaps ~1/n²): there it runs on the inverses of
 * I − W and I + W instead (shift-and-invert, see lambda2Sparse), and throws rather than guess when neither works.
 */

import { createRng } from '../lib/random/index.ts'
import type { Graph } from './graphs.ts'
import { maxDegree, validateGraph } from './graphs.ts'
import { edgeWeight, parseWeightScheme, selfWeight } from './weights.ts'
import type { WeightScheme } from './weights.ts'
import { tridiagonalQL } from './eigen.ts'
import { EigenConvergenceError } from './errors.ts'
import { BandMatrix, reverseCuthillMcKee } from './banded.ts'
import type { Ordering } from './banded.ts'
import { DEFAULT_WEIGHT_SCHEME, LANCZOS_MAX_ITERATIONS, LANCZOS_TOL } from './constants.ts'

export interface SparseSpectrumOptions {
  /** seed of the random start vector; default 0 */
  seed?: number
  /** residual bound at which both extreme Ritz values count as converged; default LANCZOS_TOL (1e-10) */
  tol?: number
  /** most Lanczos steps (basis vectors kept); default min(n − 1, LANCZOS_MAX_ITERATIONS) */
  maxIterations?: number
  /** 'auto' (default), 'lanczos' (on W only) or 'shift-invert' (see lambda2Sparse) */
  method?: 'auto' | 'lanczos' | 'shift-invert'
}

export interface SparseSpectrum {
  /** max(|λ₂|, |λₙ|) */
  readonly lambda2: number
  /** λ₂, the largest eigenvalue on 1⊥ */
  readonly second: number
  /** λₙ, the smallest eigenvalue */
  readonly last: number
  /** Lanczos steps, summed over both ends for shift-invert */
  readonly iterations: number
  /** 'lanczos' on W, or 'shift-invert' on (I − W)⁺ and (I + W)⁻¹ */
  readonly method: 'lanczos' | 'shift-invert'
  /**
   * false when λₙ did not converge and `last` is the smallest Ritz value, an upper bound on λₙ (the
   * Gershgorin bound min_i(W_ii − Σ_j W_ij) is a lower one): lambda2 is still exact, because both bounds
   * are below λ₂ in modulus
   */
  readonly lastExact: boolean
}

/** Sparse rows of W: for node i, weights of adjacency[i] at offsets[i]..offsets[i+1], and its self weight. */
function sparseWeights (g: Graph, scheme: WeightScheme): { offsets: Int32Array, cols: Int32Array, vals: Float64Array, diag: Float64Array } {
  const n = g.n
  const dMax = maxDegree(g)
  const offsets = new Int32Array(n + 1)
  for (let i = 0; i < n; i++) offsets[i + 1] = offsets[i] + g.adjacency[i].length
  const cols = new Int32Array(offsets[n])
  const vals = new Float64Array(offsets[n])
  const diag = new Float64Array(n)
  const nbDegrees = new Float64Array(dMax)
  for (let i = 0; i < n; i++) {
    const nb = g.adjacency[i]
    for (let k = 0; k < nb.length; k++) {
      nbDegrees[k] = g.adjacency[nb[k]].length
      cols[offsets[i] + k] = nb[k]
      vals[offsets[i] + k] = edgeWeight(scheme, nb.length, nbDegrees[k], dMax)
    }
    diag[i] = selfWeight(scheme, nb.length, nbDegrees.subarray(0, nb.length), dMax)
  }
  return { offsets, cols, vals, diag }
}

/**
 * λ₂, λₙ and max(|λ₂|, |λₙ|) of the mixing matrix of g under `scheme`, by Lanczos on 1⊥: on W itself, or
 * (method 'shift-invert') on (I − W)⁺ and (I + W)⁻¹, whose largest eigenvalues on 1⊥ are 1/(1 − λ₂) and
 * 1/(1 + λₙ). Near 1 a ring's eigenvalues are ~1/n² apart, which plain Lanczos cannot resolve in fewer than
 * ~n steps; after inversion they are a factor ~4 apart and ~20 steps suffice. Each step then solves with a
 * band Cholesky factor (banded.ts) in the reverse Cuthill–McKee order, cheap exactly on such long,
 * narrow graphs. 'auto' (default) inverts when that band is narrow (≤ SHIFT_INVERT_BAND) and otherwise runs
 * plain Lanczos, falling back to inversion if that does not converge and the factor fits SHIFT_INVERT_BUDGET.
 * Throws EigenConvergenceError when no method converges.
 */
export function lambda2Sparse (g: Graph, scheme: WeightScheme | string = DEFAULT_WEIGHT_SCHEME, opts: SparseSpectrumOptions = {}): SparseSpectrum {
  validateGraph(g)
  const s = parseWeightScheme(scheme)
  const n = g.n
  if (n === 1) return { lambda2: 0, second: 0, last: 0, iterations: 0, method: 'lanczos', lastExact: true }
  const tol = opts.tol ?? LANCZOS_TOL
  const kMax = Math.min(n - 1, opts.maxIterations ?? LANCZOS_MAX_ITERATIONS)
  const seed = opts.seed ?? 0
  const weights = sparseWeights(g, s)
  const method = opts.method ?? 'auto'
  const ordering = method === 'lanczos' ? null : reverseCuthillMcKee(g)
  if (ordering !== null && (method === 'shift-invert' || ordering.bandwidth <= SHIFT_INVERT_BAND)) {
    return shiftInvert(weights, ordering, kMax, tol, seed)
  }
  const { offsets, cols, vals, diag } = weights
  const applyW = (v: Float64Array, w: Float64Array): void => {
    for (let i = 0; i < n; i++) {
      let acc = diag[i] * v[i]
      for (let p = offsets[i]; p < offsets[i + 1]; p++) acc += vals[p] * v[cols[p]]
      w[i] = acc
    }
  }
  const ends = lanczos(n, applyW, kMax, seed, (e) => e.maxResidual <= tol && e.minResidual <= tol)
  if (ends.converged) {
    return { lambda2: Math.max(Math.abs(ends.max), Math.abs(ends.min)), second: ends.max, last: ends.min, iterations: ends.iterations, method: 'lanczos', lastExact: true }
  }
  if (ordering !== null && n * ordering.bandwidth * ordering.bandwidth <= SHIFT_INVERT_BUDGET) {
    return shiftInvert(weights, ordering, kMax, tol, seed)
  }
  throw new EigenConvergenceError(`Lanczos did not converge in ${kMax} steps (residuals ${ends.maxResidual.toExponential(2)} at λ₂ ≈ ${ends.max}, ${ends.minResidual.toExponential(2)} at λₙ ≈ ${ends.min}); the spectrum is too crowded near its ends and the graph's band (${ordering?.bandwidth ?? 'not computed'}) is too wide to invert: raise maxIterations or use the dense eigenvalues()`)
}

/** Band half-widths up to this go straight to shift-and-invert (a ring has 2, a 2×n torus 4, a 64×64 torus ~127). */
export const SHIFT_INVERT_BAND = 48
/** n·b² (the band Cholesky's flops) up to which a plain Lanczos failure falls back to shift-and-invert. */
export const SHIFT_INVERT_BUDGET = 4e9

type SparseW = ReturnType<typeof sparseWeights>

/** λ₂ from the top of (I − W)⁺ on 1⊥ (the Laplacian grounded at the last node in RCM order), λₙ from the top of (I + W)⁻¹ on 1⊥. */
function shiftInvert (w: SparseW, ordering: Ordering, kMax: number, tol: number, seed: number): SparseSpectrum {
  const { offsets, cols, vals, diag } = w
  const n = diag.length
  const { order, pos, bandwidth } = ordering
  // sign −1: I − W with node order[n − 1] removed (grounding makes the Laplacian positive definite on a
  // connected graph; the removed equation is minus the sum of the others when the right side sums to 0)
  // sign +1: I + W, positive definite since λₙ > −1 for every weight scheme here (W_ii > 0)
  const factor = (sign: 1 | -1): BandMatrix => {
    const m = sign === -1 ? n - 1 : n
    const a = new BandMatrix(m, bandwidth)
    for (let p = 0; p < m; p++) {
      const i = order[p]
      a.add(p, p, 1 + sign * diag[i])
      for (let q = offsets[i]; q < offsets[i + 1]; q++) {
        const pj = pos[cols[q]]
        if (pj < p) a.add(p, pj, sign * vals[q])
      }
    }
    if (!a.cholesky()) throw new EigenConvergenceError(`shift-and-invert: I ${sign === -1 ? '−' : '+'} W is not positive definite in floating point (disconnected graph, or λₙ = −1)`)
    return a
  }
  const solveWith = (a: BandMatrix): ((v: Float64Array, out: Float64Array) => void) => {
    const x = new Float64Array(n)
    return (v, out) => {
      for (let p = 0; p < n; p++) x[p] = v[order[p]]
      if (a.m === n - 1) x[n - 1] = 0
      a.solve(x.subarray(0, a.m))
      if (a.m === n - 1) x[n - 1] = 0
      for (let p = 0; p < n; p++) out[order[p]] = x[p]
    }
  }
  // The top Ritz value θ of an inverse only: its residual relative to θ bounds the relative error of 1/θ.
  const top = (a: BandMatrix): { theta: number, iterations: number } => {
    const e = lanczos(n, solveWith(a), kMax, seed, (r) => r.maxResidual <= tol * Math.abs(r.max))
    if (!e.converged) throw new EigenConvergenceError(`shift-and-invert Lanczos did not converge in ${kMax} steps (residual ${e.maxResidual.toExponential(2)} at θ ≈ ${e.max})`)
    return { theta: e.max, iterations: e.iterations }
  }
  const upper = top(factor(-1))
  const second = 1 - 1 / upper.theta
  // λₙ: (I + W)⁻¹ separates the bottom of the spectrum only where it is not crowded too (on a ring it is:
  // 1 + λ near 2/3 with gaps ~1/n²). Try it; if it does not converge, bound λₙ instead between the
  // Gershgorin bound min_i(W_ii − Σ_j W_ij) and the smallest Ritz value of plain Lanczos on W, which settles
  // max(|λ₂|, |λₙ|) whenever both bounds are below λ₂ in modulus.
  try {
    const lower = top(factor(1))
    const last = 1 / lower.theta - 1
    return { lambda2: Math.max(Math.abs(second), Math.abs(last)), second, last, iterations: upper.iterations + lower.iterations, method: 'shift-invert', lastExact: true }
  } catch (err) {
    if (!(err instanceof EigenConvergenceError)) throw err
  }
  let gershgorin = Infinity
  for (let i = 0; i < n; i++) {
    let off = 0
    for (let q = offsets[i]; q < offsets[i + 1]; q++) off += Math.abs(vals[q])
    gershgorin = Math.min(gershgorin, diag[i] - off)
  }
  const applyW = (v: Float64Array, out: Float64Array): void => {
    for (let i = 0; i < n; i++) {
      let acc = diag[i] * v[i]
      for (let q = offsets[i]; q < offsets[i + 1]; q++) acc += vals[q] * v[cols[q]]
      out[i] = acc
    }
  }
  const plain = lanczos(n, applyW, kMax, seed, (e) => e.minResidual <= tol)
  const bound = Math.max(Math.abs(gershgorin), Math.abs(plain.min))
  if (!plain.converged && !(bound < Math.abs(second))) {
    throw new EigenConvergenceError(`λₙ did not converge in ${kMax} steps and its bounds [${gershgorin}, ${plain.min}] do not settle max(|λ₂|, |λₙ|) against λ₂ = ${second}: raise maxIterations or use the dense eigenvalues()`)
  }
  return { lambda2: Math.max(Math.abs(second), Math.abs(plain.min)), second, last: plain.min, iterations: upper.iterations + plain.iterations, method: 'shift-invert', lastExact: plain.converged }
}

interface LanczosEnds { max: number, min: number, maxResidual: number, minResidual: number, iterations: number, converged: boolean }

/**
 * Lanczos with full reorthogonalisation on 1⊥ for a symmetric operator that keeps 1⊥ invariant. Checks
 * `done` every 5 steps (and when the Krylov space is exhausted, which is exact convergence).
 */
function lanczos (n: number, apply: (v: Float64Array, out: Float64Array) => void, kMax: number, seed: number,
  done: (e: LanczosEnds) => boolean): LanczosEnds {
  const basis = new Float64Array(kMax * n)
  const alpha = new Float64Array(kMax)
  const beta = new Float64Array(kMax)
  const w = new Float64Array(n)
  const rng = createRng(seed)
  for (let i = 0; i < n; i++) w[i] = rng.normal()
  removeMean(w)
  scaleTo(w, 1 / norm(w))
  basis.set(w, 0)
  let scale = 0
  let ends: LanczosEnds = { max: NaN, min: NaN, maxResidual: Infinity, minResidual: Infinity, iterations: 0, converged: false }
  for (let k = 0; k < kMax; k++) {
    const v = basis.subarray(k * n, k * n + n)
    apply(v, w)
    alpha[k] = dot(w, v)
    scale = Math.max(scale, Math.abs(alpha[k]))
    // Full reorthogonalisation, twice ("twice is enough", Parlett §6.9), and the ones direction removed.
    for (let pass = 0; pass < 2; pass++) {
      removeMean(w)
      for (let j = 0; j <= k; j++) {
        const vj = basis.subarray(j * n, j * n + n)
        const c = dot(w, vj)
        for (let i = 0; i < n; i++) w[i] -= c * vj[i]
      }
    }
    beta[k] = norm(w)
    const steps = k + 1
    const exhausted = beta[k] < 1e-12 * Math.max(1, scale) || steps === n - 1
    if (exhausted || steps % 5 === 0 || steps === kMax) {
      const r = extremeRitz(alpha, beta, steps)
      ends = { ...r, iterations: steps, converged: false }
      if (exhausted || done(ends)) return { ...ends, converged: true }
    }
    if (k + 1 < kMax) {
      scaleTo(w, 1 / beta[k])
      basis.set(w, (k + 1) * n)
    }
  }
  return ends
}

/** Largest and smallest eigenvalues of the k×k Lanczos tridiagonal, with their residual bounds β_k·|s_last|. */
function extremeRitz (alpha: Float64Array, beta: Float64Array, k: number): { max: number, min: number, maxResidual: number, minResidual: number } {
  const d = alpha.slice(0, k)
  const e = new Float64Array(k)
  for (let i = 1; i < k; i++) e[i] = beta[i - 1]
  const last = new Float64Array(k)
  last[k - 1] = 1
  tridiagonalQL(d, e, last, 1)
  let iMax = 0
  let iMin = 0
  for (let i = 1; i < k; i++) {
    if (d[i] > d[iMax]) iMax = i
    if (d[i] < d[iMin]) iMin = i
  }
  const b = beta[k - 1]
  return { max: d[iMax], min: d[iMin], maxResidual: Math.abs(b * last[iMax]), minResidual: Math.abs(b * last[iMin]) }
}

function removeMean (x: Float64Array): void {
  let s = 0
  for (let i = 0; i < x.length; i++) s += x[i]
  const m = s / x.length
  for (let i = 0; i < x.length; i++) x[i] -= m
}

function dot (x: Float64Array, y: Float64Array): number {
  let s = 0
  for (let i = 0; i < x.length; i++) s += x[i] * y[i]
  return s
}

function norm (x: Float64Array): number {
  return Math.sqrt(dot(x, x))
}

function scaleTo (x: Float64Array, a: number): void {
  for (let i = 0; i < x.length; i++) x[i] *= a
}
