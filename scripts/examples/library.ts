/**
 * murmur as a library: the code `murmur graph` and `murmur sim` run, called from a script. Two topologies on 16
 * peers, their spectral gaps, and a short D-PSGD run on MNIST over each, its averaged model's accuracy and the
 * peers' consensus distance as it goes. Run from the repository root:
 *
 *   node scripts/examples/library.ts            # 100 rounds each
 *   node scripts/examples/library.ts --rounds 20
 *
 * Everything here is public surface: topologies/index.ts (graphs, weights, spectra) and lib/experiment/index.ts
 * (one simulated experiment from a flat config, the fields of `murmur sim` and of a --config file).
 */
import { parseArgs } from 'node:util'
import { runExperiment } from '../../lib/experiment/index.ts'
import type { ExperimentConfig } from '../../lib/experiment/index.ts'
import { buildGraph, describe, mixingMatrix } from '../../topologies/index.ts'

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '100' }, peers: { type: 'string', default: '16' } } })
const rounds = Number(values.rounds)
const peers = Number(values.peers)

for (const topology of ['ring', 'regular:4']) {
  // the graph every peer of a run over `peers` members builds (the seed matters to the random kinds only)
  const graph = buildGraph(topology, peers, { seed: 1 })
  const summary = describe(graph, mixingMatrix(graph, 'metropolis'))
  console.log(`${topology}: ${summary.edges} edges, lambda2 ${summary.lambda2.toFixed(4)}, spectral gap ${summary.spectralGap.toFixed(4)}, mixing time ${summary.mixingTime} rounds`)

  const config: Partial<ExperimentConfig> = { peers, topology, algo: 'dpsgd', model: 'mlp', dataset: 'mnist', rounds, evalEvery: Math.max(1, Math.floor(rounds / 4)), seed: 1 }
  const result = await runExperiment(config, {
    onRound: (r) => {
      if (r.accuracy !== null) console.log(`  round ${r.round}: accuracy ${(100 * r.accuracy).toFixed(2)} %, consensus distance ${r.consensusDistance.toExponential(2)}`)
    }
  })
  console.log(`  ${topology}: ${result.rounds} rounds in ${result.wallSeconds.toFixed(1)} s, accuracy ${result.accuracy === null ? 'n/a' : (100 * result.accuracy).toFixed(2) + ' %'}, ${(result.bytesSent / 1e6).toFixed(1)} MB sent`)
}
