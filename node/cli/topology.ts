import { readFileSync } from 'node:fs'
import { buildGraph, fromEdgeList, parseTopologySpec, TOPOLOGY_FORMS, WEIGHT_SCHEMES } from '../../topologies/index.ts'
import type { Graph } from '../../topologies/index.ts'
import type { OptionSpec } from './args.ts'
import { CliError } from './command.ts'

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
  { name: 'rows', type: 'int', min: 1, description: 'rows of a torus (must divide --peers); default: the most square shape' },
  { name: 'weights', type: 'string', choices: WEIGHT_SCHEMES, default: 'metropolis', description: 'mixing weights W' }
]

/** Builds the graph of a topology spec, reading `file:PATH` edge lists from disk (the CLI's job, not topologies/'). */
export function loadGraph (spec: string, n: number, opts: { seed: number, rows?: number }): Graph {
  const parsed = parseTopologySpec(spec)
  if (parsed.kind === 'file') {
    let text: string
    try {
      text = readFileSync(parsed.path, 'utf8')
    } catch (err: any) {
      throw new CliError(`cannot read the edge list '${parsed.path}': ${err.code ?? err.message}`)
    }
    const graph = fromEdgeList(text, n)
    return graph
  }
  return buildGraph(parsed, n, { seed: opts.seed, rows: opts.rows })
}
