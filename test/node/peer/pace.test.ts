import assert from 'node:assert/strict'
import { RoundPace } from '../../../node/peer/pace.ts'

const member = (id: string, round: number, lastSeen: number, extra: { self?: boolean, live?: boolean } = {}) =>
  ({ id, round, lastSeen, self: extra.self ?? false, live: extra.live ?? true })

describe('node/peer RoundPace: how fast a running run advances, as a joiner hears it', () => {
  it('counts the rounds a member advanced between two announcements, not the rounds run before this peer listened', () => {
    const pace = new RoundPace(250)
    // a run at round 61 heard for the first time: no pace yet (the old estimate read 61 rounds over the listening time)
    pace.observe([member('a', 61, 10_000), member('me', 0, 10_000, { self: true })])
    assert.equal(pace.roundsPerMs(), undefined)
    // one heartbeat later it is at round 74: 13 rounds in 500 ms
    pace.observe([member('a', 74, 10_500), member('me', 0, 10_500, { self: true })])
    assert.equal(pace.roundsPerMs(), 13 / 500)
  })

  it('takes the fastest member, ignores announcements closer than the minimum span, its own record and members not live', () => {
    const pace = new RoundPace(250)
    pace.observe([member('a', 10, 0), member('b', 10, 0), member('me', 0, 0, { self: true }), member('dead', 0, 0, { live: false })])
    // b's second announcement 100 ms after its first says nothing yet
    pace.observe([member('a', 10, 0), member('b', 30, 100), member('me', 500, 100, { self: true }), member('dead', 900, 100, { live: false })])
    assert.equal(pace.roundsPerMs(), undefined)
    pace.observe([member('a', 15, 500), member('b', 40, 500), member('me', 9000, 500, { self: true }), member('dead', 9000, 500, { live: false })])
    assert.equal(pace.roundsPerMs(), 30 / 500)
    // repeats change nothing; a member that went back (a restart) counts as no progress, not negative
    pace.observe([member('a', 15, 500), member('b', 40, 500)])
    pace.observe([member('c', 50, 600)])
    pace.observe([member('c', 20, 1200)])
    assert.equal(pace.roundsPerMs(), 30 / 500)
  })

  it('a run that stands still has pace 0', () => {
    const pace = new RoundPace(100)
    pace.observe([member('a', 7, 0)])
    pace.observe([member('a', 7, 1000)])
    assert.equal(pace.roundsPerMs(), 0)
  })
})
