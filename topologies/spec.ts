/**
 * Topology specs as text (`ring`, `torus`, `torus:4x8`, `erdos-renyi:0.3`, `regular:4`, `exponential`,
 * `complete`, `star`, `hypercube`, `file:PATH`) or as a typed object, and the single entry points that
 * turn a spec into a graph over n nodes or over a set of member ids.
 */

import { createRng, hashSeed } from '../lib/random/index.ts'
import { checkNodeCount, hasEdge } from './graphs.ts'
import type { Graph } from './graphs.ts'
import { complete, exponential, hypercube, incompleteHypercube, ring, squarestFactors, star, torus } from './builders.ts'
import { erdosRenyi, randomRegular } from './random-graphs.ts'
import { InvalidTopologyError, TopologyConstructionError } from './errors.ts'
import { DEFAULT_TOPOLOGY_SEED } from './constants.ts'

export type TopologySpec =
  | { readonly kind: 'ring' }
  | { readonly kind: 'torus', readonly rows?: number, readonly cols?: number }
  | { readonly kind: 'erdos-renyi', readonly p: number }
  | { readonly kind: 'regular', readonly degree: number }
  | { readonly kind: 'exponential' }
  | { readonly kind: 'complete' }
  | { readonly kind: 'star' }
  | { readonly kind: 'hypercube' }
  /** parsed so callers can recognise it; the caller reads the file and calls fromEdgeList */
  | { readonly kind: 'file', readonly path: string }

export type TopologyKind = TopologySpec['kind']

/** the forms built from a name alone: every form but an edge list (what a run, which rebuilds its graph each round, takes) */
export const NAMED_TOPOLOGY_FORMS = 'ring, torus, torus:RxC, erdos-renyi:P (0 < P ≤ 1), regular:D, exponential, complete, star, hypercube'
export const TOPOLOGY_FORMS = `${NAMED_TOPOLOGY_FORMS}, file:PATH`

export interface BuildGraphOptions {
  /** seed of the random kinds (erdos-renyi, regular); default DEFAULT_TOPOLOGY_SEED (1, as the CLI's --seed). Ignored by the deterministic kinds. */
  seed?: number
  /** torus rows (must divide n); default: the most square shape */
  rows?: number
}

const SIMPLE_KINDS = new Set(['ring', 'torus', 'exponential', 'complete', 'star', 'hypercube'])
const PROBABILITY = /^(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:e[+-]?[0-9]+)?$/i
const INTEGER = /^[0-9]+$/
const SHAPE = /^([0-9]+)x([0-9]+)$/

/** Parses a spec string; throws InvalidTopologyError naming the allowed forms. */
export function parseTopologySpec (text: string): TopologySpec {
  const s = text.trim()
  const colon = s.indexOf(':')
  const kind = colon < 0 ? s : s.slice(0, colon)
  const arg = colon < 0 ? undefined : s.slice(colon + 1)
  if (arg === undefined && SIMPLE_KINDS.has(kind)) return { kind } as TopologySpec
  if (kind === 'file' && arg !== undefined && arg !== '') return { kind, path: arg }
  if (kind === 'torus' && arg !== undefined) {
    const m = SHAPE.exec(arg)
    if (m === null || Number(m[1]) < 1 || Number(m[2]) < 1) throw invalid(text, 'torus:RxC needs two positive integers, e.g. torus:4x8')
    return { kind, rows: Number(m[1]), cols: Number(m[2]) }
  }
  if (kind === 'erdos-renyi' && arg !== undefined) {
    const p = PROBABILITY.test(arg) ? Number(arg) : NaN
    if (!(p > 0 && p <= 1)) throw invalid(text, 'erdos-renyi:P needs an edge probability 0 < P ≤ 1')
    return { kind, p }
  }
  if (kind === 'regular' && arg !== undefined) {
    if (!INTEGER.test(arg)) throw invalid(text, 'regular:D needs a non-negative integer degree D')
    return { kind, degree: Number(arg) }
  }
  throw invalid(text)
}

/** The canonical text of a spec; parseTopologySpec(formatTopologySpec(s)) equals s. */
export function formatTopologySpec (spec: TopologySpec): string {
  switch (spec.kind) {
    case 'torus': return spec.rows !== undefined && spec.cols !== undefined ? `torus:${spec.rows}x${spec.cols}` : 'torus'
    case 'erdos-renyi': return `erdos-renyi:${spec.p}`
    case 'regular': return `regular:${spec.degree}`
    case 'file': return `file:${spec.path}`
    default: return spec.kind
  }
}

/**
 * Builds the graph of `spec` over nodes 0..n−1. Deterministic in (spec, n, seed, rows): the random kinds draw
 * from a generator seeded by hashSeed(seed, 'topology', canonical spec, n), so every peer gets the same graph.
 * Throws InvalidTopologyError (bad spec, parameters that do not fit n, or `file:` which the caller must read),
 * TopologyConstructionError (a random kind that stayed disconnected within its bounded tries).
 */
export function buildGraph (spec: string | TopologySpec, n: number, opts: BuildGraphOptions = {}): Graph {
  const s = typeof spec === 'string' ? parseTopologySpec(spec) : spec
  checkNodeCount(n)
  const seed = opts.seed ?? DEFAULT_TOPOLOGY_SEED
  const rng = (): ReturnType<typeof createRng> => createRng(hashSeed(seed, 'topology', formatTopologySpec(s), n))
  switch (s.kind) {
    case 'ring': return ring(n)
    case 'torus': return torus(n, torusRows(s, n, opts.rows))
    case 'erdos-renyi': return erdosRenyi(n, s.p, rng())
    case 'regular': return randomRegular(n, s.degree, rng())
    case 'exponential': return exponential(n)
    case 'complete': return complete(n)
    case 'star': return star(n)
    case 'hypercube': return hypercube(n)
    case 'file': throw new InvalidTopologyError(`'file:${s.path}' is read by the caller: read the file and pass its text to fromEdgeList`)
    default: throw invalid(String((s as { kind: unknown }).kind))
  }
}

export interface LiveGraph {
  readonly graph: Graph
  /** what was built instead of the spec, when the spec has no graph on n nodes; undefined when it was the spec */
  readonly note?: string
}

/**
 * `spec` over n nodes for a membership that changes: whoever is alive this round, so n is not the run's
 * `--peers`. Where buildGraph has a graph on n nodes it is that graph; where the spec has none, the nearest that
 * has (deterministic in spec, n, seed and rows, so every peer builds the same), and `note` says which:
 * - torus: a shape (torus:RxC, or rows) that does not divide n → the most square shape of n; n prime → 1×n, a ring;
 * - hypercube: n not a power of two → the incomplete hypercube (i ~ i XOR 2^k, both ends below n);
 * - regular:D: D > n − 1, or n ≤ 2 → complete; n·D odd → degree D + 1; D < 2 with n > 2 → degree 2;
 * - erdos-renyi or regular disconnected in all their tries (small n) → a ring.
 * A network peer builds every round's graph with it, and the simulator its graph of `--peers` nodes (lib/experiment
 * experimentTopology), so a simulated run has the graph of the network run it replays; buildGraph refuses instead.
 */
export function buildLiveGraph (spec: string | TopologySpec, n: number, opts: BuildGraphOptions = {}): LiveGraph {
  const s = typeof spec === 'string' ? parseTopologySpec(spec) : spec
  checkNodeCount(n)
  const name = formatTopologySpec(s)
  if (s.kind === 'torus') {
    const rows = s.rows ?? opts.rows
    if (rows !== undefined && n % rows === 0 && (s.cols === undefined || rows * s.cols === n)) return { graph: torus(n, rows) }
    const [r, c] = squarestFactors(n)
    const shape = rows === undefined ? '' : `${name}${s.rows === undefined ? ` with ${rows} rows` : ''} does not fit ${n} nodes; `
    if (rows === undefined && (r > 1 || n === 1)) return { graph: torus(n) }
    return { graph: torus(n, r), note: r === 1 ? `${shape}${n} is prime: a ring (torus 1x${n})` : `${shape}torus ${r}x${c}` }
  }
  if (s.kind === 'hypercube' && (n & (n - 1)) !== 0) {
    return { graph: incompleteHypercube(n), note: `hypercube: ${n} is not a power of two: the incomplete hypercube on ${n} nodes` }
  }
  const rng = (d: string): ReturnType<typeof createRng> => createRng(hashSeed(opts.seed ?? DEFAULT_TOPOLOGY_SEED, 'topology', d, n))
  if (s.kind === 'regular') {
    let d = s.degree
    // a degree above n − 1, or one or two nodes (where only the complete graph is connected): the complete graph,
    // which is also what buildGraph gives for D = n − 1
    if (d > n - 1 || n <= 2) return d === n - 1 ? { graph: complete(n) } : { graph: complete(n), note: `${name} on ${n} nodes: complete` }
    if ((n * d) % 2 !== 0) d++
    if (d < 2 && n > 2) d = 2
    try {
      // the adjusted degree's own stream, so a graph of regular:D' is the same whichever D asked for it
      const graph = d === s.degree ? buildGraph(s, n, opts) : randomRegular(n, d, rng(`regular:${d}`))
      return d === s.degree ? { graph } : { graph, note: `${name} on ${n} nodes: regular:${d}` }
    } catch (err) {
      if (!(err instanceof TopologyConstructionError)) throw err
      return { graph: ring(n), note: `regular:${d} on ${n} nodes stayed disconnected: a ring` }
    }
  }
  if (s.kind === 'erdos-renyi') {
    try {
      return { graph: erdosRenyi(n, s.p, rng(name)) }
    } catch (err) {
      if (!(err instanceof TopologyConstructionError)) throw err
      return { graph: ring(n), note: `${name} on ${n} nodes was disconnected in every draw: a ring` }
    }
  }
  return { graph: buildGraph(s, n, opts) }
}

function torusRows (s: { rows?: number, cols?: number }, n: number, rows: number | undefined): number | undefined {
  if (s.rows !== undefined && s.cols !== undefined && s.rows * s.cols !== n) {
    throw new InvalidTopologyError(`torus:${s.rows}x${s.cols} has ${s.rows * s.cols} nodes, but n = ${n}`)
  }
  if (s.rows !== undefined && rows !== undefined && s.rows !== rows) {
    throw new InvalidTopologyError(`torus rows given twice and different: ${s.rows} in the spec, ${rows} in the options`)
  }
  return s.rows ?? rows
}

function invalid (text: string, why?: string): InvalidTopologyError {
  return new InvalidTopologyError(`${why === undefined ? 'unknown topology' : why}: got '${text}'; allowed: ${TOPOLOGY_FORMS}`)
}

/** A graph over member ids: node i is `ids[i]`, the ids sorted so every peer numbers them the same way. */
export interface MemberGraph {
  readonly graph: Graph
  /** the member ids in canonical (code-unit) order; node i of the graph is ids[i] */
  readonly ids: readonly string[]
  /** id → node index */
  readonly index: ReadonlyMap<string, number>
  /** with `live`: what was built instead of the spec (buildLiveGraph) */
  readonly note?: string
}

/**
 * Builds `spec` over a set of member ids in canonical order (JavaScript's default code-unit sort, identical
 * in every engine and locale), so peers that agree on the membership and seed agree on the topology without
 * a coordinator. The input order does not matter; duplicate or empty ids are refused. `live`: the membership
 * changes, so a size the spec has no graph for gets the nearest one (buildLiveGraph) instead of an error.
 */
export function buildMemberGraph (ids: readonly string[], spec: string | TopologySpec, seed: number, opts: { rows?: number, live?: boolean } = {}): MemberGraph {
  if (ids.length === 0) throw new InvalidTopologyError('a member graph needs at least one member id, got none')
  const sorted = [...ids].sort()
  const index = new Map<string, number>()
  for (let i = 0; i < sorted.length; i++) {
    if (typeof sorted[i] !== 'string' || sorted[i] === '') throw new InvalidTopologyError(`member ids must be non-empty strings, got ${JSON.stringify(sorted[i])}`)
    if (index.has(sorted[i])) throw new InvalidTopologyError(`member ids must be distinct, got '${sorted[i]}' twice`)
    index.set(sorted[i], i)
  }
  if (opts.live !== true) return { graph: buildGraph(spec, sorted.length, { seed, rows: opts.rows }), ids: sorted, index }
  const live = buildLiveGraph(spec, sorted.length, { seed, rows: opts.rows })
  return live.note === undefined ? { graph: live.graph, ids: sorted, index } : { graph: live.graph, ids: sorted, index, note: live.note }
}

/** The neighbour ids of `id` in a member graph (ascending); throws InvalidTopologyError for an unknown id. */
export function memberNeighbours (mg: MemberGraph, id: string): string[] {
  const i = mg.index.get(id)
  if (i === undefined) throw new InvalidTopologyError(`'${id}' is not a member of this graph (${mg.ids.length} members)`)
  return mg.graph.adjacency[i].map((j) => mg.ids[j])
}

/** True when members a and b are neighbours in the member graph (false for unknown ids). */
export function areMemberNeighbours (mg: MemberGraph, a: string, b: string): boolean {
  const i = mg.index.get(a)
  const j = mg.index.get(b)
  return i !== undefined && j !== undefined && hasEdge(mg.graph, i, j)
}
