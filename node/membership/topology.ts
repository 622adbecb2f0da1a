/**
 * The topology of one round over its members, for the peer's main loop. Built with `topologies/` from the
 * ordered member set and the run's seed, so peers that agree on the members agree on the graph.
 */
import { InvalidTopologyError, buildLiveGraph, buildMemberGraph, memberNeighbours } from '../../topologies/index.ts'
import type { Graph, TopologySpec } from '../../topologies/index.ts'

/**
 * How members are numbered as graph nodes. `id`: by PeerId (code-unit order, topologies' buildMemberGraph);
 * `slot`: by `--shard` slot, ties by id, so a run whose slots are 0..n−1 has the simulator's graph exactly
 * (simulated peer i is the member with slot i).
 */
export type MemberOrder = 'id' | 'slot'

export interface MemberTopology {
  readonly round: number
  /** node i of the graph is ids[i] */
  readonly ids: readonly string[]
  readonly graph: Graph
  readonly index: ReadonlyMap<string, number>
  /** neighbour ids of a member (default: this peer), ascending by node index; throws InvalidTopologyError for a non-member */
  neighbours: (id?: string) => string[]
  /** the spec has no graph on this many members: what was built instead (topologies' buildLiveGraph) */
  readonly note?: string
}

export interface TopologyOptions {
  /** torus rows; default: the most square shape */
  rows?: number
  /** default 'id' */
  order?: MemberOrder
}

/** Builds `spec` over `members` (id and slot of each) for `round`; `selfId` is the default of `neighbours()`. */
export function memberTopology (
  round: number, members: ReadonlyArray<{ id: string, slot: number }>, spec: string | TopologySpec, seed: number,
  selfId: string, opts: TopologyOptions = {}
): MemberTopology {
  if ((opts.order ?? 'id') === 'id') {
    const mg = buildMemberGraph(members.map((m) => m.id), spec, seed, { rows: opts.rows, live: true })
    return { round, ids: mg.ids, graph: mg.graph, index: mg.index, neighbours: (id = selfId) => memberNeighbours(mg, id), note: mg.note }
  }
  const sorted = [...members].sort((a, b) => a.slot - b.slot || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
  const ids = sorted.map((m) => m.id)
  const index = new Map(ids.map((id, i) => [id, i]))
  if (index.size !== ids.length) throw new InvalidTopologyError(`member ids must be distinct, got ${ids.length} ids of which ${index.size} differ`)
  const { graph, note } = buildLiveGraph(spec, ids.length, { seed, rows: opts.rows })
  const neighbours = (id = selfId): string[] => {
    const i = index.get(id)
    if (i === undefined) throw new InvalidTopologyError(`'${id}' is not a member of this graph (${ids.length} members)`)
    return graph.adjacency[i].map((j) => ids[j])
  }
  return { round, ids, graph, index, neighbours, note }
}
