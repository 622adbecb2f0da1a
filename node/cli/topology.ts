import { readFileSync } from 'node:fs'
import { buildLiveGraph, fromEdgeList, NAMED_TOPOLOGY_FORMS, parseTopologySpec, TOPOLOGY_FORMS, WEIGHT_SCHEMES } from '../../topologies/index.ts'
import type { Graph } from '../../topologies/index.ts'
import type { OptionSpec } from './args.ts'
import { CliError, fsReason } from './command.ts'

/** The topology options shared by every command that builds a graph. */
export const topologyOptions: OptionSpec[] = [
  {
    name: 'topology',
    type: 'string',
    placeholder: 'SPEC',
    default: 'ring',
    allowed: `one of ${TOPOLOGY_FORMS}`,
    description: `graph over the peers: ${TOPOLOGY_FORMS} (file: one 'u v' edge per line, nodes 0..n-1)`,
    check: (v) => { try { parseTopologySpec(String(v)); return undefined } catch { return `expected one of ${TOPOLOGY_FORMS}` } }
  },
  { name: 'rows', type: 'int', min: 1, description: 'rows of a torus, dividing --peers (rows that do not: the most square shape, with a note); default: the most square shape' },
  { name: 'weights', type: 'string', choices: WEIGHT_SCHEMES, default: 'metropolis', description: 'mixing weights W' }
]

/** The forms a run (sim, peer, cluster) builds: every form but an edge list */
const RUN_TOPOLOGY_FORMS = NAMED_TOPOLOGY_FORMS

/**
 * The topology options of the commands that run (sim, peer, cluster): the same, but an edge list is refused
 * while the options are parsed. A run rebuilds its graph every round from the members alive and agrees on it
 * by the topology's name in the config hash; a file's path would not say which graph it holds.
 */
export const runTopologyOptions: OptionSpec[] = topologyOptions.map((o) => o.name !== 'topology'
  ? o
  : {
      ...o,
      allowed: `one of ${RUN_TOPOLOGY_FORMS}`,
      description: `graph over the peers: ${RUN_TOPOLOGY_FORMS} (an edge list, file:PATH, is for murmur graph only)`,
      check: (v) => {
        if (String(v).startsWith('file:')) return `an edge list (file:PATH) is read by 'murmur graph' only: a run rebuilds its graph each round from the peers alive, so it takes one of ${RUN_TOPOLOGY_FORMS}`
        try { parseTopologySpec(String(v)); return undefined } catch { return `expected one of ${RUN_TOPOLOGY_FORMS}` }
      }
    })

/** nodes of a built topology when no count is given (an edge list has its own) */
const DEFAULT_GRAPH_NODES = 16

/**
 * Builds the graph of a topology spec, reading `file:PATH` edge lists from disk (the CLI's job, not topologies/').
 * A named spec with no graph on n nodes gets the nearest one, as a run's peers build it (topologies'
 * buildLiveGraph), and `note` says which.
 */
export function loadGraph (spec: string, n: number | undefined, opts: { seed: number, rows?: number }): { graph: Graph, note?: string } {
  const parsed = parseTopologySpec(spec)
  if (parsed.kind === 'file') {
    let text: string
    try {
      text = readFileSync(parsed.path, 'utf8')
    } catch (err: any) {
      throw new CliError(`cannot read the edge list '${parsed.path}': ${fsReason(err)}`)
    }
    return { graph: fromEdgeList(text, n) }
  }
  // torus:RxC names its size: without --peers it is R × C nodes
  const sized = parsed.kind === 'torus' && parsed.rows !== undefined && parsed.cols !== undefined ? parsed.rows * parsed.cols : undefined
  return buildLiveGraph(parsed, n ?? sized ?? DEFAULT_GRAPH_NODES, { seed: opts.seed, rows: opts.rows })
}

/** A value near 0 (a gap) with four significant digits where six decimals would round most of them away. */
export function formatSmall (x: number): string {
  return Number.isFinite(x) && x !== 0 && Math.abs(x) < 1e-3 ? x.toPrecision(4) : x.toFixed(6)
}

/** A value near 1 (lambda2) with enough decimals that 1 − x keeps four significant digits. */
export function formatNearOne (x: number): string {
  return x.toFixed(nearOneDecimals(x))
}

/** The decimals formatNearOne gives x: 6, or more where 1 − x is below 1e-3 (at most 15). */
export function nearOneDecimals (x: number): number {
  const d = 1 - x
  if (!Number.isFinite(x) || !(d > 0) || d >= 1e-3) return 6
  return Math.min(15, Math.ceil(-Math.log10(d)) + 3)
}
