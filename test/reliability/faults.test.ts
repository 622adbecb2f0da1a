import assert from 'node:assert/strict'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseChurn } from '../../scripts/lib/churn.ts'
import { checkpointKillLoop } from '../../scripts/reliability/checkpoint-kill.ts'
import { records, startFleet } from '../../scripts/reliability/peers.ts'
import type { Fleet } from '../../scripts/reliability/peers.ts'
import { logOf } from '../../scripts/reliability/measure.ts'

describe('reliability (fast): checkpoints under SIGKILL, restart with --resume', function () {
  this.timeout(60_000)

  it('SIGKILL during checkpoint writes never leaves a corrupt checkpoint; a valid one always loads', async () => {
    const r = await checkpointKillLoop({ kills: 3, mb: 8, seed: 4 })
    console.log(`      ${r.kills} kills, ${r.cutMidWrite} mid-write, ${r.filesChecked} files checked, ${r.corrupt} corrupt`)
    assert.equal(r.kills, 3)
    assert.ok(r.filesChecked >= 3)
    assert.equal(r.corrupt, 0)
    assert.ok(r.newestRounds.every((x) => x > 0), `newest rounds ${r.newestRounds.join(',')}`)
  })

  it('--churn restart:I@R parses; slot 0 and unknown slots are refused with UsageError', () => {
    assert.deepEqual(parseChurn('restart:2@30,kill:1@10', 4), [{ kind: 'kill', slot: 1, round: 10 }, { kind: 'restart', slot: 2, round: 30 }])
    for (const bad of ['restart:0@5', 'restart:9@5', 'restart:x@5']) assert.throws(() => parseChurn(bad, 4), (e: Error) => e.name === 'UsageError', bad)
  })

  describe('3 peer processes: SIGKILL one, restart it with --resume', () => {
    let fleet: Fleet | undefined
    afterEach(() => { fleet?.killAll() })

    it('it resumes from its newest checkpoint (at most K rounds behind), rejoins, is mixed by its neighbours, and everyone exits 0 at SIGTERM', async () => {
      const K = 5
      const out = mkdtempSync(join(tmpdir(), 'murmur-resume-proc-'))
      fleet = await startFleet({
        out,
        peers: 3,
        runArgs: ['--algo', 'gossip', '--dim', '500', '--rounds', '1000000', '--heartbeat', '150', '--round-deadline', '2000', '--checkpoint-every', String(K),
          '--snapshot-every', '0', '--start-timeout', '20000', '--run-id', 'resume-fast']
      })
      const f = fleet
      await f.waitFor(() => (f.last(2)?.round ?? 0) >= 12, 30_000, 'round 12')
      const t0 = Date.now()
      await f.restart(2)
      const before = records(f.peers[2].dataDir).filter((r) => r.time < t0)
      const lastBefore = before.at(-1)!.round
      await f.waitFor(() => records(f.peers[2].dataDir).filter((r) => r.time >= t0).length >= 5, 30_000, 'five rounds of the restarted peer')
      for (const p of f.peers) p.child.kill('SIGTERM')
      await f.finish(20_000)
      for (const p of f.peers) assert.equal(p.exit?.code, 0, `peer-${p.index}: ${JSON.stringify(p.exit)}`)
      const log = logOf(f.peers[2].dataDir)
      const from = Number(/--resume: continuing from .*checkpoint-(\d+)\.ckpt \(round (\d+)/.exec(log)?.[2] ?? NaN)
      assert.ok(lastBefore - from >= 0 && lastBefore - from <= K, `killed after round ${lastBefore}, resumed from ${from}`)
      assert.match(log, /joining a running run at round \d+ .*resumed from the checkpoint of round/)
      // its metrics.jsonl kept the first life's records and goes on after them
      const after = records(f.peers[2].dataDir).filter((r) => r.time >= t0)
      assert.equal(records(f.peers[2].dataDir).filter((r) => r.time < t0).length, before.length)
      assert.ok(after[0].round > lastBefore)
      const id = after[0].peerId
      assert.equal(id, before[0].peerId, 'same identity')
      const mixed = [0, 1].some((i) => records(f.peers[i].dataDir).some((r) => r.round > after[0].round - 1 && r.row.neighbours.some((n) => n.id === id)))
      assert.ok(mixed, 'a neighbour mixed the restarted peer\'s messages')
    })
  })

  describe('3 peer processes: SIGKILL two of them', () => {
    let fleet: Fleet | undefined
    afterEach(() => { fleet?.killAll() })

    // asynchronous peers too: each goes at its own pace, but one that lost most of the run at once would train alone
    for (const sync of ['sync', 'async']) {
      it(`--sync ${sync}: the survivor, cut off from most of the run, holds its round instead of training alone; forgets them once their host refuses its redials (long before the silent horizon), then goes on at the run's pace`, async () => {
        const out = mkdtempSync(join(tmpdir(), 'murmur-cutoff-proc-'))
        // heartbeat 100 ms, deadline 500 ms: membership timeout 3 × 100 + 500 = 800 ms, silent members forgotten after 8 s,
        // members whose host refuses two redials (one a timeout) after about 1.6 s
        fleet = await startFleet({
          out,
          peers: 3,
          runArgs: ['--algo', 'gossip', '--dim', '500', '--rounds', '1000000', '--heartbeat', '100', '--round-deadline', '500',
            '--snapshot-every', '0', '--start-timeout', '20000', '--run-id', `cutoff-fast-${sync}`, '--sync', sync]
        })
        const f = fleet
        await f.waitFor(() => (f.last(0)?.round ?? 0) >= 20, 30_000, 'round 20')
        for (const i of [1, 2]) { f.peers[i].child.kill('SIGKILL'); await f.peers[i].exited }
        await f.waitFor(() => /holding at round \d+/.test(logOf(f.peers[0].dataDir)), 10_000, 'the survivor to hold')
        const held = Number(/holding at round (\d+)/.exec(logOf(f.peers[0].dataDir))?.[1])
        await f.waitFor(() => /forgot the 2 silent members/.test(logOf(f.peers[0].dataDir)), 20_000, 'the survivor to forget them')
        // the next line of the same log: its bytes may reach log.txt in a later chunk than the line waited for
        await f.waitFor(() => /keeps the run's pace before the cut, [\d.]+ ms a round/.test(logOf(f.peers[0].dataDir)), 5_000, 'the survivor to keep the run\'s pace')
        await f.waitFor(() => (f.last(0)?.round ?? 0) >= held + 20, 20_000, 'the survivor to go on alone')
        f.peers[0].child.kill('SIGTERM')
        await f.finish(20_000)
        assert.equal(f.peers[0].exit?.code, 0)
        const log = logOf(f.peers[0].dataDir)
        assert.match(log, /cut off from 2 of the run's 3 members at once/)
        const rs = records(f.peers[0].dataDir)
        // while it held: no round ran; the round it held is the first it ran alone, after forgetting them
        const heldRecord = rs.find((r) => r.round === held + 1)
        assert.ok(heldRecord !== undefined)
        assert.equal(heldRecord.members, 1)
        assert.ok(heldRecord.waitMs >= 300 && heldRecord.waitMs < 8_000, `held ${heldRecord.waitMs} ms before the round: forgotten by the refusals, not the 8 s horizon`)
        assert.ok(rs.filter((r) => r.round <= held && r.members === 1).length === 0, 'no round alone before the hold')
      })
    }
  })
})
