import assert from 'node:assert/strict'
import type { PeerRecord } from '../../../node/peer/index.ts'
import { metrics } from '../process/helpers.ts'
import { results, snapshotOf, startCluster, stopStartedClusters } from './helpers.ts'
import type { Cluster } from './helpers.ts'

function records (cluster: Cluster, slot: number): PeerRecord[] {
  return metrics(cluster.peers[slot].dataDir) as PeerRecord[]
}

describe('node/peer: a peer sending non-finite models (peers in this process, 127.0.0.1)', function () {
  this.timeout(60_000)
  afterEach(stopStartedClusters)

  it('--attack nan: the honest peers\' exchanges reject its messages (exchangeRejected.nonFinite) before the algorithm sees them, and their models stay finite', async () => {
    const rounds = 20; const dim = 500
    const cluster = await startCluster({ runId: 'peer-test-nan', peers: 3, topology: 'complete', algo: 'gossip', dim, rounds, seed: 5, roundDeadlineMs: 1000 },
      { snapshotEvery: rounds, attackers: { slots: [2], attack: 'nan' } })
    const res = await results(cluster)
    for (const slot of [0, 1]) {
      assert.equal(res[slot].rounds, rounds, `honest peer ${slot} finished every round\n${cluster.log.join('\n')}`)
      const last = records(cluster, slot).at(-1) as PeerRecord
      assert.ok((last.exchangeRejected.nonFinite ?? 0) >= 1, `peer ${slot}: exchangeRejected ${JSON.stringify(last.exchangeRejected)}`)
      const recs = records(cluster, slot)
      for (const r of recs) assert.equal(r.rejected.nonFinite ?? 0, 0, `peer ${slot} round ${r.round}: the algorithm saw a non-finite model`)
      // while the attacker is still a neighbour, a round completes without its refused message before the deadline
      // (it is not waited for); without that, a round missing a member neighbour's message always waits 1,000 ms
      const forfeited = recs.filter((r) => r.neighbours.length === 2 && r.received === 1 && r.commMs < 500)
      assert.ok(forfeited.length > 0, `peer ${slot}: rounds (ms, heard/neighbours): ${recs.map((r) => `${Math.round(r.commMs)} ${r.received}/${r.neighbours.length}`).join(', ')}`)
      const x = snapshotOf(cluster, slot, rounds, dim)
      assert.ok(x.every(Number.isFinite), `peer ${slot}'s model is finite`)
    }
  })
})
