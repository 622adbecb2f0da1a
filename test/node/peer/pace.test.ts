import assert from 'node:assert/strict'
import { RecentRoundTime, RoundPace } from '../../../node/peer/pace.ts'

const member = (id: string, round: number, lastSeen: number, extra: { self?: boolean, live?: boolean, state?: 'joining' | 'active' | 'leaving' } = {}) =>
  ({ id, round, lastSeen, self: extra.self ?? false, live: extra.live ?? true, state: extra.state ?? 'active' as const })

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

  it('a joiner\'s jump from round 0 to its join round, and a restarted member\'s fall, are not pace: only members active at both announcements count', () => {
    const pace = new RoundPace(100)
    // j announces round 0 while joining, then round 201 once it has run its first round (it joined at 200)
    pace.observe([member('j', 0, 0, { state: 'joining' }), member('a', 190, 0)])
    pace.observe([member('j', 201, 300), member('a', 193, 300)])
    assert.equal(pace.roundsPerMs(), 3 / 300, 'a\'s pace; j is first heard active at round 201')
    pace.observe([member('j', 204, 600), member('a', 196, 600)])
    assert.equal(pace.roundsPerMs(), 3 / 300)
    // a restarts with --resume from round 150: heard anew, not as negative or as a jump when it catches up
    pace.observe([member('a', 150, 900)])
    pace.observe([member('a', 151, 1200)])
    assert.equal(pace.roundsPerMs(), 3 / 300)
  })

  it('a run that stands still has pace 0', () => {
    const pace = new RoundPace(100)
    pace.observe([member('a', 7, 0)])
    pace.observe([member('a', 7, 1000)])
    assert.equal(pace.roundsPerMs(), 0)
  })
})

describe('node/peer RecentRoundTime: the pace a peer keeps once alone', () => {
  it('is the median of the last rounds observed, undefined before any; old rounds and non-finite times drop out', () => {
    const t = new RecentRoundTime(4)
    assert.equal(t.medianMs(), undefined)
    t.observe(10)
    assert.equal(t.medianMs(), 10)
    for (const ms of [30, 20, NaN, -1, Infinity]) t.observe(ms)
    assert.equal(t.medianMs(), 20, 'median of 10, 30, 20')
    t.observe(40)
    assert.equal(t.medianMs(), 25, 'median of 10, 30, 20, 40')
    for (const ms of [1000, 1000, 1000]) t.observe(ms)
    assert.equal(t.medianMs(), 1000, 'the first four are gone')
  })
})
