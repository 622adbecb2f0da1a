import assert from 'node:assert/strict'
import fc from 'fast-check'
import { isLive, STALL_PERIODS, StallFreeClock } from '../../../node/membership/index.ts'

const PERIOD = 100

/** A clock over a wall clock the test moves by hand. */
function manual (): { clock: StallFreeClock, advance: (ms: number) => void, stalls: number[] } {
  let t = 1_000_000
  const stalls: number[] = []
  const clock = new StallFreeClock(() => t, PERIOD, (ms) => { stalls.push(ms) })
  return { clock, advance: (ms) => { t += ms }, stalls }
}

describe('node/membership StallFreeClock', () => {
  it('runs with the wall clock while it is read every period', () => {
    const { clock, advance, stalls } = manual()
    clock.start()
    const t0 = clock.now()
    for (let i = 0; i < 50; i++) { advance(PERIOD); clock.now() }
    assert.equal(clock.now() - t0, 50 * PERIOD)
    assert.equal(clock.stalledMs, 0)
    assert.deepEqual(stalls, [])
  })

  it('a stop of the process counts as one period: a member heard just before it is still live after it', () => {
    const { clock, advance, stalls } = manual()
    clock.start()
    const heardAt = clock.now()
    advance(15_000) // SIGSTOP for 15 s: no reading, no announcement read
    const woke = clock.now()
    assert.equal(woke - heardAt, PERIOD)
    assert.deepEqual(stalls, [15_000 - PERIOD])
    assert.equal(isLive({ lastSeen: heardAt }, woke, 7_400), true)
    // still silent a whole timeout after the wake: gone
    for (let i = 0; i < 74; i++) { advance(PERIOD); clock.now() }
    assert.equal(isLive({ lastSeen: heardAt }, clock.now(), 7_400), false)
  })

  it('gaps up to STALL_PERIODS periods (timer lag under load) are counted in full', () => {
    const { clock, advance, stalls } = manual()
    clock.start()
    const t0 = clock.now()
    advance(STALL_PERIODS * PERIOD)
    assert.equal(clock.now() - t0, STALL_PERIODS * PERIOD)
    assert.deepEqual(stalls, [])
  })

  it('is the wall clock before start() and after stop(): gaps between irregular readings are not stalls', () => {
    const { clock, advance } = manual()
    const t0 = clock.now()
    advance(10_000)
    assert.equal(clock.now() - t0, 10_000)
    clock.start()
    advance(5_000)
    clock.now()
    clock.stop()
    advance(10_000)
    assert.equal(clock.now() - t0, 10_000 + PERIOD + 10_000)
  })

  it('never runs backwards and never faster than the wall clock (any sequence of gaps)', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 20 * PERIOD }), { maxLength: 60 }), (gaps) => {
      const { clock, advance } = manual()
      clock.start()
      let prev = clock.now()
      for (const g of gaps) {
        advance(g)
        const t = clock.now()
        assert.ok(t >= prev)
        assert.ok(t - prev <= g)
        // a stall left out of the clock still leaves at least one period
        assert.ok(t - prev >= Math.min(g, PERIOD))
        prev = t
      }
    }))
  })
})
