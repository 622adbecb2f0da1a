import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runCluster } from '../../../scripts/cluster.ts'
import { metrics } from './helpers.ts'

/**
 * The peers' log.txt around a crash (`--churn kill:1@30`, found by a user's walkthrough): the survivors said only
 * "peer 12D3KooW… went silent; dropped from the membership", with no slot and no round, the killed peer's own log
 * ended as if nothing had happened to it, and a peer restarted with --resume was logged as a new peer joining.
 */
describe('murmur cluster --churn kill and restart: what the peers\' logs say of them', function () {
  this.timeout(150_000)

  it('the survivors name the slot and rounds of the silent peer and say the restarted one rejoins; the killed peers\' logs say what killed them', async () => {
    const out = mkdtempSync(join(tmpdir(), 'murmur-kill-log-'))
    const err: string[] = []
    const code = await runCluster([
      '--peers', '4', '--rounds', '300', '--model', 'softmax', '--eval-every', '0', '--heartbeat', '200', '--round-deadline', '500', '--timeout', '120',
      // the bootstrap peer (never churned) paces the run, so that the restarted peer finds rounds left to rejoin
      '--slowdown', '0:5', '--checkpoint-every', '10', '--churn', 'kill:1@30,restart:3@50', '--out', out, '--quiet', '--run-id', 'kill-log-test'
    ], { out: () => {}, err: (t) => { err.push(t) }, isTTY: false })
    assert.equal(code, 0, err.join('\n'))
    const killedId = metrics(join(out, 'peer-1'))[0].peerId as string
    const lastOfKilled = metrics(join(out, 'peer-1')).at(-1).round as number
    const churnRound = Number(/churn: round (\d+)(?: \(scheduled 30\))?: SIGKILL peer-1/.exec(err.join('\n'))?.[1])
    assert.ok(churnRound >= 30, err.join('\n'))
    const restartedId = metrics(join(out, 'peer-3'))[0].peerId as string
    for (const i of [0, 2]) {
      const log = readFileSync(join(out, `peer-${i}`, 'log.txt'), 'utf8')
      const line = log.split('\n').find((l) => l.includes(`peer ${killedId} went silent`))
      assert.ok(line !== undefined, log)
      const m = /went silent: slot 1, its last heartbeat \([\d.]+ s ago\) said round (\d+), no leave announced \(crashed, killed or cut off\); dropped from the membership at this peer's round (\d+)$/.exec(line)
      assert.ok(m !== null, line)
      // the round of its last heartbeat (every 200 ms) lags its records (a round of some 10 to 50 ms here)
      assert.ok(Number(m[1]) <= lastOfKilled && Number(m[1]) >= lastOfKilled - 15, `${line}; its last record: round ${lastOfKilled}`)
      assert.ok(Number(m[2]) >= lastOfKilled, line)
      // a crashed peer never said it leaves
      assert.ok(!log.includes(`peer ${killedId} leaves`), log)
      // the restarted peer is no new peer (it said "joins at round 53" as for one)
      assert.match(log, new RegExp(`peer ${restartedId} \\(slot 3\\) rejoins at round \\d+ \\(restarted, or back after leaving: it was a member from round 0\\)`))
      assert.doesNotMatch(log, new RegExp(`peer ${restartedId} \\(slot 3\\) joins at round [1-9]`))
    }
    const own = readFileSync(join(out, 'peer-1', 'log.txt'), 'utf8').trim().split('\n').at(-1) ?? ''
    assert.match(own, new RegExp(`murmur cluster: SIGKILL at round ${churnRound} of the run \\(--churn kill:1@30\\): this peer was killed; its last record is of round ${lastOfKilled}$`))
    assert.match(readFileSync(join(out, 'peer-3', 'log.txt'), 'utf8'), /murmur cluster: SIGKILL at round \d+ of the run \(--churn restart:3@50\): this peer was killed; its last record is of round \d+; restarting it with --resume\n[\s\S]*--resume: continuing from/)
  })
})
