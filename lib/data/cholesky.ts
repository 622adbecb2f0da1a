/**
 * Dense symmetric positive-definite solve in float64 (Cholesky, Golub & Van Loan, "Matrix Computations",
 * algorithm 4.2.1), for the normal equations of small synthetic problems (dimension up to a few hundred).
 */
import { InvalidDataOptionsError } from './errors.ts'

/** Factor the d × d row-major SPD matrix `g` in place into its lower Cholesky factor L (g = L Lᵀ). */
export function choleskyInPlace (g: Float64Array, d: number): void {
  for (let j = 0; j < d; j++) {
    let diag = g[j * d + j]
    for (let k = 0; k < j; k++) diag -= g[j * d + k] * g[j * d + k]
    if (!(diag > 0)) throw new InvalidDataOptionsError(`expected a positive-definite matrix, got pivot ${diag} at column ${j} (are the features linearly dependent?)`)
    const ljj = Math.sqrt(diag)
    g[j * d + j] = ljj
    for (let i = j + 1; i < d; i++) {
      let s = g[i * d + j]
      for (let k = 0; k < j; k++) s -= g[i * d + k] * g[j * d + k]
      g[i * d + j] = s / ljj
    }
    for (let k = j + 1; k < d; k++) g[j * d + k] = 0
  }
}

/** Solve L Lᵀ x = r in place in `r`, given the factor from choleskyInPlace. */
export function choleskySolveInPlace (l: Float64Array, d: number, r: Float64Array): void {
  for (let i = 0; i < d; i++) {
    let s = r[i]
    for (let k = 0; k < i; k++) s -= l[i * d + k] * r[k]
    r[i] = s / l[i * d + i]
  }
  for (let i = d - 1; i >= 0; i--) {
    let s = r[i]
    for (let k = i + 1; k < d; k++) s -= l[k * d + i] * r[k]
    r[i] = s / l[i * d + i]
  }
}
