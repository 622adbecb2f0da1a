/**
 * The graph type shared by every builder, with its helpers.
 *
 * A graph is undirected and simple: `adjacency[i]` lists i's neighbours in ascending order, j is in
 * `adjacency[i]` exactly when i is in `adjacency[j]`, and no node is its own neighbour. Plain arrays keep it
 * easy to build by hand (tests, the simulator) and to send as JSON.
 */

import { InvalidGraphError, InvalidTopologyError } from './errors.ts'
import { MAX_NODES } from './constants.ts'

export interface Graph {
  readonly n: number
  readonly adjacency: ReadonlyArray<ReadonlyArray<number>>
}

/** Throws InvalidTopologyError unless n is an integer in [1, MAX_NODES]. */
export function checkNodeCount (n: number, what = 'n'): void {
  if (!Number.isInteger(n) || n < 1 || n > MAX_NODES) {
    throw new InvalidTopologyError(`${what} must be an integer in [1, ${MAX_NODES}], got ${String(n)}`)
  }
}

/**
 * Collects undirected edges (in any order, repeats and u = v allowed and dropped) and produces a Graph.
 * Builders whose formulas can hit the same pair twice (small tori, the exponential graph) rely on this.
 */
export class EdgeCollector {
  readonly n: number
  private readonly lists: number[][]

  constructor (n: number) {
    this.n = n
    this.lists = Array.from({ length: n }, () => [])
  }

  add (u: number, v: number): void {
    if (u === v) return
    this.lists[u].push(v)
    this.lists[v].push(u)
  }

  toGraph (): Graph {
    const adjacency = this.lists.map(sortedUnique)
    return { n: this.n, adjacency }
  }
}

function sortedUnique (xs: number[]): number[] {
  xs.sort((a, b) => a - b)
  let w = 0
  for (let r = 0; r < xs.length; r++) {
    if (r === 0 || xs[r] !== xs[w - 1]) xs[w++] = xs[r]
  }
  xs.length = w
  return xs
}

/** Degree of every node. */
export function degrees (g: Graph): Uint32Array {
  const d = new Uint32Array(g.n)
  for (let i = 0; i < g.n; i++) d[i] = g.adjacency[i].length
  return d
}

/** Largest degree (0 for a graph without edges). */
export function maxDegree (g: Graph): number {
  let m = 0
  for (let i = 0; i < g.n; i++) if (g.adjacency[i].length > m) m = g.adjacency[i].length
  return m
}

/** Number of undirected edges. */
export function edgeCount (g: Graph): number {
  let s = 0
  for (let i = 0; i < g.n; i++) s += g.adjacency[i].length
  return s / 2
}

/** True when every node reaches every other (breadth-first search from node 0). A single node is connected. */
export function isConnected (g: Graph): boolean {
  if (g.n <= 1) return true
  const seen = new Uint8Array(g.n)
  const queue = new Int32Array(g.n)
  let head = 0
  let tail = 0
  seen[0] = 1
  queue[tail++] = 0
  while (head < tail) {
    const u = queue[head++]
    const nb = g.adjacency[u]
    for (let k = 0; k < nb.length; k++) {
      const v = nb[k]
      if (seen[v] === 0) { seen[v] = 1; queue[tail++] = v }
    }
  }
  return tail === g.n
}

/** True when u and v are adjacent (binary search in u's sorted list). */
export function hasEdge (g: Graph, u: number, v: number): boolean {
  const nb = g.adjacency[u]
  let lo = 0
  let hi = nb.length - 1
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1
    const x = nb[mid]
    if (x === v) return true
    if (x < v) lo = mid + 1
    else hi = mid - 1
  }
  return false
}

/**
 * Throws InvalidGraphError unless g holds the Graph invariants: n a positive integer, one list per node,
 * integer entries in range, strictly ascending (so no duplicates), no self loops, symmetric.
 * For graphs made by hand or received from elsewhere; the builders here produce valid graphs by construction.
 */
export function validateGraph (g: Graph): void {
  if (!Number.isInteger(g.n) || g.n < 1) throw new InvalidGraphError(`n must be a positive integer, got ${String(g.n)}`)
  if (g.adjacency.length !== g.n) throw new InvalidGraphError(`expected ${g.n} adjacency lists, got ${g.adjacency.length}`)
  for (let u = 0; u < g.n; u++) {
    const nb = g.adjacency[u]
    for (let k = 0; k < nb.length; k++) {
      const v = nb[k]
      if (!Number.isInteger(v) || v < 0 || v >= g.n) throw new InvalidGraphError(`node ${u} lists neighbour ${String(v)}, expected an integer in [0, ${g.n - 1}]`)
      if (v === u) throw new InvalidGraphError(`node ${u} lists itself (self loop)`)
      if (k > 0 && nb[k - 1] >= v) throw new InvalidGraphError(`node ${u}'s neighbours must be strictly ascending, got ${nb[k - 1]} before ${v}`)
      if (!hasEdge(g, v, u)) throw new InvalidGraphError(`edge ${u}-${v} is not symmetric: ${v} does not list ${u}`)
    }
  }
}
