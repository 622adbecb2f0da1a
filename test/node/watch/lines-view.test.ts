import assert from 'node:assert/strict'
import { renderLines, short } from '../../../node/watch/index.ts'
import { announcement, ids, runningModel, summary } from './helpers.ts'

// 00:16:40 UTC on the lines' clock
const T0 = 1_000_000
const CLOCK = /^(\d\d:\d\d:\d\d) /

describe('node/watch renderLines (murmur watch --view lines)', () => {
  it('prints the new events before the status line, each with its own time, so that the times never go back', () => {
    const m = runningModel(5, T0)
    // the joins were heard at 00:16:40 and 00:16:40.5; the view is drawn two seconds later
    const lines = renderLines(m.snapshot(T0 + 2000), 0)
    const times = lines.map((l) => CLOCK.exec(l)?.[1] ?? '')
    assert.ok(times.every((t) => t !== ''), lines.join('\n'))
    assert.deepEqual(times, [...times].sort(), `times in order:\n${lines.join('\n')}`)
    assert.match(lines.at(-1) ?? '', /^00:16:42 round 5 peers 4 gap 0\.6667 acc 65\.00%\/50\.00% consensus \d\.\d{3}e[+-]\d+$/)
    assert.ok(lines.slice(0, -1).every((l) => l.startsWith('00:16:40 peer ')), 'the events first')
  })

  it('prints only the events after afterSeq, and does not count a peer that left', () => {
    const m = runningModel(5, T0)
    const seen = m.snapshot(T0 + 600).events.at(-1)?.seq ?? 0
    m.announce(announcement(2, 3, { state: 'leaving', effectiveRound: 6, round: 5 }), T0 + 800)
    m.summary(summary(2, 6), T0 + 900)
    const lines = renderLines(m.snapshot(T0 + 1000), seen)
    assert.deepEqual(lines.map((l) => l.replace(/ gap .*/, '')), [`00:16:40 peer ${short(ids[2])} (slot 2) leaves after round 6`, '00:16:41 round 5 peers 3'])
  })

  it('no status line once the run is over: only its end', () => {
    const m = runningModel(5, T0)
    for (let slot = 0; slot < 4; slot++) m.announce(announcement(slot, 3, { state: 'leaving', effectiveRound: 5, round: 5 }), T0 + 800)
    m.tick(T0 + 900)
    const s = m.snapshot(T0 + 900)
    const lines = renderLines(s, s.events.findLast((e) => e.kind !== 'ended')?.seq ?? 0)
    assert.deepEqual(lines, ['00:16:40 run ended at round 5: 4 peers left'])
  })
})
