/**
 * `--churn "kill:3@50,leave:5@60,join:2@80,restart:2@90"`: what happens to which peers at which round of a local
 * cluster. restart: SIGKILL, then the same slot, data dir and identity again with --resume.
 */
import { UsageError } from '../../node/cli/args.ts'

export type ChurnEvent =
  | { kind: 'kill' | 'leave' | 'restart', slot: number, round: number }
  | { kind: 'join', count: number, round: number }

const EVENT = /^(kill|leave|join|restart):(\d+)@(\d+)$/

/**
 * The events of --churn, sorted by round. With `rounds` (the run's --rounds), a join or restart at or after the last
 * round, and a kill or leave after it, are refused: the cluster applies an event once a peer has recorded its round.
 */
export function parseChurn (text: string, peers: number, rounds?: number): ChurnEvent[] {
  if (text.trim() === '') return []
  return text.split(',').map((part): ChurnEvent => {
    const m = EVENT.exec(part.trim())
    if (m === null) throw new UsageError(`invalid value for --churn: '${part}'; expected kill:SLOT@ROUND, leave:SLOT@ROUND, restart:SLOT@ROUND or join:COUNT@ROUND, comma-separated`, 'churn')
    const n = Number(m[2])
    const round = Number(m[3])
    // a new peer needs rounds left to take part; a kill or leave may fall on the last round: once the fastest peer
    // has done it, it stops a slower one (a straggler of an asynchronous run) that is still behind
    const starts = m[1] === 'join' || m[1] === 'restart'
    if (rounds !== undefined && (starts ? round >= rounds : round > rounds)) {
      throw new UsageError(`invalid value for --churn: '${part.trim()}': round ${round} is ${starts ? 'not before the run\'s last round' : 'past the run\'s last round'} (--rounds ${rounds}), so the run would be over when it happens; choose a round ${starts ? `below ${rounds}` : `up to ${rounds}`}`, 'churn')
    }
    if (m[1] === 'join') {
      if (n < 1) throw new UsageError(`invalid value for --churn: '${part}': join needs a count ≥ 1`, 'churn')
      return { kind: 'join', count: n, round }
    }
    if (n === 0 || n >= peers) throw new UsageError(`invalid value for --churn: '${part.trim()}': ${slotProblem(n, peers)}`, 'churn')
    return { kind: m[1] as 'kill' | 'leave' | 'restart', slot: n, round }
  }).sort((a, b) => a.round - b.round)
}

/**
 * Why slot `slot` cannot be killed, left or restarted in a cluster of `peers`, and what to do instead. Slot 0 is the
 * bootstrap peer: the cluster started every other peer with its address, and the `murmur watch` command it prints
 * dials it, so --churn leaves it running. (Its loss can still be tested by hand: joiners and restarted peers dial
 * every live peer, not peer-0 alone.)
 */
function slotProblem (slot: number, peers: number): string {
  const others = peers === 2 ? 'slot 1' : `a slot from 1 to ${peers - 1}`
  if (slot === 0) {
    return 'slot 0 is the bootstrap peer: the other peers joined the run through its address and the printed murmur watch command dials it, so --churn never stops it; ' +
      (peers === 1 ? 'a cluster of 1 peer has no other slot: use --peers 2 or more, or join:COUNT@ROUND' : `choose ${others}`) +
      ' (to test the loss of the bootstrap peer, SIGKILL peer-0 by hand: its pid is in OUT/peer-0/peer.json)'
  }
  return `slot ${slot} does not exist: the slots are 0 to ${peers - 1} (--peers ${peers}), ` +
    (peers === 1 ? 'and slot 0, the bootstrap peer, is never churned: use --peers 2 or more' : `and slot 0 is the bootstrap peer, never churned: choose ${others}`)
}

/** an event as written in --churn: kill:3@50, join:2@80 */
export function churnText (ev: ChurnEvent): string {
  return `${ev.kind}:${ev.kind === 'join' ? ev.count : ev.slot}@${ev.round}`
}

/** what the cluster knows when an event falls due */
export interface ChurnState {
  /** the run's last round (--rounds) */
  rounds: number
  /** the highest round any peer has recorded */
  maxRound: number
  /** a peer has finished the last round and exited */
  over: boolean
  /** kill, leave, restart: the last round the peer in the slot has recorded */
  targetRound?: number
}

/**
 * Why an event that falls due is not applied, or undefined to apply it. The cluster applies an event once a peer has
 * recorded its round, which on a fast run can be after the run's end: a joiner started then announces a round past
 * the last and takes no part, and a peer that has recorded the last round is leaving anyway (killing it would count
 * a finished peer as killed by churn). A kill or leave of a peer still behind (a slow peer of an asynchronous run)
 * is still applied.
 */
export function churnSkipReason (ev: ChurnEvent, s: ChurnState): string | undefined {
  if (ev.kind === 'join' || ev.kind === 'restart') {
    if (s.over) return 'the run is over'
    if (s.maxRound >= s.rounds) return `the run is over (a peer has recorded its last round, ${s.rounds})`
  }
  if (ev.kind !== 'join' && s.targetRound !== undefined && s.targetRound >= s.rounds) return `the run is over for slot ${ev.slot} (its peer has recorded its last round, ${s.rounds})`
  return undefined
}

/** "churn: round 406 (scheduled 300): WHAT", the scheduled round said when the event fires later than it */
export function churnLine (ev: ChurnEvent, round: number, what: string): string {
  return `churn: round ${round}${round !== ev.round ? ` (scheduled ${ev.round})` : ''}: ${what}`
}
