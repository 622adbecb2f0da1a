/**
 * Deterministic topologies: the graph depends on n (and the torus shape) only.
 * Small n degrade gracefully: a ring of 2 is one edge, a ring of 1 a lone node.
 */

import { EdgeCollector, checkNodeCount } from './graphs.ts'
import type { Graph } from './graphs.ts'
import { InvalidTopologyError } from './errors.ts'

/** Cycle 0-1-…-(n−1)-0. */
export function ring (n: number): Graph {
  checkNodeCount(n)
  const c = new EdgeCollector(n)
  for (let i = 0; i < n; i++) c.add(i, (i + 1) % n)
  return c.toGraph()
}

/** The most square factorisation r ≤ c with r·c = n (r = 1 when n is prime). */
export function squarestFactors (n: number): [number, number] {
  let r = Math.floor(Math.sqrt(n))
  while (r > 1 && n % r !== 0) r--
  return [r, n / r]
}

/**
 * 2-D torus (r×c grid with wrap-around); node index = row·c + col. Without `rows`, the most square shape is
 * used; a prime n (whose only shape is 1×n, a ring) is refused so a run does not silently get a ring.
 * A side of 1 or 2 merges coinciding neighbours, so small tori stay simple graphs.
 */
export function torus (n: number, rows?: number): Graph {
  checkNodeCount(n)
  let r: number
  if (rows === undefined) {
    r = squarestFactors(n)[0]
    if (r === 1 && n > 1) {
      throw new InvalidTopologyError(`torus needs n = rows × cols with both ≥ 2, but n = ${n} is prime; choose another n, give rows explicitly (rows = 1 gives a ring), or use 'ring'`)
    }
  } else {
    if (!Number.isInteger(rows) || rows < 1 || n % rows !== 0) {
      throw new InvalidTopologyError(`torus rows must be a positive integer dividing n = ${n}, got ${String(rows)}`)
    }
    r = rows
  }
  const cols = n / r
  const c = new EdgeCollector(n)
  for (let i = 0; i < r; i++) {
    for (let j = 0; j < cols; j++) {
      const u = i * cols + j
      c.add(u, i * cols + (j + 1) % cols)
      c.add(u, ((i + 1) % r) * cols + j)
    }
  }
  return c.toGraph()
}

/**
 * Static exponential graph made undirected: i ~ i ± 2^k (mod n) for k = 0..⌊log2(n−1)⌋
 * (Ying et al. 2021, "Exponential Graph is Provably Efficient for Decentralized Deep Training").
 */
export function exponential (n: number): Graph {
  checkNodeCount(n)
  const c = new EdgeCollector(n)
  for (let hop = 1; hop <= n - 1; hop *= 2) {
    for (let i = 0; i < n; i++) c.add(i, (i + hop) % n)
  }
  return c.toGraph()
}

/** Every pair adjacent. */
export function complete (n: number): Graph {
  checkNodeCount(n)
  const adjacency: number[][] = []
  for (let i = 0; i < n; i++) {
    const nb: number[] = []
    for (let j = 0; j < n; j++) if (j !== i) nb.push(j)
    adjacency.push(nb)
  }
  return { n, adjacency }
}

/** Node 0 is the hub, adjacent to every other node. */
export function star (n: number): Graph {
  checkNodeCount(n)
  const c = new EdgeCollector(n)
  for (let i = 1; i < n; i++) c.add(0, i)
  return c.toGraph()
}

/**
 * The incomplete hypercube on n nodes (any n): i ~ i XOR 2^k for every k with both ends below n. A power of
 * two gives the hypercube; otherwise node i ≥ 2^⌊log2 n⌋ hangs off node i − 2^⌊log2 n⌋ of the complete lower
 * cube (and off the others of its own part), so the graph is connected. For a membership that changes size.
 */
export function incompleteHypercube (n: number): Graph {
  checkNodeCount(n)
  const c = new EdgeCollector(n)
  for (let bit = 1; bit < n; bit <<= 1) {
    for (let i = 0; i < n; i++) if ((i & bit) === 0 && (i | bit) < n) c.add(i, i | bit)
  }
  return c.toGraph()
}

/** Hypercube of dimension log2 n: i ~ i XOR 2^k. n must be a power of two. */
export function hypercube (n: number): Graph {
  checkNodeCount(n)
  if ((n & (n - 1)) !== 0) {
    const lower = 2 ** Math.floor(Math.log2(n))
    throw new InvalidTopologyError(`hypercube needs n a power of two, got ${n} (nearest: ${lower} or ${lower * 2})`)
  }
  const c = new EdgeCollector(n)
  for (let bit = 1; bit < n; bit <<= 1) {
    for (let i = 0; i < n; i++) if ((i & bit) === 0) c.add(i, i | bit)
  }
  return c.toGraph()
}
