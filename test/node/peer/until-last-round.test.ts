import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { algorithmConfig, prepareTraining, resolveRunConfig, withModelDim } from '../../../lib/experiment/index.ts'
import { createAlgorithm } from '../../../lib/algorithms/index.ts'
import { peerStreams } from '../../../lib/sim/index.ts'
import { runPeer } from '../../../node/peer/index.ts'
import { resumeFromCheckpoint } from '../../../node/peer/resume.ts'

describe('node/peer --until-accuracy reached in the last round', function () {
  this.timeout(60_000)
  it('stops at --rounds, not one round past it, and its final checkpoint can be resumed from', async () => {
    // before: the peer ran round 3 of a 3-round run, wrote checkpoint 4, which --resume then refused
    const config = resolveRunConfig({ runId: 'until-last', peers: 1, topology: 'ring', algo: 'dpsgd', dataset: 'mnist', model: 'softmax', backend: 'wasm', rounds: 3, seed: 1, roundDeadlineMs: 2000 })
    const dataDir = mkdtempSync(join(tmpdir(), 'murmur-until-last-'))
    const res = await runPeer({
      config, slot: 0, dataDir, listen: ['/ip4/127.0.0.1/tcp/0'], bootstrap: [], mdns: false, evalEvery: 0, evalLimit: 500,
      untilAccuracy: 0.05, snapshotEvery: 0, checkpointEvery: 0, heartbeatMs: 200, startTimeoutMs: 500, stop: new AbortController().signal, log: () => {}
    })
    assert.equal(res.reason, 'accuracy')
    const rounds = readFileSync(join(dataDir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { round: number }).round)
    assert.deepEqual(rounds, [1, 2, 3])
    const training = await prepareTraining(config, { slot: 0 })
    try {
      const s = peerStreams(config.seed, 0)
      const algorithm = createAlgorithm(algorithmConfig(config), { x0: training.x0(0, s.x0), objective: training.objective?.(0, s.objective), rng: s.algorithm, id: 'x' })
      // the peer hashed its config with its model's parameter count (withModelDim), as a --resume does
      assert.equal(resumeFromCheckpoint(dataDir, withModelDim(config, training.dim), algorithm, () => {})?.round, 3)
    } finally {
      training.dispose()
    }
  })
})
