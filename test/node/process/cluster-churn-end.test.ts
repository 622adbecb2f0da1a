import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { peersLine, progressRound, runCluster, unappliedChurn } from '../../../scripts/cluster.ts'
import { churnLine, churnSkipReason, parseChurn } from '../../../scripts/lib/churn.ts'
import type { ChurnEvent } from '../../../scripts/lib/churn.ts'
import { metrics } from './helpers.ts'

/**
 * Churn as the run ends (found by a new user: `--churn kill:1@10,kill:1@20 --rounds 40` SIGKILLed peer-1 after it had
 * finished its 40 rounds and counted it as killed by churn; joins fired at round 1157 of 2000 for the "join:2@900" of
 * the README found the run over and took no part, and the summary did not say so), and the progress line at the end.
 */
describe('murmur cluster: churn as the run ends, and the last progress line', function () {
  this.timeout(120_000)
  const silent = { out: () => {}, err: () => {}, isTTY: false }

  it('parseChurn refuses a join or restart at or after the run\'s last round and a kill or leave after it, naming it and --rounds', () => {
    for (const text of ['join:2@40', 'restart:1@40', 'kill:1@10,leave:2@41']) {
      assert.throws(() => parseChurn(text, 3, 40), (e: Error & { option?: string }) =>
        e.name === 'UsageError' && e.option === 'churn' && e.message.includes(text.split(',').at(-1)!) && /--rounds 40/.test(e.message), text)
    }
    assert.deepEqual(parseChurn('kill:1@39,join:1@0', 3, 40), [{ kind: 'join', count: 1, round: 0 }, { kind: 'kill', slot: 1, round: 39 }])
    // the last round: once the fastest peer has done it, a straggler still behind is asked to leave (the async bench)
    assert.deepEqual(parseChurn('leave:2@40', 3, 40), [{ kind: 'leave', slot: 2, round: 40 }])
  })

  it('murmur cluster refuses --churn kill:1@41 with --rounds 40 before any peer starts', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'murmur-churn-late-')), 'run')
    await assert.rejects(runCluster(['--peers', '3', '--algo', 'gossip', '--dim', '5', '--rounds', '40', '--churn', 'kill:1@10,kill:1@41', '--out', out, '--quiet'], silent),
      (e: Error & { option?: string }) => e.name === 'UsageError' && e.option === 'churn' && /kill:1@41/.test(e.message))
    assert.ok(!existsSync(join(out, 'peer-0')), 'no peer was started')
  })

  it('an event due once the run is over, or once its peer has recorded the last round, is not done', () => {
    const kill: ChurnEvent = { kind: 'kill', slot: 1, round: 20 }
    const leave: ChurnEvent = { kind: 'leave', slot: 1, round: 20 }
    const join1: ChurnEvent = { kind: 'join', count: 1, round: 20 }
    const restart: ChurnEvent = { kind: 'restart', slot: 1, round: 20 }
    const cases: Array<{ id: string, ev: ChurnEvent, state: Parameters<typeof churnSkipReason>[1], skip: boolean }> = [
      { id: 'kill of a running peer', ev: kill, state: { rounds: 40, maxRound: 25, over: false, targetRound: 24 }, skip: false },
      { id: 'kill of a peer that recorded its last round', ev: kill, state: { rounds: 40, maxRound: 40, over: false, targetRound: 40 }, skip: true },
      { id: 'leave once the run is over', ev: leave, state: { rounds: 40, maxRound: 40, over: true, targetRound: 40 }, skip: true },
      { id: 'kill of a slow peer of an async run still going', ev: kill, state: { rounds: 40, maxRound: 40, over: false, targetRound: 30 }, skip: false },
      { id: 'leave of a slow peer after a fast one finished and exited', ev: leave, state: { rounds: 40, maxRound: 40, over: true, targetRound: 30 }, skip: false },
      { id: 'join while the run goes on', ev: join1, state: { rounds: 40, maxRound: 21, over: false }, skip: false },
      { id: 'join once a peer recorded the last round', ev: join1, state: { rounds: 40, maxRound: 40, over: false }, skip: true },
      { id: 'restart once the run is over', ev: restart, state: { rounds: 40, maxRound: 40, over: true, targetRound: 30 }, skip: true }
    ]
    for (const c of cases) {
      const reason = churnSkipReason(c.ev, c.state)
      assert.equal(reason !== undefined, c.skip, `${c.id}: ${String(reason)}`)
      if (reason !== undefined) assert.match(reason, /^the run is over/, c.id)
    }
  })

  it('a churn line says the round it was scheduled for when it fires later', () => {
    const ev: ChurnEvent = { kind: 'kill', slot: 3, round: 300 }
    assert.equal(churnLine(ev, 406, 'SIGKILL peer-3 (slot 3)'), 'churn: round 406 (scheduled 300): SIGKILL peer-3 (slot 3)')
    assert.equal(churnLine(ev, 300, 'SIGKILL peer-3 (slot 3)'), 'churn: round 300: SIGKILL peer-3 (slot 3)')
  })

  it('the summary\'s peers line names the joiners that recorded no round', () => {
    assert.equal(peersLine(5, 1, 0, 6, 2), '5 exited 0, 1 killed by churn; 2 joiners took no part (no round recorded)')
    assert.equal(peersLine(5, 0, 0, 5, 1), '5 exited 0; 1 joiner took no part (no round recorded)')
    assert.equal(peersLine(4, 1, 0, 5, 0), '4 exited 0, 1 killed by churn')
  })

  it('an event still pending when every peer is gone: "the run is over" when its round was reached between two polls, "ended before its round" otherwise', () => {
    // join:1@38 of a 40-round run whose peers recorded round 40 and exited between two polls of the cluster: the
    // poll that would have seen round 38 never came, but the round did (the churn-end test below, now and then)
    const due: ChurnEvent[] = [{ kind: 'join', count: 1, round: 38 }, { kind: 'restart', slot: 1, round: 39 }, { kind: 'kill', slot: 1, round: 40 }, { kind: 'leave', slot: 2, round: 40 }]
    for (const o of unappliedChurn(due, 40, 40)) {
      assert.equal(o.round, null, o.event)
      assert.match(o.outcome, /^not done: the run is over/, o.event)
    }
    assert.deepEqual(unappliedChurn(due, 40, 40).map((o) => o.event), ['join:1@38', 'restart:1@39', 'kill:1@40', 'leave:2@40'])
    // a run stopped at round 30 (a signal, --timeout): an event at 38 was never reached; one at 30 was, as the run ended
    const stopped = unappliedChurn([{ kind: 'join', count: 1, round: 30 }, { kind: 'join', count: 2, round: 38 }], 40, 30)
    assert.deepEqual(stopped, [
      { event: 'join:1@30', scheduled: 30, round: null, outcome: 'not done: the run is over' },
      { event: 'join:2@38', scheduled: 38, round: null, outcome: 'not done: the run ended before its round' }
    ])
  })

  it('a join as the run ends: summary.json says whether it was done, and how many joiners took no part', async () => {
    const out = mkdtempSync(join(tmpdir(), 'murmur-churn-endjoin-'))
    let printed = ''
    const code = await runCluster(['--peers', '2', '--algo', 'gossip', '--dim', '8', '--rounds', '40', '--heartbeat', '200', '--timeout', '60',
      '--churn', 'join:1@38', '--out', out, '--quiet', '--run-id', 'endjoin-test'], { out: (s) => { printed += s + '\n' }, err: () => {}, isTTY: false })
    assert.equal(code, 0, printed)
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { churn?: Array<{ event: string, round: number | null, outcome: string }>, joinersWithoutRounds?: number }
    assert.equal(summary.churn?.length, 1, JSON.stringify(summary))
    const [ev] = summary.churn
    assert.equal(ev.event, 'join:1@38')
    if (ev.round === null) {
      assert.match(ev.outcome, /^not done: the run is over/)
      assert.equal(summary.joinersWithoutRounds, 0)
    } else if (metrics(join(out, 'peer-2')).length === 0) {
      assert.equal(summary.joinersWithoutRounds, 1)
      assert.match(ev.outcome, /took no part/)
      assert.match(printed, /1 joiner took no part/)
    } else {
      assert.equal(summary.joinersWithoutRounds, 0)
    }
  })

  it('progressRound: the slowest live peer taking part, not a joiner still waiting at round 0 nor a peer killed', () => {
    const peer = (round: number, more: Partial<Parameters<typeof progressRound>[0][number]> = {}): Parameters<typeof progressRound>[0][number] =>
      ({ round, startRound: 0, late: false, exitCode: undefined, ...more })
    assert.equal(progressRound([peer(50), peer(48), peer(0, { late: true })]), 48, 'a joiner that has not joined yet')
    assert.equal(progressRound([peer(100, { exitCode: 0 }), peer(60, { exitCode: null }), peer(0, { late: true })]), 100, 'only a joiner at round 0 alive')
    assert.equal(progressRound([peer(50), peer(20, { exitCode: null, killed: true })]), 50, 'a peer killed by churn')
    assert.equal(progressRound([peer(50), peer(53, { late: true, startRound: 30 })]), 50, 'a restarted peer that is back')
  })

  it('a run stopped early (here by --timeout): the last progress line shows the round reached, not the total', async () => {
    const out = mkdtempSync(join(tmpdir(), 'murmur-churn-progress-'))
    let progress = ''
    await runCluster(['--peers', '2', '--algo', 'gossip', '--dim', '8', '--rounds', '1000000', '--heartbeat', '200', '--timeout', '6',
      '--out', out, '--run-id', 'progress-test'], { out: () => {}, err: () => {}, isTTY: false, progress: (t: string) => { progress += t } })
    const last = progress.trim().split('\n').at(-1) ?? ''
    const m = /^cluster \S+ (\d+)\/1000000 /.exec(last)
    assert.ok(m !== null, `no progress line: ${progress}`)
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { rounds: number }
    assert.ok(summary.rounds > 0 && summary.rounds < 1000000)
    assert.equal(Number(m[1]), summary.rounds, last)
  })
})
