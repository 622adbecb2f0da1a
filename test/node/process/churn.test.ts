import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runCluster } from '../../../scripts/cluster.ts'
import { readSnapshot, snapshotPath } from '../../../node/peer/index.ts'
import { metrics, waitFor } from './helpers.ts'

const DEADLINE_MS = 1500

describe('murmur cluster: churn with real peer processes', function () {
  this.timeout(180_000)

  it('a SIGKILLed peer and a joiner: the others keep completing rounds within the deadline + 10 %, every row of W sums to 1, the joiner ends in the consensus band', async () => {
    const out = mkdtempSync(join(tmpdir(), 'murmur-churn-'))
    const rounds = 2000
    let printed = ''
    const code = await runCluster([
      '--peers', '4', '--rounds', String(rounds), '--model', 'mlp:32', '--batch', '16', '--eval-every', '500', '--eval-limit', '1000',
      '--round-deadline', String(DEADLINE_MS), '--heartbeat', '200', '--churn', 'kill:2@40,join:1@60', '--out', out, '--quiet', '--run-id', 'churn-test'
    ], { out: (s) => { printed += s + '\n' }, err: () => {}, isTTY: false })
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'))
    assert.equal(summary.peers, 5, 'four peers and the joiner')
    assert.equal(code, 0, printed)
    const killed = summary.exits.findIndex((e: any) => e.signal === 'SIGKILL')
    assert.equal(summary.exits[killed].slot, 2)
    assert.match(printed, /^peers {13}5 processes \(4 exited 0, 1 killed by churn\)$/m)
    const joiner = 4
    const peers = [0, 1, 2, 3, 4].map((i) => metrics(join(out, `peer-${i}`)))
    // survivors finished every round; no exchange waited past the deadline by more than 10 %
    for (const i of [0, 1, 3]) {
      assert.equal(peers[i].at(-1).round, rounds, `peer-${i} finished`)
      for (const r of peers[i]) assert.ok(r.commMs <= 1.1 * DEADLINE_MS, `peer-${i} round ${r.round}: exchange took ${r.commMs} ms`)
    }
    // some round of a survivor really lost the killed peer (the deadline was exercised) and membership then dropped it
    assert.ok(peers.flat().some((r) => r.missing > 0), 'the kill was felt')
    const afterDrop = peers[1].filter((r) => r.round > 200)
    assert.ok(afterDrop.every((r) => r.missing === 0) || afterDrop.filter((r) => r.missing > 0).length < 5)
    // every realised row of W sums to 1
    for (const rs of peers) for (const r of rs) assert.ok(Math.abs(r.rowSum - 1) < 1e-9, `row sum ${r.rowSum}`)
    // the joiner took the freed slot, joined a running run and trained to the end
    assert.equal(summary.exits[joiner].slot, 2)
    // the survivors' rounds take a few ms: the run must outlast the joiner's start (about 1.5 s), or it finds the run over
    assert.ok(peers[joiner].length > 0, 'the joiner recorded no round: it started after the run had ended')
    assert.ok(peers[joiner][0].round > 60, `joined at round ${peers[joiner][0].round}`)
    assert.equal(peers[joiner].at(-1).round, rounds)
    // consensus band: the joiner's distance to the mean of the final models is within that of the others
    const dim = readFileSync(snapshotPath(join(out, 'peer-0'), rounds)).length / 4
    const finals = [0, 1, 3, 4].map((i) => readSnapshot(snapshotPath(join(out, `peer-${i}`), rounds), dim)!)
    const mean = new Float64Array(dim)
    for (const x of finals) for (let k = 0; k < dim; k++) mean[k] += x[k] / finals.length
    const dist = finals.map((x) => { let s = 0; for (let k = 0; k < dim; k++) s += (x[k] - mean[k]) ** 2; return s })
    const band = Math.max(...dist.slice(0, 3))
    assert.ok(dist[3] <= 2 * band, `joiner ${dist[3]} vs others up to ${band}`)
  })

  it('a torus that loses a peer to a prime count goes on as a ring, every peer saying so, and back to a torus when a joiner makes 6 again', async () => {
    // before, 5 members of a torus stopped every peer with InvalidTopologyError
    const out = mkdtempSync(join(tmpdir(), 'murmur-torus-churn-'))
    // the joiner needs a few seconds to start and join: the run must still be going then, on a loaded machine too
    const rounds = 200
    const code = await runCluster([
      '--peers', '6', '--topology', 'torus', '--rounds', String(rounds), '--model', 'softmax', '--eval-every', '0', '--heartbeat', '200',
      '--slowdown', '0:10,1:10,2:10,3:10,4:10,5:10', '--churn', 'leave:3@15,join:1@40', '--out', out, '--quiet', '--run-id', 'torus-churn-test'
    ], { out: () => {}, err: () => {}, isTTY: false })
    assert.equal(code, 0)
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { exits: Array<{ exitCode: number | null }> }
    assert.deepEqual(summary.exits.map((e) => e.exitCode), [0, 0, 0, 0, 0, 0, 0], 'six peers and the joiner exit 0')
    for (const i of [0, 1, 2, 4, 5]) {
      const log = readFileSync(join(out, `peer-${i}`, 'log.txt'), 'utf8')
      assert.match(log, /round \d+, 5 members: 5 is prime: a ring \(torus 1x5\)/, `peer-${i}`)
      assert.match(log, /round \d+, 6 members: torus again/, `peer-${i}`)
      const records = metrics(join(out, `peer-${i}`))
      assert.equal(records.at(-1).round, rounds, `peer-${i} finished`)
      // the rounds of 5 members had a ring's two neighbours, the others a 2x3 torus's three
      assert.ok(records.some((r) => r.members === 5 && r.neighbours.length === 2), `peer-${i}: no ring round`)
      assert.ok(records.some((r) => r.members === 6 && r.neighbours.length === 3), `peer-${i}: no torus round`)
    }
  })

  it('a joiner starts a few rounds ahead of a slow running run, by the rounds it saw the run advance, not by the rounds run before it listened', async () => {
    // three peers slowed to a few rounds a second; the joiner arrives at round 40 of 100. The lead once counted the
    // run's whole history as progress over the joiner's listening time (40 rounds in 0.4 s) and was always 64: the
    // joiner announced round 104 of a 100-round run and took no part
    const out = mkdtempSync(join(tmpdir(), 'murmur-joinlead-'))
    const rounds = 100
    const code = await runCluster([
      '--peers', '3', '--rounds', String(rounds), '--model', 'softmax', '--eval-every', '0', '--heartbeat', '200',
      '--slowdown', '0:20,1:20,2:20', '--churn', 'join:1@40', '--out', out, '--quiet', '--run-id', 'joinlead-test'
    ], { out: () => {}, err: () => {}, isTTY: false })
    assert.equal(code, 0)
    const log = readFileSync(join(out, 'peer-3', 'log.txt'), 'utf8')
    const joined = /joining a running run at round (\d+) with the model of \S+ \(its round (\d+)\)/.exec(log)
    assert.ok(joined !== null, log)
    const lead = Number(joined[1]) - Number(joined[2])
    // a slowed peer runs a round in 100 ms or more: 2 + 1 s of rounds is at most 12; 30 leaves room for a noisy pace
    assert.ok(lead >= 2 && lead <= 30, `joined ${lead} rounds ahead: ${joined[0]}`)
    const joiner = metrics(join(out, 'peer-3'))
    assert.equal(joiner[0].round, Number(joined[1]) + 1, 'its first round is the one it announced')
    assert.equal(joiner.at(-1).round, rounds, 'and it trained to the end')
  })

  it('a kill event that finds its slot already empty kills nothing: the cluster still exits 0', async () => {
    // the second kill of slot 2 finds no live peer there; it was once counted as a peer expected to die, and the
    // cluster, finding one fewer unclean exit than that, exited 1
    const out = mkdtempSync(join(tmpdir(), 'murmur-killtwice-'))
    const err: string[] = []
    const code = await runCluster([
      '--peers', '3', '--rounds', '60', '--model', 'softmax', '--eval-every', '0', '--heartbeat', '200', '--timeout', '60',
      '--slowdown', '0:10,1:10,2:10', '--churn', 'kill:2@5,kill:2@30', '--out', out, '--quiet', '--run-id', 'killtwice-test'
    ], { out: () => {}, err: (t) => { err.push(t) }, isTTY: false })
    assert.match(err.join('\n'), /no live peer in slot 2/, `the second kill found the slot empty: ${err.join('\n')}`)
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { exitedCleanly: number }
    assert.equal(summary.exitedCleanly, 2)
    assert.equal(code, 0, err.join('\n'))
  })

  it('a joiner gets in after the bootstrap peer crashed: it dials every live peer, not peer-0 alone', async () => {
    const out = mkdtempSync(join(tmpdir(), 'murmur-bootdead-'))
    const rounds = 120
    let killed = false
    const run = runCluster([
      '--peers', '3', '--rounds', String(rounds), '--model', 'softmax', '--eval-every', '0', '--heartbeat', '200', '--timeout', '90',
      '--slowdown', '0:20,1:20,2:20', '--churn', 'join:1@30', '--out', out, '--quiet', '--run-id', 'bootdead-test'
    ], { out: () => {}, err: () => {}, isTTY: false })
    try {
      // peer-0 crashes (SIGKILL, by hand: --churn never touches the bootstrap slot) before the join
      await waitFor(() => (metrics(join(out, 'peer-0')).at(-1)?.round ?? 0) >= 10, 60_000, 'peer-0 to run 10 rounds')
      const { pid } = JSON.parse(readFileSync(join(out, 'peer-0', 'peer.json'), 'utf8')) as { pid: number }
      process.kill(pid, 'SIGKILL')
      killed = true
    } finally {
      await run
    }
    assert.ok(killed)
    const joiner = metrics(join(out, 'peer-3'))
    assert.ok(joiner.length > 0, `the joiner never joined: ${readFileSync(join(out, 'peer-3', 'log.txt'), 'utf8')}`)
    assert.equal(joiner.at(-1).round, rounds, 'and it trained to the end')
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { exits: Array<{ exitCode: number | null, signal: string | null }> }
    assert.deepEqual(summary.exits.map((e) => e.exitCode), [null, 0, 0, 0], 'peer-0 killed, the others and the joiner exit 0')
  })
})
