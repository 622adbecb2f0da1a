/**
 * The membership's clock for liveness: wall time less the time this process could not run.
 *
 * A member is gone when this peer has not heard it for `timeoutMs`. That silence is evidence only while this
 * peer was able to listen. A process stopped by SIGSTOP, suspended with its laptop, or starved of CPU hears
 * nothing either, and on waking it would time out every member at once, train alone (rounds of a millisecond
 * each, no neighbours to wait for) and then drag the whole run forward to its round (found by freezing a peer
 * of `murmur cluster` for 15 s: 231 rounds alone, then every survivor skipped 93 rounds).
 *
 * The heartbeat reads this clock every period while the process runs, so a gap between two readings much longer
 * than a period means the process was not running. Such a gap counts as one period; the rest is left out. Time
 * then runs on as usual: a member that is still silent after the wake times out a whole `timeoutMs` later, which
 * is also how long its announcements have to arrive through sockets that held them during the stop.
 */

/** A gap between readings longer than this many periods is a stall of the process. */
export const STALL_PERIODS = 2

export class StallFreeClock {
  private readonly wall: () => number
  private readonly periodMs: number
  private readonly onStall: ((leftOutMs: number) => void) | undefined
  private last: number | undefined
  private stalled = 0

  /**
   * `wall`: the wall clock (ms); `periodMs`: how often the caller reads this clock while it runs (the heartbeat);
   * `onStall`: told the milliseconds left out each time a stall is found.
   */
  constructor (wall: () => number, periodMs: number, onStall?: (leftOutMs: number) => void) {
    this.wall = wall
    this.periodMs = periodMs
    this.onStall = onStall
  }

  /** From now on the caller reads the clock every period, so a longer gap is a stall. */
  start (): void {
    this.last = this.wall()
  }

  /** The caller no longer reads regularly: gaps from now on are not stalls. */
  stop (): void {
    this.last = undefined
  }

  /** Total milliseconds left out so far. */
  get stalledMs (): number {
    return this.stalled
  }

  /** Wall time less the stalls seen so far (including one that ends with this reading). */
  now (): number {
    const t = this.wall()
    if (this.last !== undefined) {
      const gap = t - this.last
      if (gap > 0) this.last = t
      if (gap > STALL_PERIODS * this.periodMs) {
        this.stalled += gap - this.periodMs
        this.onStall?.(gap - this.periodMs)
      }
    }
    return t - this.stalled
  }
}
