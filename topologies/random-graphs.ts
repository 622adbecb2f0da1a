/**
 * Seeded random topologies. The caller passes the generator; the same generator state gives the same graph
 * on every machine (only integer draws and exact comparisons are used, no floating-point logarithms).
 */

import type { Rng } from '../lib/random/index.ts'
import { shuffle } from '../lib/random/index.ts'
import { EdgeCollector, checkNodeCount, isConnected } from './graphs.ts'
import type { Graph } from './graphs.ts'
import { complete } from './builders.ts'
import { InvalidTopologyError, TopologyConstructionError } from './errors.ts'
import { ERDOS_RENYI_MAX_TRIES, REGULAR_MAX_RESTARTS, REGULAR_SWAPS_PER_EDGE } from './constants.ts'

/**
 * G(n, p), each pair an edge independently with probability p, redrawn until connected (at most
 * ERDOS_RENYI_MAX_TRIES draws). G(n, p) is connected with high probability once p > ln(n)/n (Erdős–Rényi 1960).
 */
export function erdosRenyi (n: number, p: number, rng: Rng): Graph {
  checkNodeCount(n)
  if (!(p > 0 && p <= 1)) throw new InvalidTopologyError(`erdos-renyi needs an edge probability p in (0, 1], got ${String(p)}`)
  // u32 < p·2^32 happens with probability exactly p (rounded to 2^-32): no float maths on the draws.
  const threshold = p * 4294967296
  for (let attempt = 0; attempt < ERDOS_RENYI_MAX_TRIES; attempt++) {
    const c = new EdgeCollector(n)
    for (let u = 0; u < n; u++) {
      for (let v = u + 1; v < n; v++) if (rng.nextU32() < threshold) c.add(u, v)
    }
    const g = c.toGraph()
    if (isConnected(g)) return g
  }
  const hint = n > 1 ? `; G(n, p) is connected with high probability for p above ln(n)/n = ${(Math.log(n) / n).toPrecision(3)}` : ''
  throw new TopologyConstructionError(`erdos-renyi:${p} on n = ${n} was disconnected in all ${ERDOS_RENYI_MAX_TRIES} draws${hint}`)
}

/**
 * A connected simple d-regular graph, drawn by double-edge swaps from a circulant start.
 *
 * Pairing-model rejection (Bollobás 1980) succeeds with probability ~exp((1 − d²)/4), hopeless for d ≥ 8;
 * the swap chain (Milo et al. 2003; Greenhill 2015 for its mixing) is symmetric, so its stationary law is
 * uniform over simple d-regular graphs, and every proposal keeps the graph simple and d-regular.
 * d = 2 is drawn directly as a random Hamiltonian cycle (the only connected 2-regular graphs).
 */
export function randomRegular (n: number, d: number, rng: Rng): Graph {
  checkNodeCount(n)
  if (!Number.isInteger(d) || d < 0 || d >= n) throw new InvalidTopologyError(`regular:d needs an integer degree d in [0, n − 1] = [0, ${n - 1}], got ${String(d)}`)
  if ((n * d) % 2 !== 0) throw new InvalidTopologyError(`regular:${d} needs n·d even (each edge has two ends), got n = ${n}, d = ${d}`)
  if (n === 1) return { n, adjacency: [[]] }
  // n = 2 has one connected regular graph, d = 1 (d ≥ 2 does not exist there)
  if (d === 0 || (d === 1 && n > 2)) throw new InvalidTopologyError(`regular:${d} on n = ${n} can never be connected; use ${n === 2 ? 'd = 1' : 'd ≥ 2'}`)
  if (d === n - 1) return complete(n)
  if (d === 2) return randomCycle(n, rng)

  const m = (n * d) / 2
  const eu = new Int32Array(m)
  const ev = new Int32Array(m)
  const keys = new Set<number>()
  circulant(n, d, eu, ev, keys)
  for (let restart = 0; restart <= REGULAR_MAX_RESTARTS; restart++) {
    swapEdges(n, eu, ev, keys, REGULAR_SWAPS_PER_EDGE * m, rng)
    const c = new EdgeCollector(n)
    for (let e = 0; e < m; e++) c.add(eu[e], ev[e])
    const g = c.toGraph()
    if (isConnected(g)) return g
  }
  throw new TopologyConstructionError(`regular:${d} on n = ${n} stayed disconnected after ${REGULAR_MAX_RESTARTS + 1} rounds of edge swaps`)
}

function randomCycle (n: number, rng: Rng): Graph {
  const order = new Int32Array(n)
  for (let i = 0; i < n; i++) order[i] = i
  shuffle(order, rng)
  const c = new EdgeCollector(n)
  for (let i = 0; i < n; i++) c.add(order[i], order[(i + 1) % n])
  return c.toGraph()
}

/** i ~ i ± 1..⌊d/2⌋, plus i ~ i + n/2 when d is odd (then n is even): connected, simple, d-regular. */
function circulant (n: number, d: number, eu: Int32Array, ev: Int32Array, keys: Set<number>): void {
  let e = 0
  const put = (u: number, v: number): void => {
    eu[e] = u; ev[e] = v; e++
    keys.add(edgeKey(n, u, v))
  }
  for (let hop = 1; hop <= d >> 1; hop++) for (let i = 0; i < n; i++) put(i, (i + hop) % n)
  if (d % 2 === 1) for (let i = 0; i < n / 2; i++) put(i, i + n / 2)
}

function edgeKey (n: number, u: number, v: number): number {
  return u < v ? u * n + v : v * n + u
}

/** Proposes a–b, c–d → a–d, c–b; accepts when it creates no self loop and no repeated edge. */
function swapEdges (n: number, eu: Int32Array, ev: Int32Array, keys: Set<number>, attempts: number, rng: Rng): void {
  const m = eu.length
  for (let t = 0; t < attempts; t++) {
    const i = rng.int(m)
    const j = rng.int(m)
    if (i === j) continue
    const a = eu[i]
    const b = ev[i]
    let c = eu[j]
    let d = ev[j]
    if (rng.int(2) === 1) { const x = c; c = d; d = x }
    if (a === d || c === b) continue
    const k1 = edgeKey(n, a, d)
    const k2 = edgeKey(n, c, b)
    if (keys.has(k1) || keys.has(k2)) continue
    keys.delete(edgeKey(n, a, b))
    keys.delete(edgeKey(n, c, d))
    keys.add(k1)
    keys.add(k2)
    eu[i] = a; ev[i] = d
    eu[j] = c; ev[j] = b
  }
}
