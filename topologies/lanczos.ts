/**
 * max(|λ₂|, |λₙ|) of W for large graphs without forming W: Lanczos on the sparse W restricted to the
 * complement of the all-ones vector (W·1 = 1 and W symmetric, so 1⊥ is invariant and its extreme
 * eigenvalues are exactly λ₂ and λₙ). Full reorthogonalisation keeps the basis orthogonal in floating point
 * (Golub & Van Loan §10.3); the residual of a Ritz value θ is bounded by β_k·|s_k| (Parlett, "The Symmetric
 * Eigenvalue Problem", §13.2), which decides convergence at both ends of the spectrum.
 *
 * Converges in a few hundred steps on expanders (random regular, Erdős–Rényi, exponential graphs); on a
 * large ring or torus the top eigenvalues crowd together (gaps ~1/n²) and it throws instead of guessing:
 * use the closed forms or the dense solver there.
 */

import { createRng } from '../lib/random/index.ts'
import type { Graph } from './graphs.ts'
import { maxDegree, validateGraph } from './graphs.ts'
import { edgeWeight, parseWeightScheme, selfWeight } from './weights.ts'
import type { WeightScheme } from './weights.ts'
import { tridiagonalQL } from './eigen.ts'
import { EigenConvergenceError } from './errors.ts'
import { DEFAULT_WEIGHT_SCHEME, LANCZOS_MAX_ITERATIONS, LANCZOS_TOL } from './constants.ts'

export interface SparseSpectrumOptions {
  /** seed of the random start vector; default 0 */
  seed?: number
  /** residual bound at which both extreme Ritz values count as converged; default LANCZOS_TOL (1e-10) */
  tol?: number
  /** most Lanczos steps (basis vectors kept); default min(n − 1, LANCZOS_MAX_ITERATIONS) */
  maxIterations?: number
}

export interface SparseSpectrum {
  /** max(|λ₂|, |λₙ|) */
  readonly lambda2: number
  /** λ₂, the largest eigenvalue on 1⊥ */
  readonly second: number
  /** λₙ, the smallest eigenvalue */
  readonly last: number
  readonly iterations: number
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
 * λ₂, λₙ and max(|λ₂|, |λₙ|) of the mixing matrix of g under `scheme`, by Lanczos on 1⊥.
 * Throws EigenConvergenceError when the extremes have not converged within maxIterations.
 */
export function lambda2Sparse (g: Graph, scheme: WeightScheme | string = DEFAULT_WEIGHT_SCHEME, opts: SparseSpectrumOptions = {}): SparseSpectrum {
  validateGraph(g)
  const s = parseWeightScheme(scheme)
  const n = g.n
  if (n === 1) return { lambda2: 0, second: 0, last: 0, iterations: 0 }
  const tol = opts.tol ?? LANCZOS_TOL
  const kMax = Math.min(n - 1, opts.maxIterations ?? LANCZOS_MAX_ITERATIONS)
  const { offsets, cols, vals, diag } = sparseWeights(g, s)

  const basis = new Float64Array(kMax * n)
  const alpha = new Float64Array(kMax)
  const beta = new Float64Array(kMax)
  const w = new Float64Array(n)
  const rng = createRng(opts.seed ?? 0)
  for (let i = 0; i < n; i++) w[i] = rng.normal()
  removeMean(w)
  scaleTo(w, 1 / norm(w))
  basis.set(w, 0)

  for (let k = 0; k < kMax; k++) {
    const v = basis.subarray(k * n, k * n + n)
    // w = W·v
    for (let i = 0; i < n; i++) {
      let acc = diag[i] * v[i]
      for (let p = offsets[i]; p < offsets[i + 1]; p++) acc += vals[p] * v[cols[p]]
      w[i] = acc
    }
    alpha[k] = dot(w, v)
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
    const exhausted = beta[k] < 1e-12 || steps === n - 1
    if (exhausted || steps % 5 === 0 || steps === kMax) {
      const ends = extremeRitz(alpha, beta, steps)
      if (exhausted || (ends.maxResidual <= tol && ends.minResidual <= tol)) {
        const second = ends.max
        const last = ends.min
        return { lambda2: Math.max(Math.abs(second), Math.abs(last)), second, last, iterations: steps }
      }
      if (steps === kMax) {
        throw new EigenConvergenceError(`Lanczos did not converge in ${kMax} steps (residuals ${ends.maxResidual.toExponential(2)} at λ₂ ≈ ${ends.max}, ${ends.minResidual.toExponential(2)} at λₙ ≈ ${ends.min}); the spectrum is too crowded near its ends: raise maxIterations or use the dense eigenvalues()`)
      }
    }
    if (k + 1 < kMax) {
      scaleTo(w, 1 / beta[k])
      basis.set(w, (k + 1) * n)
    }
  }
  throw new EigenConvergenceError('Lanczos ended without a result')
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
