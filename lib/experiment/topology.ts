/**
 * The graph a simulated run mixes over. It is the graph a network run builds for a round whose members hold slots
 * 0..n−1 (docs/PROTOCOL.md, "Topology of a round"): topologies' buildLiveGraph, which falls back to the nearest graph
 * where the spec has none on n nodes (a torus on a prime count is a ring, a hypercube on a count that is not a power
 * of two is incomplete). So `murmur sim --config run.json` replays any run the network starts, rather than refusing
 * a topology that `murmur cluster` and `murmur peer` run.
 */
import { buildLiveGraph } from '../../topologies/index.ts'
import type { Graph } from '../../topologies/index.ts'
import type { ExperimentConfig } from './config.ts'

export interface ExperimentTopology {
  readonly graph: Graph
  /** what was built instead of the spec when it has no graph on `peers` nodes (the note a network peer logs) */
  readonly note?: string
}

/** The graph over the run's `peers`, deterministic in (topology, peers, seed, rows). */
export function experimentTopology (config: Pick<ExperimentConfig, 'topology' | 'peers' | 'seed' | 'rows'>): ExperimentTopology {
  return buildLiveGraph(config.topology, config.peers, { seed: config.seed, rows: config.rows })
}
