import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runCluster } from '../../../scripts/cluster.ts'
import { readPeerFile, readSnapshot, snapshotPath } from '../../../node/peer/index.ts'
import { lastRecord, metrics, signalClusterPeers, waitFor } from './helpers.ts'

const DEADLINE_MS = 1500

type IO = Parameters<typeof runCluster>[1]
type Wait = (predicate: () => boolean, ms: number, what: string) => Promise<void>

/*
 * Pacing. --slowdown F sleeps F − 1 times the main thread's CPU time of a round, and that CPU time was not the
 * round's work alone: what the event loop did during the previous round's sleep (heartbeats, a joiner's or a dead
 * peer's connections) was charged too, until node/peer/peer.ts took the CPU clock after the sleep. At F = 10 or 20 a
 * join or a kill then made rounds of 5 to 50 s, and fixed-length runs (60 to 200 rounds) lasted anywhere from
 * 20 s to over 180 s. Here F is 5, whose sleeps stay short, and no run is sized in rounds: each test runs the
 * cluster for many rounds until what it needs has happened (the joiner took part, the second kill was tried), then
 * stops it as Ctrl-C would (runUntil), so that its length is what the events take.
 */
const SLOW = '5'

describe('murmur cluster: churn with real peer processes', function () {
  this.timeout(180_000)

  /** the clusters of the running test, whose peers afterEach kills: a failed or timed-out test left them training on */
  const started: Array<{ out: string, run: Promise<number> }> = []
  afterEach(async function () {
    for (const { out, run } of started.splice(0)) {
      signalClusterPeers(out, 'SIGKILL')
      await run.catch(() => {}) // its failure is the test's (or already reported)
    }
  })

  function cluster (argv: string[], io: IO): Promise<number> {
    const run = runCluster(argv, io)
    started.push({ out: argv[argv.indexOf('--out') + 1], run })
    return run
  }

  /**
   * Runs `murmur cluster ARGV` until `until` returns, then asks every peer to leave (SIGTERM: each finishes its round
   * and exits 0, and the cluster merges what they wrote) and returns the cluster's exit code. `until` waits with
   * `wait`, which fails once the cluster has ended (every peer gone) before what it waits for; on any failure the
   * peers are killed.
   */
  async function runUntil (argv: string[], io: IO, until: (wait: Wait) => Promise<void>): Promise<number> {
    const out = argv[argv.indexOf('--out') + 1]
    let ended = false
    const run = cluster(argv, io)
    run.then(() => { ended = true }, () => { ended = true })
    const wait: Wait = async (predicate, ms, what) => {
      await waitFor(() => ended || predicate(), ms, what)
      if (!predicate()) throw new Error(`the cluster ended before ${what}`)
    }
    try {
      await until(wait)
    } catch (err) {
      signalClusterPeers(out, 'SIGKILL')
      await run // a cluster that failed says why
      throw err
    }
    signalClusterPeers(out, 'SIGTERM')
    return await run
  }

  it('a SIGKILLed peer and a joiner: the others keep completing rounds within the deadline + 10 %, every row of W sums to 1, the joiner ends in the consensus band', async () => {
    const out = mkdtempSync(join(tmpdir(), 'murmur-churn-'))
    const rounds = 2000
    let printed = ''
    // --timeout below the test's: a run that stalls is killed by the cluster and fails the assertions below with its files
    const code = await cluster([
      '--peers', '4', '--rounds', String(rounds), '--model', 'mlp:32', '--batch', '16', '--eval-every', '500', '--eval-limit', '1000', '--timeout', '150',
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
    const survivors = [0, 1, 2, 4, 5]
    const joiner = join(out, 'peer-6')
    const code = await runUntil([
      '--peers', '6', '--topology', 'torus', '--rounds', '1000000', '--model', 'softmax', '--eval-every', '0', '--heartbeat', '200', '--timeout', '150',
      '--slowdown', [0, 1, 2, 3, 4, 5].map((i) => `${i}:${SLOW}`).join(','), '--churn', 'leave:3@15,join:1@40', '--out', out, '--quiet', '--run-id', 'torus-churn-test'
    ], { out: () => {}, err: () => {}, isTTY: false }, async (wait) => {
      // the joiner needs a few seconds to start and join; then every peer runs five rounds of the torus of 6
      await wait(() => metrics(joiner).length > 0, 100_000, 'the joiner to run a round')
      const first = metrics(joiner)[0].round as number
      await wait(() => [...survivors, 6].every((i) => (lastRecord(join(out, `peer-${i}`))?.round ?? 0) >= first + 5), 30_000, `every peer to reach round ${first + 5}`)
    })
    assert.equal(code, 0)
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { exits: Array<{ exitCode: number | null }> }
    assert.deepEqual(summary.exits.map((e) => e.exitCode), [0, 0, 0, 0, 0, 0, 0], 'six peers and the joiner exit 0')
    const joined = metrics(joiner)[0].round as number
    for (const i of survivors) {
      const log = readFileSync(join(out, `peer-${i}`, 'log.txt'), 'utf8')
      assert.match(log, /round \d+, 5 members: 5 is prime: a ring \(torus 1x5\)/, `peer-${i}`)
      assert.match(log, /round \d+, 6 members: torus again/, `peer-${i}`)
      const records = metrics(join(out, `peer-${i}`))
      // it went on through the ring rounds and past the joiner's arrival, until the test stopped the run
      assert.ok(records.at(-1).round >= joined + 5, `peer-${i} stopped at round ${records.at(-1).round}, the joiner's first round was ${joined}`)
      // the rounds of 5 members had a ring's two neighbours, the others a 2x3 torus's three
      assert.ok(records.some((r) => r.members === 5 && r.neighbours.length === 2), `peer-${i}: no ring round`)
      assert.ok(records.some((r) => r.members === 6 && r.neighbours.length === 3 && r.round > joined), `peer-${i}: no torus round with the joiner`)
    }
  })

  it('a joiner starts a few rounds ahead of a slow running run, by the rounds it saw the run advance, not by the rounds run before it listened', async () => {
    // three slowed peers; the joiner arrives at round 40 or later. The lead once counted the run's whole history as
    // progress over the joiner's listening time (40 rounds in 0.4 s) and was always the cap, 64: the joiner
    // announced round 104 of a 100-round run and took no part. A lead set by the pace differs from that cap only
    // in a run of well under 35 rounds a second. --slowdown counts a round's CPU after its sleep (7563dee), so an
    // MLP's rounds 5 times slower ran 36 a second once here, too fast; 10 times slower 10 to 15 a second
    const slow = '10'
    const out = mkdtempSync(join(tmpdir(), 'murmur-joinlead-'))
    const joinerDir = join(out, 'peer-3')
    const code = await runUntil([
      '--peers', '3', '--rounds', '1000000', '--model', 'mlp:64', '--batch', '64', '--eval-every', '0', '--heartbeat', '200', '--timeout', '150',
      '--slowdown', `0:${slow},1:${slow},2:${slow}`, '--churn', 'join:1@40', '--out', out, '--quiet', '--run-id', 'joinlead-test'
    ], { out: () => {}, err: () => {}, isTTY: false }, async (wait) => {
      await wait(() => metrics(joinerDir).length >= 3, 100_000, 'the joiner to run 3 rounds')
    })
    assert.equal(code, 0)
    const log = readFileSync(join(joinerDir, 'log.txt'), 'utf8')
    const joined = /joining a running run at round (\d+) with the model of (\S+) \(its round (\d+)\)/.exec(log)
    assert.ok(joined !== null, log)
    const [at, from] = [Number(joined[1]), Number(joined[3])]
    const lead = at - from
    // the pace the run went at as the joiner listened: the rounds its source ran in the 2 s before the one it served
    const source = [0, 1, 2].map((i) => join(out, `peer-${i}`)).find((d) => readPeerFile(d)?.peerId === joined[2])
    assert.ok(source !== undefined, `no peer is ${joined[2]}`)
    const records = metrics(source)
    const served = records.find((r) => r.round === from)
    assert.ok(served !== undefined, `${source} recorded no round ${from}`)
    const before = records.findLast((r) => r.time <= served.time - 2000) ?? records[0]
    const perSecond = (from - before.round) / ((served.time - before.time) / 1000)
    // a lead of 2 + the rounds of 1 s at that pace; room for the pace as heard (heartbeats 200 ms apart) and for the
    // rounds the source ran while the joiner pulled its model. The capped 64 is well above, unless the run was fast
    const most = 2 + Math.ceil(1.5 * perSecond) + 10
    assert.ok(most < 64, `the run went ${perSecond.toFixed(1)} rounds/s: too fast to tell a lead by its pace from the cap of 64`)
    assert.ok(lead >= 2 && lead <= most, `joined ${lead} rounds ahead at ${perSecond.toFixed(1)} rounds/s (at most ${most}): ${joined[0]}`)
    const joiner = metrics(joinerDir)
    assert.equal(joiner[0].round, at + 1, 'its first round is the one it announced')
    assert.deepEqual(joiner.map((r) => r.round), joiner.map((_, k) => at + 1 + k), 'and it trained with the run from there')
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { exits: Array<{ exitCode: number | null }> }
    assert.deepEqual(summary.exits.map((e) => e.exitCode), [0, 0, 0, 0], 'the three peers and the joiner exit 0')
  })

  it('a kill event that finds its slot already empty kills nothing: the cluster still exits 0', async () => {
    // the second kill of slot 2 finds no live peer there; it was once counted as a peer expected to die, and the
    // cluster, finding one fewer unclean exit than that, exited 1
    const out = mkdtempSync(join(tmpdir(), 'murmur-killtwice-'))
    const err: string[] = []
    const code = await runUntil([
      '--peers', '3', '--rounds', '1000000', '--model', 'softmax', '--eval-every', '0', '--heartbeat', '200', '--timeout', '150',
      '--slowdown', `0:${SLOW},1:${SLOW},2:${SLOW}`, '--churn', 'kill:2@5,kill:2@30', '--out', out, '--quiet', '--run-id', 'killtwice-test'
    ], { out: () => {}, err: (t) => { err.push(t) }, isTTY: false }, async (wait) => {
      await wait(() => err.some((t) => t.includes('kill:2@30')), 100_000, 'the second kill')
    })
    assert.match(err.join('\n'), /no live peer in slot 2/, `the second kill found the slot empty: ${err.join('\n')}`)
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { exitedCleanly: number }
    assert.equal(summary.exitedCleanly, 2)
    assert.equal(code, 0, err.join('\n'))
  })

  it('a joiner gets in after the bootstrap peer crashed: it dials every live peer, not peer-0 alone', async () => {
    const out = mkdtempSync(join(tmpdir(), 'murmur-bootdead-'))
    const joinerDir = join(out, 'peer-3')
    let killedAt: number | undefined
    let joinStartedAt: number | undefined
    await runUntil([
      '--peers', '3', '--rounds', '1000000', '--model', 'softmax', '--eval-every', '0', '--heartbeat', '200', '--timeout', '150',
      '--slowdown', `0:${SLOW},1:${SLOW},2:${SLOW}`, '--churn', 'join:1@40', '--out', out, '--quiet', '--run-id', 'bootdead-test'
    ], { out: () => {}, err: (t) => { if (/started peer-3/.test(t)) joinStartedAt ??= Date.now() }, isTTY: false }, async (wait) => {
      // peer-0 crashes (SIGKILL, by hand: --churn never touches the bootstrap slot) 30 rounds before the join
      await wait(() => (lastRecord(join(out, 'peer-0'))?.round ?? 0) >= 10, 60_000, 'peer-0 to run 10 rounds')
      const { pid } = JSON.parse(readFileSync(join(out, 'peer-0', 'peer.json'), 'utf8')) as { pid: number }
      process.kill(pid, 'SIGKILL')
      killedAt = Date.now()
      await wait(() => metrics(joinerDir).length >= 5, 100_000, 'the joiner to run 5 rounds')
    })
    assert.ok(killedAt !== undefined && joinStartedAt !== undefined && killedAt < joinStartedAt, `peer-0 killed at ${killedAt}, the joiner started at ${joinStartedAt}`)
    const joiner = metrics(joinerDir)
    assert.deepEqual(joiner.map((r) => r.round), joiner.map((_, k) => joiner[0].round + k), 'it trained with the run from its join round')
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { exits: Array<{ exitCode: number | null, signal: string | null }> }
    assert.deepEqual(summary.exits.map((e) => e.exitCode), [null, 0, 0, 0], 'peer-0 killed, the others and the joiner exit 0')
  })
})
