import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildReport, churnOf, exitsOf, loadRun, measureContraction, membershipChanges } from '../../../node/report/index.ts'
import type { RoundRow } from '../../../node/report/index.ts'

function row (round: number, fields: Partial<RoundRow> = {}): RoundRow {
  return {
    round, trainLoss: null, accuracy: null, peerAccuracyMin: null, peerAccuracyMean: null, consensusDistance: null,
    bytesThisRound: null, bytesSent: null, lambda2: null, online: null, snapshots: null, computeMs: null, commMs: null, roundMs: null, ...fields
  }
}

/** the section of a page with this id, its tags and all */
function section (html: string, id: string): string {
  const start = html.indexOf(`<section id="${id}">`)
  assert.ok(start >= 0, `no section ${id}`)
  return html.slice(start, html.indexOf('</section>', start))
}

/**
 * As murmur cluster --peers 6 --rounds 200 --snapshot-every 20 --churn kill:2@60,join:1@100 merges it: a row every
 * round, the consensus distance on snapshot rounds. The kill shows at round 61 (5 peers ran it) and the graph the peers
 * mix over is rebuilt at round 64; the joiner runs its first round at 107 and the graph is rebuilt at 109.
 */
function churnedRows (distance: (round: number) => number = (r) => 0.05 * Math.pow(0.999, r)): RoundRow[] {
  return Array.from({ length: 200 }, (_, i) => {
    const round = i + 1
    const online = round >= 61 && round < 107 ? 5 : 6
    const lambda2 = round >= 64 && round < 109 ? 0.5393446629166317 : 0.666666666666667
    return row(round, { online, lambda2, ...(round % 20 === 0 ? { consensusDistance: distance(round), snapshots: online } : {}) })
  })
}

const CHURN = [
  { event: 'kill:2@60', scheduled: 60, round: 60, outcome: 'done' },
  { event: 'join:1@100', scheduled: 100, round: 100, outcome: 'done' }
]

describe('node/report membership and churn', () => {
  it('finds where membership changed from the rows: the peers that ran a round, and lambda2 of the graph they mixed over', () => {
    const changes = membershipChanges(churnedRows(), [])
    assert.deepEqual(changes.map((c) => [c.from, c.to]), [[61, 61], [64, 64], [107, 107], [109, 109]])
    assert.match(changes[0].why, /at round 61 the peers that ran a round went from 6 to 5/)
    assert.match(changes[1].why, /at round 64 lambda2 went from 0\.666667 to 0\.539345/)
    // a gap in the rows: the change lies somewhere in it, and the span says so
    const gappy = membershipChanges([row(1, { online: 4 }), row(5, { online: 3 })], [])
    assert.deepEqual(gappy.map((c) => [c.from, c.to]), [[2, 5]])
    assert.match(gappy[0].why, /between rounds 1 and 5/)
  })

  it('a kill or join the rows show adds nothing; a restart (the count may not change) or an event the rows cannot place spans its round and the next', () => {
    const churn = churnOf({ churn: [...CHURN, { event: 'restart:3@140', scheduled: 140, round: 140, outcome: 'done' }] })
    const changes = membershipChanges(churnedRows(), churn)
    assert.deepEqual(changes.map((c) => [c.from, c.to]), [[61, 61], [64, 64], [107, 107], [109, 109], [140, 141]])
    assert.match(changes[4].why, /restart:3@140/)
    // no online count recorded around an event: the event is all there is
    const bare = [20, 40, 60, 80].map((r) => row(r, { consensusDistance: 1 }))
    assert.deepEqual(membershipChanges(bare, churnOf({ churn: [CHURN[0]] })).map((c) => [c.from, c.to]), [[60, 61]])
    // not applied, or a join whose joiners all took no part: nothing changed
    const idle = churnOf({ churn: [{ event: 'join:1@100', scheduled: 100, round: 100, outcome: 'done, but 1 of 1 started took no part (no round recorded: the run was over before it joined)' }, { event: 'kill:3@190', scheduled: 190, round: null, outcome: 'not done: the run is over' }] })
    assert.deepEqual(idle.map((e) => e.happened), [false, false])
    assert.deepEqual(membershipChanges(bare, idle), [])
  })

  it('leaves out exactly the intervals between records that a membership change falls in, and uses every other one', () => {
    // without the snapshot counts (as metrics that do not record them) and without the changes, every interval counts
    const rows = churnedRows().map((r) => ({ ...r, snapshots: null }))
    assert.equal(measureContraction(rows, null).points.length, 9)
    const c = measureContraction(rows, null, { changes: membershipChanges(rows, churnOf({ churn: CHURN })) })
    assert.deepEqual(c.excluded.map((e) => [e.from, e.to]), [[60, 80], [100, 120]])
    assert.equal(c.excluded[0].why.length, 2, 'the count at 61 and lambda2 at 64')
    // the snapshot counts alone tell the same intervals apart (5 peers' snapshots at round 80, 6 at 60)
    assert.deepEqual(measureContraction(churnedRows(), null).excluded.map((e) => [e.from, e.to]), [[60, 80], [100, 120]])
    assert.deepEqual(c.points.map((p) => [p.from, p.round]), [[20, 40], [40, 60], [80, 100], [120, 140], [140, 160], [160, 180], [180, 200]])
    for (const p of c.points) assert.ok(Math.abs(p.measured - 0.999) < 1e-12)
    assert.ok(c.fit !== null)
    assert.deepEqual([c.fit.from, c.fit.to, c.fit.intervals], [140, 200, 3], 'the last third of the intervals used')
    assert.ok(Math.abs(c.fit.rate - 0.999) < 1e-12)
  })

  it('an interval whose two records average different peers\' snapshots is left out, saying so', () => {
    const rows = [row(20, { consensusDistance: 0.5, snapshots: 6, lambda2: 0.6 }), row(40, { consensusDistance: 0.4, snapshots: 4, lambda2: 0.6 }), row(60, { consensusDistance: 0.3, snapshots: 4, lambda2: 0.6 })]
    const c = measureContraction(rows, null)
    assert.deepEqual(c.excluded.map((e) => [e.from, e.to]), [[20, 40]])
    assert.match(c.excluded[0].why[0], /6 peers' snapshots at round 20, 4 at round 40/)
    assert.deepEqual(c.points.map((p) => p.round), [60])
  })

  it('round-off ends the measurement only until membership changes: records a joiner pulls above the floor count again', () => {
    // gossip: at round-off from round 40; a restart at round 100 brings back an old vector, and the distance contracts again
    const d = (r: number): number => r < 100 ? Math.max(1e-14, Math.pow(0.25, r / 5)) : Math.pow(0.25, (r - 100) / 5)
    const rows = Array.from({ length: 40 }, (_, i) => row(5 * (i + 1), { consensusDistance: d(5 * (i + 1)), lambda2: 0.5 }))
    const changes = membershipChanges(rows, churnOf({ churn: [{ event: 'restart:1@100', scheduled: 100, round: 100, outcome: 'done' }] }))
    const c = measureContraction(rows, null, { changes })
    // the floor is 1e-10 (one coordinate): 0.25^16 at round 80 is above it, 0.25^17 at round 85 below
    assert.equal(c.floorRound, 85)
    assert.deepEqual(c.roundOff.map((s) => [s.from, s.to, s.records, s.toEnd]), [[85, 95, 3, false], [185, 200, 4, true]])
    // the restart applied at round 100 may show in round 100 or 101: the interval 100 to 105 holds it
    assert.deepEqual(c.excluded.map((e) => [e.from, e.to]), [[100, 105]])
    assert.ok(c.points.some((p) => p.from === 105), 'the records after the restart count')
    assert.equal(c.points.length, 15 + 15)
    for (const p of c.points) assert.ok(Math.abs(p.measured - 0.25 ** 0.2) < 1e-9, `${p.from} → ${p.round}: ${p.measured}`)
    assert.equal(c.belowFloor, 7)
  })

  it('reads summary.json\'s churn and exits: a peer killed by a kill event is expected, any other non-zero exit is not', () => {
    const summary = {
      churn: [...CHURN, { event: 'leave:4@150', scheduled: 150, round: 150, outcome: 'done' }],
      exits: [
        { slot: 0, exitCode: 0, signal: null }, { slot: 1, exitCode: 1, signal: null }, { slot: 2, exitCode: null, signal: 'SIGKILL' },
        { slot: 3, exitCode: null, signal: 'SIGSEGV' }, { slot: 4, exitCode: null, signal: 'SIGTERM' }, { slot: 2, exitCode: 0, signal: null }
      ]
    }
    const churn = churnOf(summary)
    assert.deepEqual(churn.map((e) => [e.kind, e.target, e.round, e.happened]), [['kill', 2, 60, true], ['join', 1, 100, true], ['leave', 4, 150, true]])
    const exits = exitsOf(summary, churn)
    assert.deepEqual(exits.map((e) => [e.process, e.slot]), [[1, 1], [2, 2], [3, 3], [4, 4]], 'only the processes that did not exit 0')
    assert.equal(exits[0].expected, null)
    assert.equal(exits[1].expected, 'churn kill:2@60 killed it at round 60')
    assert.equal(exits[2].expected, null)
    assert.equal(exits[3].expected, 'churn leave:4@150 sent it SIGTERM at round 150')
    // one process per event: a second SIGKILL in slot 2 is not explained by the same kill
    const twice = exitsOf({ exits: [{ slot: 2, exitCode: null, signal: 'SIGKILL' }, { slot: 2, exitCode: null, signal: 'SIGKILL' }] }, churn)
    assert.deepEqual(twice.map((e) => e.expected === null), [false, true])
    assert.deepEqual(churnOf({}), [])
    assert.deepEqual(churnOf({ churn: 'nonsense' }), [])
    assert.deepEqual(exitsOf({ exits: [{ slot: 'x' }] }, []), [])
  })

  it('a churned cluster\'s report: a Membership section, churn rounds marked on the plots, and the contraction text names the rounds left out', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'murmur-report-churn-'))
    writeFileSync(join(dir, 'run.json'), JSON.stringify({ peers: 6, topology: 'ring', weights: 'metropolis', algo: 'dpsgd', model: 'softmax', dataset: 'mnist', seed: 1, rounds: 200, evalEvery: 20, evalLimit: 0 }))
    mkdirSync(join(dir, 'peer-0'))
    const lines = churnedRows().map((r) => ({ round: r.round, online: r.online, lambda2: r.lambda2, consensusDistance: r.consensusDistance, snapshots: r.snapshots ?? 0, accuracy: r.consensusDistance === null ? null : 0.9, peerAccuracyMin: r.consensusDistance === null ? null : 0.89, bytesThisRound: 100 }))
    writeFileSync(join(dir, 'metrics.jsonl'), lines.map((l) => JSON.stringify(l)).join('\n') + '\n')
    writeFileSync(join(dir, 'summary.json'), JSON.stringify({
      peers: 7, rounds: 200, accuracy: 0.9, peerAccuracyMin: 0.89,
      exits: [0, 1, 2, 3, 4, 5].map((slot) => ({ slot, exitCode: slot === 2 ? null : 0, signal: slot === 2 ? 'SIGKILL' : null })).concat([{ slot: 2, exitCode: 1, signal: null }]),
      churn: CHURN,
      joinersWithoutRounds: 0
    }))
    const html = await buildReport(loadRun(dir))
    assert.ok(html.includes('<a href="#membership">Membership</a>'), 'a Membership section in the nav')
    const m = section(html, 'membership')
    assert.match(m, /<td>60<\/td><td>kill<\/td><td>slot 2<\/td>/)
    assert.match(m, /<td>100<\/td><td>join<\/td><td>1 new peer<\/td>/)
    assert.match(m, /peer-2 \(slot 2\): killed by SIGKILL; expected: churn kill:2@60 killed it/)
    assert.match(m, /peer-6 \(slot 2\): exit code 1; not caused by churn/)
    assert.doesNotMatch(m, /peer-0/, 'peers that exited 0 are not listed one by one')
    assert.match(m, /At round 61 the peers that ran a round went from 6 to 5\./)
    // a marker line and label per applied event on the round-indexed plots
    for (const id of ['accuracy', 'consensus', 'contraction']) assert.match(section(html, id), /kill:2@60/, id)
    const c = section(html, 'contraction')
    assert.match(c, /Left out, because membership changed within them: rounds 60 to 80 \(at round 61 the peers that ran a round went from 6 to 5; at round 64 lambda2 went from 0\.666667 to 0\.539345[^)]*\); rounds 100 to 120 \(at round 107 [^)]*\)\./)
    assert.match(c, /The other 7 intervals between records are used/)
    assert.doesNotMatch(c, /from round \d+ on/)
  })

  it('a cluster without churn says so in one line; a simulator run has no Membership section', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'murmur-report-churn-'))
    writeFileSync(join(dir, 'run.json'), JSON.stringify({ peers: 2, topology: 'ring', algo: 'gossip', seed: 1 }))
    mkdirSync(join(dir, 'peer-0'))
    writeFileSync(join(dir, 'metrics.jsonl'), [1, 2].map((round) => JSON.stringify({ round, online: 2, consensusDistance: 0.5 ** round })).join('\n') + '\n')
    writeFileSync(join(dir, 'summary.json'), JSON.stringify({ peers: 2, rounds: 2, exits: [{ slot: 0, exitCode: 0, signal: null }, { slot: 1, exitCode: 0, signal: null }] }))
    const m = section(await buildReport(loadRun(dir)), 'membership')
    assert.match(m, /No churn events\. All 2 peer processes exited 0\./)
    const sim = mkdtempSync(join(tmpdir(), 'murmur-report-churn-'))
    writeFileSync(join(sim, 'config.json'), JSON.stringify({ experiment: { peers: 4, topology: 'ring', algo: 'gossip', seed: 1 } }))
    writeFileSync(join(sim, 'metrics.jsonl'), [1, 2].map((round) => JSON.stringify({ round, online: 4 - round, consensusDistance: 0.5 ** round })).join('\n') + '\n')
    const html = await buildReport(loadRun(sim))
    assert.doesNotMatch(html, /id="membership"/)
    assert.doesNotMatch(section(html, 'contraction'), /Left out/, '--offline peers sitting a round out are not membership changes')
  })
})
