/**
 * Eigenvalues (and optionally eigenvectors) of a dense real symmetric matrix, in Float64.
 *
 * Householder reduction to tridiagonal form, then the implicit QL algorithm with Wilkinson shifts
 * (Golub & Van Loan, "Matrix Computations", 4th ed., §8.3 and §8.3.5; the QL form follows Bowdler, Martin,
 * Reinsch & Wilkinson 1968, "The QR and QL algorithms for symmetric matrices", as in EISPACK tql1/tql2).
 *
 * The reduction keeps only the lower triangle and walks it row by row: the symmetric product A·u reads each
 * row once and scatters the transposed contributions into a small vector (as BLAS dsymv does), and the
 * rank-2 update A ← A − u·qᵀ − q·uᵀ rewrites the same rows; every inner loop runs over contiguous memory.
 */

import type { SymmetricMatrix } from './weights.ts'
import { EigenConvergenceError, InvalidMatrixError } from './errors.ts'
import { QL_MAX_ITERATIONS } from './constants.ts'

export interface EigenDecomposition {
  /** eigenvalues, descending */
  readonly values: Float64Array
  /** n×n row-major; row k is the unit eigenvector of values[k] */
  readonly vectors: Float64Array
}

/** All eigenvalues of the symmetric matrix m, in descending order. */
export function eigenvalues (m: SymmetricMatrix): Float64Array {
  const { n } = m
  const a = workingCopy(m)
  const d = new Float64Array(n)
  const e = new Float64Array(n)
  tridiagonalize(a, n, d, e, undefined)
  tridiagonalQL(d, e, undefined)
  return d.sort().reverse()
}

/** All eigenvalues (descending) with orthonormal eigenvectors. O(n³) with a larger constant than eigenvalues(). */
export function eigenDecomposition (m: SymmetricMatrix): EigenDecomposition {
  const { n } = m
  const a = workingCopy(m)
  const d = new Float64Array(n)
  const e = new Float64Array(n)
  const hs = new Float64Array(n)
  tridiagonalize(a, n, d, e, hs)
  // z holds the eigenvectors of T as rows (so each QL rotation touches two contiguous rows), starting from I.
  const z = new Float64Array(n * n)
  for (let i = 0; i < n; i++) z[i * n + i] = 1
  tridiagonalQL(d, e, z)
  backTransform(a, n, hs, z)
  const order = Array.from({ length: n }, (_, i) => i).sort((p, q) => d[q] - d[p])
  const values = new Float64Array(n)
  const vectors = new Float64Array(n * n)
  for (let r = 0; r < n; r++) {
    values[r] = d[order[r]]
    vectors.set(z.subarray(order[r] * n, order[r] * n + n), r * n)
  }
  return { values, vectors }
}

/** Checks shape, finiteness and symmetry (to 1e-12 relative), and returns a copy with both triangles equal. */
function workingCopy (m: SymmetricMatrix): Float64Array {
  const { n, data } = m
  if (!Number.isInteger(n) || n < 1 || data.length !== n * n) {
    throw new InvalidMatrixError(`expected an n×n matrix with n ≥ 1, got ${data.length} entries for n = ${String(n)}`)
  }
  let largest = 0
  for (let k = 0; k < data.length; k++) {
    const v = data[k]
    if (!Number.isFinite(v)) throw new InvalidMatrixError(`entry (${Math.floor(k / n)}, ${k % n}) is not finite: ${v}`)
    if (Math.abs(v) > largest) largest = Math.abs(v)
  }
  const a = Float64Array.from(data)
  const tol = 1e-12 * largest
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      if (Math.abs(a[i * n + j] - a[j * n + i]) > tol) {
        throw new InvalidMatrixError(`matrix is not symmetric: (${i}, ${j}) = ${a[i * n + j]} but (${j}, ${i}) = ${a[j * n + i]}`)
      }
    }
  }
  return a
}

/**
 * Householder tridiagonalisation of the lower triangle of a (overwritten). On return d is the diagonal,
 * e[i] (i ≥ 1) couples i−1 and i, row i of a holds the (scaled) Householder vector u of step i in columns
 * 0..i−1, and hs[i] its H = |u|²/2 (0 where step i needed no reflection).
 *
 * Step i reflects row i's leading part onto its last entry and applies A ← A − u·qᵀ − q·uᵀ to the leading
 * i×i block (Golub & Van Loan §8.3.1, with p = A·u/H, K = uᵀp/2H, q = p − K·u). The next step's vector is
 * the updated row i−1, so once that row is done, the update of every other row also feeds the next product
 * A·u: one pass over the block per step instead of two, which halves the memory traffic of this O(n³) part.
 */
function tridiagonalize (a: Float64Array, n: number, d: Float64Array, e: Float64Array, hs: Float64Array | undefined): void {
  let p = new Float64Array(n)
  let pNext = new Float64Array(n)
  let h = householder(a, n, n - 1, e)
  if (h !== 0) symvLower(a, n, (n - 1) * n, n - 1, p)
  for (let i = n - 1; i >= 1; i--) {
    const l = i - 1
    const ri = i * n
    if (hs !== undefined) hs[i] = h
    d[i] = a[ri + i]
    if (h !== 0) {
      let up = 0
      for (let j = 0; j <= l; j++) {
        p[j] /= h
        up += a[ri + j] * p[j]
      }
      const kk = up / (h + h)
      for (let j = 0; j <= l; j++) p[j] -= kk * a[ri + j]
      rank2Row(a, l * n, l, ri, p, a[ri + l], p[l])
    }
    if (l === 0) break
    const rl = l * n
    const hNext = householder(a, n, l, e)
    if (h !== 0 && hNext !== 0) {
      pNext.fill(0, 0, l)
      for (let j = 0; j < l; j++) rank2RowSymv(a, j * n, j, ri, p, a[ri + j], p[j], rl, pNext, a[rl + j])
    } else if (h !== 0) {
      for (let j = 0; j < l; j++) rank2Row(a, j * n, j, ri, p, a[ri + j], p[j])
    } else if (hNext !== 0) {
      symvLower(a, n, rl, l, pNext)
    }
    const t = p; p = pNext; pNext = t
    h = hNext
  }
  d[0] = a[0]
  e[0] = 0
}

/**
 * Prepares the reflection of step i from row i's columns 0..i−1: scales them into u = x − g·e_{i−1}
 * (|g| = |x|, sign against x_{i−1} to avoid cancellation; P = I − u·uᵀ/H maps x to g·e_{i−1}), sets e[i],
 * and returns H (0 when the row is already tridiagonal and no reflection is needed).
 */
function householder (a: Float64Array, n: number, i: number, e: Float64Array): number {
  const l = i - 1
  const ri = i * n
  let scale = 0
  if (l > 0) for (let k = 0; k <= l; k++) scale += Math.abs(a[ri + k])
  if (scale === 0) {
    e[i] = a[ri + l]
    return 0
  }
  let h = 0
  for (let k = 0; k <= l; k++) {
    const v = a[ri + k] / scale
    a[ri + k] = v
    h += v * v
  }
  const f = a[ri + l]
  const g = f >= 0 ? -Math.sqrt(h) : Math.sqrt(h)
  e[i] = scale * g
  a[ri + l] = f - g
  return h - f * g
}

/** p[0..m) = A·u over the leading m×m block from its lower triangle; u is a[ru..ru+m). */
function symvLower (a: Float64Array, n: number, ru: number, m: number, p: Float64Array): void {
  p.fill(0, 0, m)
  for (let j = 0; j < m; j++) {
    const rj = j * n
    const uj = a[ru + j]
    let s = 0
    for (let k = 0; k < j; k++) {
      const ajk = a[rj + k]
      s += ajk * a[ru + k]
      p[k] += ajk * uj
    }
    p[j] += s + a[rj + j] * uj
  }
}

/** Row j, columns 0..j: a ← a − u_j·q − q_j·u, with u = a[ru..]. */
function rank2Row (a: Float64Array, rj: number, j: number, ru: number, q: Float64Array, uj: number, qj: number): void {
  for (let k = 0; k <= j; k++) a[rj + k] -= uj * q[k] + qj * a[ru + k]
}

/** rank2Row, then the row's contribution to the next step's product pNext += A'·v, with v = a[rv..]. */
function rank2RowSymv (a: Float64Array, rj: number, j: number, ru: number, q: Float64Array, uj: number, qj: number, rv: number, pNext: Float64Array, vj: number): void {
  let s = 0
  for (let k = 0; k < j; k++) {
    const x = a[rj + k] - (uj * q[k] + qj * a[ru + k])
    a[rj + k] = x
    s += x * a[rv + k]
    pNext[k] += x * vj
  }
  const diag = a[rj + j] - (uj * q[j] + qj * a[ru + j])
  a[rj + j] = diag
  pNext[j] += s + diag * vj
}

/**
 * Implicit QL with Wilkinson shifts on the tridiagonal (d, e) with e[i] coupling i−1 and i; d receives the
 * eigenvalues (unsorted). When z is given (n rows of `cols` entries), its rows are rotated alongside: from
 * z = I they become the eigenvectors of T; from a single column e_{n−1} (cols = 1) they become the last
 * components of those eigenvectors, all Lanczos needs for its residual bounds, at O(n) per sweep.
 */
export function tridiagonalQL (d: Float64Array, e: Float64Array, z: Float64Array | undefined, cols: number = d.length): void {
  const n = d.length
  for (let i = 1; i < n; i++) e[i - 1] = e[i]
  e[n - 1] = 0
  // An off-diagonal below ε‖T‖ is deflated too: the purely relative test alone never fires inside a cluster
  // of zero eigenvalues (the complete graph's W = J/n has n − 1 of them), where d[m] = d[m+1] = 0 and e[m]
  // is round-off. Deflating there moves eigenvalues by at most ε‖T‖ (absolute accuracy, as in LAPACK).
  let tnorm = 0
  for (let i = 0; i < n; i++) tnorm = Math.max(tnorm, Math.abs(d[i]) + Math.abs(e[i]) + (i > 0 ? Math.abs(e[i - 1]) : 0))
  const absoluteFloor = Number.EPSILON * tnorm
  for (let l = 0; l < n; l++) {
    let iterations = 0
    for (;;) {
      let m = l
      for (; m < n - 1; m++) {
        const dd = Math.abs(d[m]) + Math.abs(d[m + 1])
        if (Math.abs(e[m]) <= Number.EPSILON * dd || Math.abs(e[m]) <= absoluteFloor) break
      }
      if (m === l) break
      if (++iterations > QL_MAX_ITERATIONS) {
        throw new EigenConvergenceError(`implicit QL did not converge for eigenvalue ${l} of ${n} within ${QL_MAX_ITERATIONS} iterations`)
      }
      // Wilkinson shift: the eigenvalue of the leading 2×2 block closer to d[l].
      let g = (d[l + 1] - d[l]) / (2 * e[l])
      let r = Math.hypot(g, 1)
      g = d[m] - d[l] + e[l] / (g + (g >= 0 ? r : -r))
      let s = 1
      let c = 1
      let p = 0
      let i = m - 1
      for (; i >= l; i--) {
        const f = s * e[i]
        const b = c * e[i]
        r = Math.hypot(f, g)
        e[i + 1] = r
        if (r === 0) {
          // underflow: the rotation decoupled the matrix; deflate and restart this eigenvalue
          d[i + 1] -= p
          e[m] = 0
          break
        }
        s = f / r
        c = g / r
        g = d[i + 1] - p
        r = (d[i] - g) * s + 2 * c * b
        p = s * r
        d[i + 1] = g + p
        g = c * r - b
        if (z !== undefined) rotateRows(z, cols, i, s, c)
      }
      if (r === 0 && i >= l) continue
      d[l] -= p
      e[l] = g
      e[m] = 0
    }
  }
}

/** Rows i and i+1 of z ← the plane rotation (c, s) applied to them. */
function rotateRows (z: Float64Array, n: number, i: number, s: number, c: number): void {
  const ri = i * n
  const rk = ri + n
  for (let k = 0; k < n; k++) {
    const f = z[rk + k]
    const zi = z[ri + k]
    z[rk + k] = s * zi + c * f
    z[ri + k] = c * zi - s * f
  }
}

/** Eigenvectors of A = Q·T·Qᵀ from those of T: v = P_{n−1}(P_{n−2}(⋯ P_2 y)), each P = I − u·uᵀ/H. */
function backTransform (a: Float64Array, n: number, hs: Float64Array, z: Float64Array): void {
  for (let r = 0; r < n; r++) {
    const rz = r * n
    for (let i = 2; i < n; i++) {
      const h = hs[i]
      if (h === 0) continue
      const ri = i * n
      let dot = 0
      for (let k = 0; k < i; k++) dot += a[ri + k] * z[rz + k]
      const f = dot / h
      for (let k = 0; k < i; k++) z[rz + k] -= f * a[ri + k]
    }
  }
}
