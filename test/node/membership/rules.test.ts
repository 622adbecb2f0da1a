import assert from 'node:assert/strict'
import fc from 'fast-check'
import { applyAnnouncement, cutOff, joinRound, memberAtRound, membersAtRound, reach, slotConflicts } from '../../../node/membership/index.ts'
import type { Announcement, MemberRecord } from '../../../node/membership/index.ts'

const TIMEOUT = 1000

function rec (id: string, fields: Partial<MemberRecord> = {}): MemberRecord {
  return { id, addrs: [], slot: 0, round: 0, state: 'active', since: 0, seq: 1, lastSeen: 0, ...fields }
}

function ann (id: string, fields: Partial<Announcement>): Announcement {
  return { v: 1, id, addrs: [], slot: 0, round: 0, state: 'joining', configHash: '0'.repeat(64), config: {}, seq: 1, ...fields }
}

describe('node/membership rules', () => {
  it('a member counts from its effective round until its leave takes effect', () => {
    assert.equal(memberAtRound({ since: 5 }, 4), false)
    assert.equal(memberAtRound({ since: 5 }, 5), true)
    assert.equal(memberAtRound({ since: 5, until: 9 }, 8), true)
    assert.equal(memberAtRound({ since: 5, until: 9 }, 9), false)
    assert.equal(memberAtRound({}, 100), false, 'a joiner that has not decided is no member')
  })

  it('membersAtRound: sorted, joiners from their round, leavers before theirs, silent peers excluded', () => {
    const records = [
      rec('d', { since: 0 }),
      rec('b', { since: 7 }), // joins at 7
      rec('a', { since: 0, until: 6, state: 'leaving' }), // last round 5
      rec('c', { since: 0, lastSeen: -TIMEOUT - 1 }), // silent too long
      rec('e', { since: undefined, state: 'joining' })
    ]
    assert.deepEqual(membersAtRound(records, 5, 0, TIMEOUT), ['a', 'd'])
    assert.deepEqual(membersAtRound(records, 6, 0, TIMEOUT), ['d'])
    assert.deepEqual(membersAtRound(records, 7, 0, TIMEOUT), ['b', 'd'])
    assert.deepEqual(membersAtRound(records, 7, -1, TIMEOUT), ['b', 'c', 'd'], 'c was live a millisecond earlier')
  })

  it('applyAnnouncement: a leaver keeps the round it joined at, a rejoin replaces it', () => {
    const joined = applyAnnouncement(undefined, ann('a', { state: 'active', effectiveRound: 4 }), 10)
    assert.deepEqual([joined.since, joined.until, joined.lastSeen], [4, undefined, 10])
    const left = applyAnnouncement(joined, ann('a', { state: 'leaving', effectiveRound: 9 }), 20)
    assert.deepEqual([left.since, left.until], [4, 9])
    const never = applyAnnouncement(undefined, ann('b', { state: 'leaving', effectiveRound: 3 }), 0)
    assert.deepEqual([never.since, never.until], [0, 3], 'first heard while leaving: a member until its leave')
    const back = applyAnnouncement(left, ann('a', { state: 'joining', effectiveRound: 12 }), 30)
    assert.deepEqual([back.since, back.until], [12, undefined])
    const undecided = applyAnnouncement(undefined, ann('c', { state: 'joining' }), 0)
    assert.equal(undecided.since, undefined)
  })

  it('joinRound: R + lead over live active members, 0 when no one is active yet', () => {
    assert.equal(joinRound([], 0, TIMEOUT, 2), 0)
    assert.equal(joinRound([rec('a', { state: 'joining', round: 30, since: 0 })], 0, TIMEOUT, 2), 0)
    const records = [rec('a', { round: 10 }), rec('b', { round: 12 }), rec('c', { round: 50, lastSeen: -5000 })]
    assert.equal(joinRound(records, 0, TIMEOUT, 2), 14)
    assert.equal(joinRound(records, 0, TIMEOUT, 3), 15)
  })

  it('slotConflicts: every slot claimed twice or more, with its ids', () => {
    assert.deepEqual(slotConflicts([{ id: 'a', slot: 0 }, { id: 'b', slot: 1 }]), [])
    assert.deepEqual(slotConflicts([{ id: 'c', slot: 2 }, { id: 'a', slot: 0 }, { id: 'b', slot: 2 }, { id: 'd', slot: 0 }, { id: 'e', slot: 2 }]),
      [{ slot: 0, ids: ['a', 'd'] }, { slot: 2, ids: ['b', 'c', 'e'] }])
  })

  it('law: two peers that heard the same records agree on every round, whatever order they heard them in', () => {
    const recordArb = fc.record({
      id: fc.string({ minLength: 1, maxLength: 4 }),
      since: fc.option(fc.nat(20), { nil: undefined }),
      until: fc.option(fc.nat(25), { nil: undefined }),
      lastSeen: fc.integer({ min: -2000, max: 0 })
    })
    fc.assert(fc.property(fc.uniqueArray(recordArb, { selector: (r) => r.id, maxLength: 12 }), fc.nat(30), (rs, round) => {
      const records = rs.map((r) => rec(r.id, r))
      const a = membersAtRound(records, round, 0, TIMEOUT)
      const b = membersAtRound([...records].reverse(), round, 0, TIMEOUT)
      assert.deepEqual(a, b)
      assert.deepEqual(a, [...a].sort())
      for (const id of a) {
        const r = records.find((x) => x.id === id) as MemberRecord
        assert.ok(memberAtRound(r, round) && r.lastSeen >= -TIMEOUT)
      }
    }), { seed: 7, numRuns: 300 })
  })

  it('reach: live members and itself are reachable; silent ones are lost unless they announced their leave or never joined', () => {
    const records = [
      rec('a'),
      rec('b', { lastSeen: -TIMEOUT - 1 }), // silent: lost
      rec('c', { lastSeen: -TIMEOUT - 1, until: 9, state: 'leaving' }), // left: not lost
      rec('d', { lastSeen: -TIMEOUT - 1, since: undefined, state: 'joining' }), // never a member: not lost
      rec('e', { since: undefined, state: 'joining' }) // a live joiner: not counted yet
    ]
    assert.deepEqual(reach(records, 0, TIMEOUT), { reachable: 2, lost: 1 })
    assert.deepEqual(reach([], 0, TIMEOUT), { reachable: 1, lost: 0 }, 'alone from the start is not cut off')
  })

  it('cutOff: only when the silent members outnumber the heard ones; equal halves go on', () => {
    assert.equal(cutOff({ reachable: 1, lost: 4 }), true, 'one peer of five, cut off')
    assert.equal(cutOff({ reachable: 4, lost: 1 }), false, 'the four it left')
    assert.equal(cutOff({ reachable: 3, lost: 3 }), false, 'a split in halves')
    assert.equal(cutOff({ reachable: 1, lost: 1 }), false, 'the survivor of two')
    assert.equal(cutOff({ reachable: 1, lost: 2 }), true, 'the survivor of three')
  })

  it('law: of two sides of any cut, at most one is cut off', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 200 }), fc.integer({ min: 1, max: 200 }), (a, b) => {
      // side A hears its a peers and lost the b of side B, and the other way round
      return !(cutOff({ reachable: a, lost: b }) && cutOff({ reachable: b, lost: a }))
    }), { seed: 7 })
  })
})
