import assert from 'node:assert/strict'
import { WatchModel, livePeer, renderLines, renderTerminal } from '../../../node/watch/index.ts'
import type { WatchSnapshot } from '../../../node/watch/index.ts'
import { announcement, config, ids, summary } from './helpers.ts'

const T0 = 1_000_000

/** the top-level round as documented: the most rounds a live peer completed, as the peer rows of the same snapshot say */
function mostRoundsOfLivePeers (s: WatchSnapshot): number | null {
  const live = s.peers.filter(livePeer)
  return live.length === 0 ? null : Math.max(...live.map((p) => p.round))
}

/**
 * Four members that announced round 3 on their heartbeat, then ran on: announcements come once a heartbeat (1 s),
 * summaries every round, so a fast run's summaries are rounds ahead of the announcements.
 */
function aheadOfAnnouncements (): WatchModel {
  const m = new WatchModel({ runId: config.runId })
  for (let slot = 0; slot < 4; slot++) m.announce(announcement(slot, 1, { state: 'joining', effectiveRound: undefined }), T0)
  for (let slot = 0; slot < 4; slot++) m.announce(announcement(slot, 2, { round: 3 }), T0 + 500)
  for (let r = 1; r <= 8; r++) for (let slot = 0; slot < 4; slot++) if (r <= 7 || slot !== 2) m.summary(summary(slot, r), T0 + 500 + r)
  return m
}

describe('node/watch WatchModel: the snapshot\'s top-level round', () => {
  it('is the most rounds a live peer completed, not the older round of the announcements', () => {
    const s = aheadOfAnnouncements().snapshot(T0 + 600)
    assert.deepEqual(s.peers.map((p) => p.round), [8, 8, 7, 8])
    assert.equal(s.round, 8)
    assert.equal(s.round, mostRoundsOfLivePeers(s))
    // the membership graph and the rows' member flags are of that round too, as the views label them
    assert.equal(s.graph?.round, 8)
    assert.ok(s.peers.every((p) => p.member))
    assert.match(renderTerminal(s, { width: 120 }), /4 members of round 8 · rounds 7–8/)
    assert.match(renderLines(s, Infinity).join('\n'), /round 8 peers 4/)
  })

  it('takes a peer\'s announced round when it is newer than its latest summary (--telemetry-every N)', () => {
    const m = aheadOfAnnouncements()
    m.announce(announcement(1, 3, { round: 12 }), T0 + 700)
    const s = m.snapshot(T0 + 700)
    assert.equal(s.peers.find((p) => p.id === ids[1])?.round, 12)
    assert.equal(s.round, 12)
    assert.equal(s.round, mostRoundsOfLivePeers(s))
  })

  it('leaves out the peers that left or went silent, and is null when none is live', () => {
    const m = aheadOfAnnouncements()
    // slot 0 leaves after round 8 (reported): it is 'left', and the others, at 8 and 7, set the round
    m.announce(announcement(0, 3, { state: 'leaving', round: 8, effectiveRound: 8 }), T0 + 700)
    m.summary(summary(1, 9), T0 + 700)
    let s = m.snapshot(T0 + 700)
    assert.equal(s.peers.find((p) => p.id === ids[0])?.status, 'left')
    assert.equal(s.round, 9)
    assert.equal(s.round, mostRoundsOfLivePeers(s))
    // everyone silent: no live peer, no round (the run's end, when it comes, says where it stopped)
    const later = T0 + 60_000
    m.tick(later)
    s = m.snapshot(later)
    assert.ok(s.peers.every((p) => !livePeer(p)))
    assert.equal(s.round, null)
  })

  it('agrees with the peer rows at every step of a run whose summaries outrun the announcements', () => {
    const m = new WatchModel({ runId: config.runId })
    let seq = 1
    for (let slot = 0; slot < 4; slot++) m.announce(announcement(slot, seq, { state: 'joining', effectiveRound: undefined }), T0)
    for (let r = 1; r <= 40; r++) {
      const now = T0 + 50 * r
      // a heartbeat every 20 rounds (1 s at 50 ms a round), announcing the rounds done so far
      if (r % 20 === 1) { seq++; for (let slot = 0; slot < 4; slot++) m.announce(announcement(slot, seq, { round: r - 1 }), now) }
      for (let slot = 0; slot < 4; slot++) if ((r + slot) % 3 !== 0) m.summary(summary(slot, r), now)
      m.tick(now)
      const s = m.snapshot(now)
      assert.equal(s.round, mostRoundsOfLivePeers(s), `round ${r}`)
      assert.equal(s.graph?.round, s.round, `graph of round ${r}`)
    }
  })
})
