import assert from 'node:assert/strict'
import { algorithmConfig, prepareTraining } from '../../../lib/experiment/index.ts'
import { createSimulation } from '../../../lib/sim/index.ts'
import { fromEdgeList } from '../../../topologies/index.ts'
import { results, startCluster, stopStartedClusters } from './helpers.ts'

/*
 * Floor and budget, measured with the simulator (which these peers reproduce exactly, see dpsgd.test.ts):
 * 6 peers, exponential graph (degree 4), MNIST softmax, shards:2, defaults lr 0.05, momentum 0.9, batch 32.
 * shards:2 deals each peer two runs of 5,000 label-sorted samples, two to four classes (mostly two). After
 * 40 rounds the worst peer's own model scores 83.7 % to 85.3 % on the whole test set (seeds 1 to 5); alone,
 * the same peers score 18 % to 40 %. On a ring of 6 the worst peer is still at 77.5 % and 80.4 % after 200
 * rounds (seeds 1, 2: the local step on two or three classes pulls each model away faster than two neighbours
 * mix it back), too slow for a test of seconds. The wasm backend computes the same numbers as cpu, 3 to 4× faster.
 */
const FLOOR = 0.8
const ALONE_CEILING = 0.5

describe('node/peer: D-PSGD over libp2p on non-iid shards (peers in this process, 127.0.0.1)', function () {
  this.timeout(40_000)
  afterEach(stopStartedClusters)

  it(`6 peers with two shards each: every peer's own model reaches ${FLOOR * 100} % on the MNIST test set, which alone none passes ${ALONE_CEILING * 100} %`, async () => {
    const n = 6; const rounds = 40; const seed = 3
    const cluster = await startCluster({
      runId: 'peer-test-shards', peers: n, topology: 'exponential', algo: 'dpsgd', partition: 'shards:2', dataset: 'mnist',
      model: 'softmax', backend: 'wasm', rounds, seed, roundDeadlineMs: 5000
    })
    const res = await results(cluster)
    const mixed = res.map((r) => r.accuracy ?? NaN)
    for (const [slot, acc] of mixed.entries()) assert.ok(acc >= FLOOR, `peer ${slot}: accuracy ${acc} below ${FLOOR}; all: ${mixed.join(', ')}`)

    // the same peers (config, shards, random streams) without mixing: a graph of n nodes and no edge
    const training = await prepareTraining(cluster.config)
    try {
      const sim = createSimulation({
        peers: n, topology: fromEdgeList('', n), algorithm: algorithmConfig(cluster.config), objective: training.objective, x0: training.x0, rounds, seed
      })
      for (let r = 0; r < rounds; r++) await sim.step()
      const evaluate = training.evaluate
      assert.ok(evaluate !== undefined)
      const alone = sim.peers.map((p) => evaluate(p.params).accuracy)
      for (const [slot, acc] of alone.entries()) assert.ok(acc <= ALONE_CEILING, `peer ${slot} alone: accuracy ${acc} above ${ALONE_CEILING}; all: ${alone.join(', ')}`)
    } finally {
      training.dispose()
    }
  })
})
