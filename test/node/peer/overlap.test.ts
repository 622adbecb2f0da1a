import assert from 'node:assert/strict'
import { algorithmConfig, prepareTraining } from '../../../lib/experiment/index.ts'
import { createSimulation } from '../../../lib/sim/index.ts'
import { buildGraph } from '../../../topologies/index.ts'
import { results, snapshotOf, startCluster, stopStartedClusters } from './helpers.ts'

describe('node/peer: --overlap over libp2p reproduces the simulator (peers in this process, 127.0.0.1)', function () {
  this.timeout(30_000)
  afterEach(stopStartedClusters)

  // the steps paced on the event loop (main) or in a worker thread per peer (--train-thread worker, with momentum so
  // that the optimizer state held by the worker matters): both must give the simulator's parameters bit for bit
  const cases = [
    { thread: 'main' as const, what: '3 local steps paced by the exchange\'s I/O', momentum: 0 },
    { thread: 'worker' as const, what: '3 local steps with momentum 0.9 in a worker thread per peer', momentum: 0.9 }
  ]
  for (const c of cases) {
    it(`4 peers, ring, MNIST softmax, ${c.what}: each peer's parameters equal the simulated peer's (steps in one block) bit for bit`, async () => {
      await equalsSimulator(c.thread, c.momentum)
    })
  }

  async function equalsSimulator (trainThread: 'main' | 'worker', momentum: number): Promise<void> {
    const n = 4; const rounds = 6; const seed = 3
    const cluster = await startCluster({
      runId: `peer-test-overlap-${trainThread}`, peers: n, topology: 'ring', algo: 'dpsgd', codec: 'none', dataset: 'mnist', model: 'softmax',
      batch: 8, localSteps: 3, overlap: true, momentum, backend: 'cpu', rounds, seed, roundDeadlineMs: 5000
    }, { snapshotEvery: 1, evalLimit: 500, trainThread })
    const res = await results(cluster)
    for (const r of res) assert.equal(r.rounds, rounds)
    const config = cluster.config
    assert.equal(config.overlap, true)
    if (trainThread === 'worker') assert.equal(cluster.log.filter((l) => l.includes('worker thread')).length, n, cluster.log.join('\n'))

    const training = await prepareTraining(config)
    try {
      const sim = createSimulation({
        peers: n,
        topology: buildGraph(config.topology, n, { seed }),
        algorithm: algorithmConfig(config),
        objective: training.objective,
        x0: training.x0,
        rounds,
        seed,
        ids: cluster.peers.map((p) => p.peerId)
      })
      const before = sim.peers[0].params.slice()
      for (let r = 0; r < rounds; r++) {
        await sim.step()
        for (let i = 0; i < n; i++) {
          assert.deepEqual(snapshotOf(cluster, i, r + 1, training.dim), sim.peers[i].params, `round ${r}, slot ${i}`)
        }
      }
      // the comparison means something only if training moved the parameters
      let moved = 0
      for (let k = 0; k < before.length; k++) moved = Math.max(moved, Math.abs(sim.peers[0].params[k] - before[k]))
      assert.ok(moved > 1e-3, `parameters moved by at most ${moved}`)
    } finally {
      training.dispose()
    }
  }
})
