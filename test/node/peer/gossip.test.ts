import assert from 'node:assert/strict'
import { prepareTraining } from '../../../lib/experiment/index.ts'
import { peerStreams } from '../../../lib/sim/index.ts'
import { meanAndSpread } from '../../../lib/vector/index.ts'
import { results, snapshotOf, startCluster, stopStartedClusters } from './helpers.ts'

describe('node/peer: gossip averaging over libp2p (peers in this process, 127.0.0.1)', function () {
  this.timeout(30_000)
  afterEach(stopStartedClusters)

  it('4 peers on a ring keep the mean of their seeded vectors (drift ≤ 1e-6) and shrink the consensus distance ≥ 100×', async () => {
    const n = 4; const dim = 1000; const rounds = 40; const seed = 11
    const cluster = await startCluster({ runId: 'peer-test-gossip', peers: n, topology: 'ring', algo: 'gossip', dim, rounds, seed, roundDeadlineMs: 5000 }, { snapshotEvery: rounds })
    const res = await results(cluster)
    for (const r of res) assert.equal(r.reason, 'rounds')
    for (const r of res) assert.equal(r.rounds, rounds)

    // the initial vectors, drawn from the simulator's streams of each slot
    const training = await prepareTraining(cluster.config)
    const initial = Array.from({ length: n }, (_, slot) => training.x0(slot, peerStreams(seed, slot).x0))
    const final = Array.from({ length: n }, (_, slot) => snapshotOf(cluster, slot, rounds, dim))
    const mean0 = new Float32Array(dim); const mean1 = new Float32Array(dim)
    const spread0 = meanAndSpread(initial, mean0)
    const spread1 = meanAndSpread(final, mean1)

    let drift = 0; let norm = 0
    for (let k = 0; k < dim; k++) { drift += (mean1[k] - mean0[k]) ** 2; norm += mean0[k] ** 2 }
    assert.ok(Math.sqrt(drift / norm) <= 1e-6, `relative drift of the mean ${Math.sqrt(drift / norm)}`)
    assert.ok(spread0 > 0 && spread1 * 100 <= spread0, `consensus distance ${spread0} → ${spread1}`)
  })
})
