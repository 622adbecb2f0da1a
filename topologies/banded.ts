/**
 * Sparse symmetric positive definite solves for shift-and-invert Lanczos (lanczos.ts): a reverse
 * Cuthill–McKee ordering (Cuthill & McKee 1969; George 1971, "Computer implementation of the finite element
 * method", the reversal) brings the nonzeros of a graph's matrix near the diagonal, and a band Cholesky
 * factorisation (Golub & Van Loan, "Matrix Computations", §4.3.5) then costs O(n·b²) for half-bandwidth b.
 * Graphs of large diameter (rings, tori, paths of cliques), exactly those whose spectra crowd near 1, have a
 * narrow band after RCM; expanders do not, and do not need this (plain Lanczos converges fast on them).
 */

import type { Graph } from './graphs.ts'

export interface Ordering {
  /** order[p] = node at position p */
  order: Int32Array
  /** pos[node] = its position */
  pos: Int32Array
  /** max |pos[u] − pos[v]| over edges: the half-bandwidth of the reordered matrix */
  bandwidth: number
}

/**
 * Reverse Cuthill–McKee: breadth-first from a pseudo-peripheral node (the far end of two BFS sweeps from
 * node 0), neighbours visited by increasing degree, then the order reversed. Handles disconnected graphs
 * by restarting from the lowest unvisited node.
 */
export function reverseCuthillMcKee (g: Graph): Ordering {
  const n = g.n
  const order = new Int32Array(n)
  const pos = new Int32Array(n).fill(-1)
  const depth = new Int32Array(n)
  let filled = 0
  const farthest = (start: number): number => {
    depth.fill(-1)
    const queue = [start]
    depth[start] = 0
    let last = start
    for (let h = 0; h < queue.length; h++) {
      const u = queue[h]
      last = u
      for (const v of g.adjacency[u]) if (depth[v] < 0) { depth[v] = depth[u] + 1; queue.push(v) }
    }
    return last
  }
  for (let seed = 0; seed < n; seed++) {
    if (pos[seed] >= 0) continue
    const start = farthest(farthest(seed))
    pos[start] = filled
    order[filled++] = start
    for (let h = pos[start]; h < filled; h++) {
      const u = order[h]
      const next = g.adjacency[u].filter(v => pos[v] < 0).sort((a, b) => g.adjacency[a].length - g.adjacency[b].length || a - b)
      for (const v of next) { pos[v] = filled; order[filled++] = v }
    }
  }
  order.reverse()
  for (let p = 0; p < n; p++) pos[order[p]] = p
  let bandwidth = 0
  for (let u = 0; u < n; u++) for (const v of g.adjacency[u]) bandwidth = Math.max(bandwidth, Math.abs(pos[u] - pos[v]))
  return { order, pos, bandwidth }
}

/** The lower triangle of an m×m symmetric band matrix of half-bandwidth b: entry (i, j), i − b ≤ j ≤ i, at i·(b+1) + j − i + b. */
export class BandMatrix {
  readonly m: number
  readonly b: number
  readonly data: Float64Array

  constructor (m: number, b: number) {
    this.m = m
    this.b = b
    this.data = new Float64Array(m * (b + 1))
  }

  /** add v at (i, j) with j ≤ i and i − j ≤ b */
  add (i: number, j: number, v: number): void {
    this.data[i * (this.b + 1) + j - i + this.b] += v
  }

  /**
   * In-place Cholesky A = L·Lᵀ. Returns false (leaving the data partly overwritten) when a pivot is not
   * positive, i.e. the matrix is not positive definite in floating point.
   */
  cholesky (): boolean {
    const { m, b, data } = this
    const w = b + 1
    for (let i = 0; i < m; i++) {
      const lo = Math.max(0, i - b)
      for (let j = lo; j <= i; j++) {
        let s = data[i * w + j - i + b]
        const kLo = Math.max(lo, j - b)
        for (let k = kLo; k < j; k++) s -= data[i * w + k - i + b] * data[j * w + k - j + b]
        if (j === i) {
          if (!(s > 0)) return false
          data[i * w + b] = Math.sqrt(s)
        } else {
          data[i * w + j - i + b] = s / data[j * w + b]
        }
      }
    }
    return true
  }

  /** x ← A⁻¹x after cholesky(): forward substitution with L, back substitution with Lᵀ */
  solve (x: Float64Array): void {
    const { m, b, data } = this
    const w = b + 1
    for (let i = 0; i < m; i++) {
      let s = x[i]
      for (let k = Math.max(0, i - b); k < i; k++) s -= data[i * w + k - i + b] * x[k]
      x[i] = s / data[i * w + b]
    }
    for (let i = m - 1; i >= 0; i--) {
      const s = x[i] / data[i * w + b]
      x[i] = s
      for (let k = Math.max(0, i - b); k < i; k++) x[k] -= data[i * w + k - i + b] * s
    }
  }
}
