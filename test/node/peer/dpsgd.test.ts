import assert from 'node:assert/strict'
import { algorithmConfig, prepareTraining } from '../../../lib/experiment/index.ts'
import { createSimulation, peerStreams } from '../../../lib/sim/index.ts'
import { buildGraph } from '../../../topologies/index.ts'
import { results, snapshotOf, startCluster, stopStartedClusters } from './helpers.ts'

describe('node/peer: D-PSGD over libp2p reproduces the simulator (peers in this process, 127.0.0.1)', function () {
  this.timeout(30_000)
  afterEach(stopStartedClusters)

  it('4 peers, ring, MNIST softmax, codec none: after every round each peer\'s parameters equal the simulated peer\'s within 1e-5', async () => {
    const n = 4; const rounds = 10; const seed = 5
    const cluster = await startCluster({
      runId: 'peer-test-dpsgd', peers: n, topology: 'ring', algo: 'dpsgd', codec: 'none', dataset: 'mnist', model: 'softmax',
      batch: 8, backend: 'cpu', rounds, seed, roundDeadlineMs: 5000
    }, { snapshotEvery: 1, evalLimit: 500 })
    const res = await results(cluster)
    for (const r of res) assert.equal(r.rounds, rounds)
    const config = cluster.config

    // the simulator on the same resolved config; simulated peer i is the network peer in slot i
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
      let moved = 0
      for (let r = 0; r < rounds; r++) {
        await sim.step()
        for (let i = 0; i < n; i++) {
          const x = snapshotOf(cluster, i, r + 1, training.dim)
          const y = sim.peers[i].params
          let worst = 0
          for (let k = 0; k < x.length; k++) worst = Math.max(worst, Math.abs(x[k] - y[k]))
          assert.ok(worst <= 1e-5, `round ${r}, slot ${i}: max |network − simulator| = ${worst}`)
        }
      }
      // the comparison means something only if training moved the parameters
      const x0 = training.x0(0, peerStreams(seed, 0).x0)
      for (let k = 0; k < x0.length; k++) moved = Math.max(moved, Math.abs(sim.peers[0].params[k] - x0[k]))
      assert.ok(moved > 1e-3, `parameters moved by at most ${moved}`)
    } finally {
      training.dispose()
    }
  })
})
