import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { METRICS_FILE } from '../../../node/peer/index.ts'
import type { PeerRecord } from '../../../node/peer/index.ts'
import { results, startCluster, stopStartedClusters } from './helpers.ts'

describe('node/peer: the cohort of a new run (peers in this process, 127.0.0.1)', function () {
  this.timeout(30_000)
  afterEach(stopStartedClusters)

  it('3 of 4 peers, one with a short start timeout: all three start round 0 together when it passes', async () => {
    const rounds = 5
    const started = Date.now()
    // slot 0 gives up waiting for the 4th peer after 1 s; the others would wait a minute on their own
    const cluster = await startCluster(
      { runId: 'peer-test-cohort', peers: 4, topology: 'ring', algo: 'gossip', dim: 100, rounds, seed: 3, roundDeadlineMs: 2000 },
      { started: 3, heartbeatMs: 100, startTimeoutMs: (slot) => slot === 0 ? 1000 : 60_000 })
    const res = await results(cluster)
    const elapsed = Date.now() - started
    assert.ok(elapsed < 20_000, `the run took ${elapsed} ms: the later peers waited for their own start timeout`)
    for (const r of res) assert.equal(r.reason, 'rounds')
    for (const p of cluster.peers) {
      const records = readFileSync(join(p.dataDir, METRICS_FILE), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as PeerRecord)
      assert.deepEqual(records.map((r) => r.round), [1, 2, 3, 4, 5], `slot ${p.slot} trained every round from round 0`)
      assert.equal(records[0].members, 3, `slot ${p.slot} starts with the whole cohort`)
      assert.equal(records[0].neighbours.length, 2, `slot ${p.slot} has both ring neighbours in round 0`)
    }
  })
})
