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

  it('time split: a round held while cut off (its waitMs inside its roundMs) counts once, and the parts with other sum to 1', async () => {
    const out = mkdtempSync(join(tmpdir(), 'murmur-merge-time-'))
    const dirs = [join(out, 'peer-0'), join(out, 'peer-1')]
    for (const d of dirs) mkdirSync(d)
    const timed = (round: number, t: { computeMs: number, commMs: number, waitMs: number, roundMs: number }): string =>
      JSON.stringify({ round, bytesThisRound: 1, trainLoss: 1, accuracy: null, lambda2: 0.5, received: 1, missing: 0, stale: 0, ...t })
    // peer 0: 1,000 ms waiting for the run to start (before its first round, outside roundMs), then round 2 held
    // 5,000 ms while cut off: a hold happens inside the round, so that round's roundMs holds it as well as its waitMs
    writeFileSync(join(dirs[0], 'metrics.jsonl'), [
      timed(1, { computeMs: 10, commMs: 20, waitMs: 1000, roundMs: 40 }),
      timed(2, { computeMs: 10, commMs: 20, waitMs: 5000, roundMs: 5040 }),
      timed(3, { computeMs: 10, commMs: 20, waitMs: 0, roundMs: 40 })
    ].join('\n') + '\n')
    writeFileSync(join(dirs[1], 'metrics.jsonl'), [1, 2, 3].map((r) => timed(r, { computeMs: 10, commMs: 20, waitMs: r === 1 ? 900 : 0, roundMs: 40 })).join('\n') + '\n')
    const config = resolveRunConfig({ algo: 'gossip', dim: 8, peers: 2, rounds: 3 })
    const summary = await mergeCluster({ out, config, peers: dirs.map((dataDir, slot) => ({ dataDir, slot, exitCode: 0, signal: null, peakRssMb: 1 })), wallSeconds: 1 })
    // the whole: each peer's rounds plus the wait before its first round, 5,120 + 1,000 and 120 + 900
    const whole = 5120 + 1000 + 120 + 900
    const t = summary.timeShare
    const close = (a: number, b: number, what: string): void => { assert.ok(Math.abs(a - b) < 1e-12, `${what}: ${a} vs ${b}`) }
    close(t.compute, 60 / whole, 'compute')
    close(t.communicate, 120 / whole, 'communicate')
    close(t.wait, 6900 / whole, 'wait: the hold counted once, in the wait and in the whole')
    close(t.other, 10 * 6 / whole, 'other: the rounds\' time outside compute, exchange and waiting (10 ms a round here)')
    close(t.compute + t.communicate + t.wait + t.other, 1, 'the parts sum to the whole')
  })

  it('time split: a restarted peer\'s second life waited again before its first round, and that wait is in the whole too', async () => {
    const out = mkdtempSync(join(tmpdir(), 'murmur-merge-life-'))
    const dir = join(out, 'peer-0')
    mkdirSync(dir)
    // wall clock at the end of each round, and the time since the process started: a second life starts after the
    // first life's last record (its time − elapsedMs is past that record's time)
    const rec = (round: number, waitMs: number, time: number, elapsedMs: number): string =>
      JSON.stringify({ round, bytesThisRound: 1, trainLoss: 1, accuracy: null, lambda2: 0.5, received: 1, missing: 0, stale: 0, computeMs: 10, commMs: 20, waitMs, roundMs: 40, time, elapsedMs })
    writeFileSync(join(dir, 'metrics.jsonl'), [
      rec(1, 500, 10_000, 2_000), rec(2, 0, 10_040, 2_040),
      // killed, restarted with --resume from round 1: waited 3,000 ms for its join round, outside its first round
      rec(2, 3000, 20_000, 4_000), rec(3, 0, 20_040, 4_040)
    ].join('\n') + '\n')
    const config = resolveRunConfig({ algo: 'gossip', dim: 8, peers: 1, rounds: 3 })
    const summary = await mergeCluster({ out, config, peers: [{ dataDir: dir, slot: 0, exitCode: 0, signal: null, peakRssMb: 1 }], wallSeconds: 1 })
    // every round each life ran (round 2 twice: the time was spent) plus both waits
    const whole = 4 * 40 + 500 + 3000
    const t = summary.timeShare
    assert.ok(Math.abs(t.wait - 3500 / whole) < 1e-12, `wait ${t.wait} vs ${3500 / whole}`)
    assert.ok(Math.abs(t.compute - 40 / whole) < 1e-12, `compute ${t.compute}`)
    assert.ok(Math.abs(t.compute + t.communicate + t.wait + t.other - 1) < 1e-12)
  })
})
