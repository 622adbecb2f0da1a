/**
 * Mixing weights W for gossip on a graph: symmetric, non-negative, rows and columns summing to 1.
 *
 * Schemes (the spec strings accepted by parseWeightScheme):
 * - `metropolis` (default), Metropolis–Hastings: W_ij = 1 / (1 + max(d_i, d_j)) on edges (Xiao & Boyd 2004,
 *   "Fast linear iterations for distributed averaging", §4.2; Boyd et al. 2004 "Fastest mixing Markov chain").
 *   Needs only the two endpoint degrees, so each peer computes its row from the degrees in its messages.
 * - `max-degree`: W_ij = 1 / (d_max + 1) on edges (Xiao & Boyd 2004, "max-degree weights"); needs d_max.
 * - `lazy-metropolis`, `lazy-max-degree`: (W + I) / 2, which moves every eigenvalue into [0, 1] so that
 *   |λ_n| cannot dominate (bipartite graphs such as even rings have λ_n = −1 under max-degree-like weights).
 * Always W_ii = 1 − Σ_j W_ij, summed in the order the neighbours are given. The dense matrix sums in
 * ascending neighbour index; a peer that does the same gets its matrix row bit for bit.
 */

import type { Graph } from './graphs.ts'
import { maxDegree } from './graphs.ts'
import { InvalidMatrixError, InvalidWeightSchemeError, InvalidWeightsError } from './errors.ts'
import { DEFAULT_WEIGHT_SCHEME, DOUBLY_STOCHASTIC_TOL, MAX_DENSE_NODES } from './constants.ts'

export type WeightScheme = 'metropolis' | 'max-degree' | 'lazy-metropolis' | 'lazy-max-degree'

export const WEIGHT_SCHEMES: readonly WeightScheme[] = ['metropolis', 'max-degree', 'lazy-metropolis', 'lazy-max-degree']

/** A dense n×n matrix, row-major: entry (i, j) is data[i·n + j]. */
export interface SymmetricMatrix {
  readonly n: number
  readonly data: Float64Array
}

export interface WeightMatrix extends SymmetricMatrix {
  readonly scheme: WeightScheme
}

/** Parses a scheme spec; throws InvalidWeightSchemeError naming the allowed forms. */
export function parseWeightScheme (text: string): WeightScheme {
  const s = text.trim()
  if ((WEIGHT_SCHEMES as readonly string[]).includes(s)) return s as WeightScheme
  throw new InvalidWeightSchemeError(`unknown weight scheme '${text}'; allowed: ${WEIGHT_SCHEMES.join(', ')}`)
}

/** True for the schemes that need the graph's maximum degree. */
export function needsMaxDegree (scheme: WeightScheme): boolean {
  return scheme === 'max-degree' || scheme === 'lazy-max-degree'
}

/**
 * W_ij for an edge between nodes of degrees di and dj. dMax (the graph's largest degree) is required by
 * the max-degree schemes and ignored by the Metropolis ones.
 */
export function edgeWeight (scheme: WeightScheme, di: number, dj: number, dMax?: number): number {
  checkDegree(di, 'd_i')
  checkDegree(dj, 'd_j')
  let w: number
  switch (scheme) {
    case 'metropolis':
    case 'lazy-metropolis':
      w = 1 / (1 + (di > dj ? di : dj))
      break
    case 'max-degree':
    case 'lazy-max-degree':
      if (dMax === undefined || !Number.isInteger(dMax) || dMax < di || dMax < dj) {
        throw new InvalidWeightSchemeError(`${scheme} needs the maximum degree d_max ≥ max(d_i, d_j) = ${Math.max(di, dj)}, got ${String(dMax)}`)
      }
      w = 1 / (dMax + 1)
      break
    default:
      throw new InvalidWeightSchemeError(`unknown weight scheme '${String(scheme)}'; allowed: ${WEIGHT_SCHEMES.join(', ')}`)
  }
  // (W + I) / 2 halves every off-diagonal entry; halving is exact in binary floating point.
  return scheme === 'lazy-metropolis' || scheme === 'lazy-max-degree' ? 0.5 * w : w
}

/**
 * W_ii = 1 − Σ_j W_ij over the neighbours whose degrees are given, in the given order. A peer passes the
 * neighbours it heard from this round: a missing neighbour's weight stays with the peer, which keeps the
 * realised W symmetric and doubly stochastic. `degree` is the peer's own degree in the topology.
 */
export function selfWeight (scheme: WeightScheme, degree: number, neighbourDegrees: ArrayLike<number>, dMax?: number): number {
  checkDegree(degree, 'd_i', 0)
  if (neighbourDegrees.length > degree) {
    throw new InvalidWeightSchemeError(`a node of degree ${degree} cannot have ${neighbourDegrees.length} neighbour weights`)
  }
  let sum = 0
  for (let k = 0; k < neighbourDegrees.length; k++) sum += edgeWeight(scheme, degree, neighbourDegrees[k], dMax)
  return 1 - sum
}

/** One node's row: the weights of its neighbours (same order as given) and its own weight. */
export function localRow (scheme: WeightScheme, degree: number, neighbourDegrees: ArrayLike<number>, dMax?: number): { self: number, neighbours: Float64Array } {
  const neighbours = new Float64Array(neighbourDegrees.length)
  for (let k = 0; k < neighbours.length; k++) neighbours[k] = edgeWeight(scheme, degree, neighbourDegrees[k], dMax)
  return { self: selfWeight(scheme, degree, neighbourDegrees, dMax), neighbours }
}

function checkDegree (d: number, what: string, min = 1): void {
  if (!Number.isInteger(d) || d < min) throw new InvalidWeightSchemeError(`${what} must be an integer ≥ ${min}, got ${String(d)}`)
}

/**
 * The dense mixing matrix of g under `scheme` (default metropolis), built row by row with edgeWeight and
 * selfWeight, then verified with checkDoublyStochastic.
 */
export function mixingMatrix (g: Graph, scheme: WeightScheme | string = DEFAULT_WEIGHT_SCHEME): WeightMatrix {
  const s = parseWeightScheme(scheme)
  const n = g.n
  if (n > MAX_DENSE_NODES) throw new InvalidMatrixError(`a dense weight matrix is limited to n ≤ ${MAX_DENSE_NODES}, got n = ${n}`)
  const dMax = maxDegree(g)
  const data = new Float64Array(n * n)
  const nbDegrees = new Float64Array(dMax)
  for (let i = 0; i < n; i++) {
    const nb = g.adjacency[i]
    const di = nb.length
    const row = i * n
    for (let k = 0; k < di; k++) {
      const j = nb[k]
      nbDegrees[k] = g.adjacency[j].length
      data[row + j] = edgeWeight(s, di, nbDegrees[k], dMax)
    }
    data[row + i] = selfWeight(s, di, nbDegrees.subarray(0, di), dMax)
  }
  checkDoublyStochastic(data, n)
  return { n, data, scheme: s }
}

/**
 * Throws InvalidWeightsError (with row/col) unless W (n×n, row-major) is finite, non-negative, symmetric
 * and has every row and column summing to 1, each within tol.
 */
export function checkDoublyStochastic (W: Float64Array, n: number, tol: number = DOUBLY_STOCHASTIC_TOL): void {
  if (!Number.isInteger(n) || n < 1 || W.length !== n * n) {
    throw new InvalidWeightsError(`expected an n×n matrix with n ≥ 1, got ${W.length} entries for n = ${String(n)}`)
  }
  const colSums = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    const row = i * n
    let rowSum = 0
    for (let j = 0; j < n; j++) {
      const w = W[row + j]
      if (!Number.isFinite(w) || w < -tol) throw new InvalidWeightsError(`entry (${i}, ${j}) must be finite and ≥ 0, got ${w}`, { row: i, col: j })
      if (j > i && Math.abs(w - W[j * n + i]) > tol) {
        throw new InvalidWeightsError(`W must be symmetric: entry (${i}, ${j}) = ${w} but (${j}, ${i}) = ${W[j * n + i]}`, { row: i, col: j })
      }
      rowSum += w
      colSums[j] += w
    }
    if (Math.abs(rowSum - 1) > tol) throw new InvalidWeightsError(`row ${i} must sum to 1, sums to ${rowSum}`, { row: i })
  }
  for (let j = 0; j < n; j++) {
    if (Math.abs(colSums[j] - 1) > tol) throw new InvalidWeightsError(`column ${j} must sum to 1, sums to ${colSums[j]}`, { col: j })
  }
}
