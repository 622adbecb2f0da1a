import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { resolveRunConfig } from '../../../lib/experiment/index.ts'
import { mergeCluster } from '../../../scripts/lib/cluster-merge.ts'

function record (round: number, bytesThisRound: number, trainLoss: number, accuracy: number | null = null): string {
  return JSON.stringify({ round, bytesThisRound, trainLoss, accuracy, lambda2: 0.5, received: 1, missing: 0, stale: 0, computeMs: 1, commMs: 1, roundMs: 2 })
}

describe('scripts/lib/cluster-merge', () => {
  it('a peer restarted with --resume records some rounds twice: the merge counts each round of each peer once, the last record', async () => {
    const out = mkdtempSync(join(tmpdir(), 'murmur-merge-'))
    const dirs = [join(out, 'peer-0'), join(out, 'peer-1')]
    for (const d of dirs) mkdirSync(d)
    writeFileSync(join(dirs[0], 'metrics.jsonl'), [1, 2, 3].map((r) => record(r, 100, 1)).join('\n') + '\n')
    // peer 1: rounds 1 to 3, killed, resumed from its round-1 checkpoint: rounds 2 and 3 again (other losses)
    writeFileSync(join(dirs[1], 'metrics.jsonl'), [record(1, 100, 1), record(2, 100, 9), record(3, 100, 9), record(2, 100, 3), record(3, 100, 3)].join('\n') + '\n')
    const config = resolveRunConfig({ algo: 'gossip', dim: 8, peers: 2, rounds: 3 })
    const summary = await mergeCluster({ out, config, peers: dirs.map((dataDir, slot) => ({ dataDir, slot, exitCode: 0, signal: null, peakRssMb: 1 })), wallSeconds: 1 })
    assert.equal(summary.rounds, 3)
    const merged = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { round: number, online: number, bytesSent: number, trainLoss: number })
    assert.deepEqual(merged.map((r) => r.online), [2, 2, 2], 'two peers a round, not three')
    assert.equal(merged[2].bytesSent, 600)
    assert.equal(merged[1].trainLoss, 2, 'the resumed life\'s loss (3), averaged with peer 0\'s (1)')
  })

  it('without snapshots (--eval-every 0) the summary still has the peers\' final accuracies, and no averaged-model figures', async () => {
    const out = mkdtempSync(join(tmpdir(), 'murmur-merge-nosnap-'))
    const dirs = [join(out, 'peer-0'), join(out, 'peer-1')]
    for (const d of dirs) mkdirSync(d)
    // the peers evaluate their own models at the end of the run only; nothing snapshots
    writeFileSync(join(dirs[0], 'metrics.jsonl'), [record(1, 100, 1), record(2, 100, 1), record(3, 100, 1, 0.9)].join('\n') + '\n')
    writeFileSync(join(dirs[1], 'metrics.jsonl'), [record(1, 100, 1), record(2, 100, 1), record(3, 100, 1, 0.8)].join('\n') + '\n')
    const config = resolveRunConfig({ algo: 'gossip', dim: 8, peers: 2, rounds: 3 })
    const summary = await mergeCluster({ out, config, peers: dirs.map((dataDir, slot) => ({ dataDir, slot, exitCode: 0, signal: null, peakRssMb: 1 })), wallSeconds: 1 })
    assert.equal(summary.peerAccuracyMin, 0.8)
    assert.ok(Math.abs((summary.peerAccuracyMean ?? NaN) - 0.85) < 1e-12)
    assert.equal(summary.accuracy, null, 'the averaged model was never measured')
    assert.equal(summary.consensusDistance, null)
    assert.deepEqual(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')).peerAccuracyMin, 0.8, 'in summary.json too')
  })
})
