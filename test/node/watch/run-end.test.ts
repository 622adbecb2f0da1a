import assert from 'node:assert/strict'
import { PEER_TIMEOUT_MS, WatchModel, renderTerminal } from '../../../node/watch/index.ts'
import { announcement, config, runningModel, summary } from './helpers.ts'

const T0 = 1_000_000
/** a member announced twice 500 ms apart is judged on 3 heartbeats of 950 ms plus the run's 1 s deadline */
const TIMEOUT = 3 * 950 + config.roundDeadlineMs

const running = (rounds: number): WatchModel => runningModel(rounds, T0)

/** peer `slot` leaves after the run's last round (index rounds − 1: it is no longer a member from round `rounds`) */
function leave (m: WatchModel, slot: number, rounds: number, at: number): void {
  m.announce(announcement(slot, 3, { state: 'leaving', round: rounds, effectiveRound: rounds }), at)
}

describe('node/watch WatchModel: the end of the watched run', () => {
  it('is not over before anything is heard, however long the wait', () => {
    const m = new WatchModel({ runId: config.runId })
    m.tick(T0 + 600_000)
    assert.equal(m.snapshot(T0 + 600_000).ended, null)
  })

  it('is over once every peer has left after reporting its last round: one \'ended\' event with the round reached', () => {
    const m = running(5)
    for (const slot of [0, 1, 2]) leave(m, slot, 5, T0 + 600)
    m.tick(T0 + 600)
    assert.equal(m.snapshot(T0 + 600).ended, null, 'slot 3 still runs')
    leave(m, 3, 5, T0 + 601)
    m.tick(T0 + 601)
    const s = m.snapshot(T0 + 601)
    assert.deepEqual(s.ended, { time: T0 + 601, round: 5, left: 4, silent: 0, text: 'run ended at round 5: 4 peers left' })
    assert.deepEqual(s.events.filter((e) => e.kind === 'ended').map((e) => e.text), ['run ended at round 5: 4 peers left'])
    m.tick(T0 + 2000)
    assert.equal(m.snapshot(T0 + 2000).events.filter((e) => e.kind === 'ended').length, 1, 'said once')
  })

  it('counts the peers that went silent apart from those that left, once silent for the peer timeout too', () => {
    const m = running(5)
    leave(m, 0, 5, T0 + 600)
    leave(m, 1, 5, T0 + 600)
    m.tick(T0 + 500 + TIMEOUT - 10)
    assert.equal(m.snapshot(T0 + 500 + TIMEOUT - 10).ended, null, 'slots 2 and 3 are within their timeout')
    m.tick(T0 + 500 + TIMEOUT + 1)
    const silenced = m.snapshot(T0 + 500 + TIMEOUT + 1)
    assert.deepEqual(silenced.events.filter((e) => e.kind === 'silent').map((e) => e.slot), [2, 3], 'the members judge them gone')
    assert.equal(silenced.ended, null, 'silent, but heard within the peer timeout (their last summaries at T0 + 505)')
    const after = T0 + 505 + PEER_TIMEOUT_MS + 1
    m.tick(after)
    const s = m.snapshot(after)
    assert.equal(s.ended?.text, 'run ended at round 5: 2 peers left, 2 went silent')
    assert.deepEqual({ left: s.ended?.left, silent: s.ended?.silent, round: s.ended?.round }, { left: 2, silent: 2, round: 5 })
  })

  it('waits for a leaver that still owes its last round, until it reports it', () => {
    const m = running(5)
    // each announces its last round is round index 5: a member of round 5, so it owes summary 6
    for (let slot = 0; slot < 4; slot++) leave(m, slot, 6, T0 + 600)
    m.tick(T0 + 600)
    assert.equal(m.snapshot(T0 + 600).ended, null)
    for (let slot = 0; slot < 4; slot++) m.summary(summary(slot, 6), T0 + 700)
    m.tick(T0 + 700)
    assert.equal(m.snapshot(T0 + 700).ended?.text, 'run ended at round 6: 4 peers left')
  })

  it('stays over once its peers are forgotten (no empty rows), and is not over once a peer of the run is heard again', () => {
    const m = running(5)
    for (let slot = 0; slot < 4; slot++) leave(m, slot, 5, T0 + 600)
    m.tick(T0 + 600)
    m.tick(T0 + 200_000)
    const forgotten = m.snapshot(T0 + 200_000)
    assert.deepEqual(forgotten.peers, [], 'the peers are forgotten')
    assert.equal(forgotten.ended?.text, 'run ended at round 5: 4 peers left', 'the end is still reported')
    m.announce(announcement(1, 10, { state: 'active', round: 5, effectiveRound: 5 }), T0 + 200_100)
    m.tick(T0 + 200_100)
    assert.equal(m.snapshot(T0 + 200_100).ended, null, 'resumed: watching again')
  })

  it('the terminal view says the run ended, under its header', () => {
    const m = running(5)
    for (let slot = 0; slot < 4; slot++) leave(m, slot, 5, T0 + 600)
    m.tick(T0 + 600)
    const lines = renderTerminal(m.snapshot(T0 + 600), { width: 120 }).split('\n')
    assert.equal(lines[1], 'run ended at round 5: 4 peers left')
    assert.ok(!renderTerminal(running(5).snapshot(T0 + 600)).includes('run ended'))
  })
})

describe('node/watch: an observer that was itself stopped (Ctrl-Z, SIGSTOP, a machine asleep)', () => {
  it('WatchModel.stalled gives the pause back to the peers: no silence and no end on waking, an event saying so', () => {
    const m = running(5)
    const wake = T0 + 600_000
    m.stalled(600_000 - 500, wake)
    m.tick(wake)
    const s = m.snapshot(wake)
    assert.equal(s.ended, null, 'the peers were not heard because the observer did not listen')
    assert.deepEqual(s.events.filter((e) => e.kind === 'silent'), [])
    assert.equal(s.peers.filter((p) => p.status === 'silent').length, 0)
    assert.match(s.events.at(-1)?.text ?? '', /^this observer was stopped for 599\.5 s .*not counted against the peers/)
    // still judged as usual from then on: nothing heard for the timeouts after waking ends the run
    const later = wake + PEER_TIMEOUT_MS + TIMEOUT + 1
    m.tick(later)
    assert.equal(m.snapshot(later).ended?.text, 'run ended at round 5: 4 peers went silent')
  })

  it('without it the same pause reads as every peer gone silent: the run would be called over', () => {
    const m = running(5)
    m.tick(T0 + 600_000)
    assert.equal(m.snapshot(T0 + 600_000).ended?.text, 'run ended at round 5: 4 peers went silent')
  })
})
