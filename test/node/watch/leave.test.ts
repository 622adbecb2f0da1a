import assert from 'node:assert/strict'
import { renderTerminal, short } from '../../../node/watch/index.ts'
import type { WatchModel, WatchSnapshot } from '../../../node/watch/index.ts'
import { announcement, ids, runningModel, summary } from './helpers.ts'

const T0 = 1_000_000

/** four peers that completed 5 rounds; peer 2 is stopped during round index 5 (the 6th) and announces it as its last */
function leaverModel (): WatchModel {
  const m = runningModel(5, T0)
  m.announce(announcement(2, 3, { state: 'leaving', effectiveRound: 6, round: 5 }), T0 + 800)
  return m
}

const statusOf = (s: WatchSnapshot, slot: number): string | undefined => s.peers.find((p) => p.slot === slot)?.status
/** the live peers the terminal view counts */
const liveCount = (s: WatchSnapshot): number => Number(/^peers (\d+) live, /m.exec(renderTerminal(s))?.[1])

describe('node/watch WatchModel: a peer that leaves gracefully', () => {
  it('says it leaves after the rounds it completes (1-based, as the progress lines, the metrics and the other peers count them)', () => {
    const events = leaverModel().snapshot(T0 + 800).events.filter((e) => e.kind === 'leave')
    // its last round has index 5, so it leaves once 6 rounds are done; the other peers say "gone from round 6"
    assert.deepEqual(events.map((e) => e.text), [`peer ${short(ids[2])} (slot 2) leaves after round 6`])
  })

  it('is "leaving" while it works its last round, then "left", and stays "left", not "silent", once it stops announcing', () => {
    const m = leaverModel()
    let s = m.snapshot(T0 + 800)
    assert.equal(statusOf(s, 2), 'leaving')
    assert.equal(liveCount(s), 4, 'still working its last round: a live peer')

    m.summary(summary(2, 6), T0 + 900)
    s = m.snapshot(T0 + 900)
    assert.equal(statusOf(s, 2), 'left', 'its last round reported')
    assert.equal(liveCount(s), 3)

    // the others go on; the leaver's process has exited and announces nothing more
    for (const slot of [0, 1, 3]) m.announce(announcement(slot, 3, { round: 8 }), T0 + 4000)
    for (let r = 6; r <= 8; r++) for (const slot of [0, 1, 3]) m.summary(summary(slot, r), T0 + 4000 + r)
    m.tick(T0 + 4500)
    s = m.snapshot(T0 + 4500)
    assert.deepEqual(s.peers.map((p) => `${p.slot}:${p.status}`), ['0:active', '1:active', '2:left', '3:active'])
    assert.equal(liveCount(s), 3)
    assert.ok(!s.events.some((e) => e.kind === 'silent'), 'a leaver is not reported silent')
  })

  it('a peer that stops announcing without leaving is still "silent"', () => {
    const m = runningModel(5, T0)
    for (const slot of [0, 1, 3]) m.announce(announcement(slot, 3, { round: 8 }), T0 + 4000)
    m.tick(T0 + 4500)
    const s = m.snapshot(T0 + 4500)
    assert.equal(statusOf(s, 2), 'silent')
    assert.equal(liveCount(s), 3)
  })
})
