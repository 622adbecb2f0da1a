/**
 * Who took part in a run and when that changed: the churn events and process exits a cluster's summary.json records
 * (scripts/cluster.ts), and the changes its metrics show (the peers that ran each round, lambda2 of the graph they
 * mixed over). The report lists them, marks them on its plots, and leaves the intervals they fall in out of the
 * measured contraction: a ratio of consensus distances across a change compares different sets of peers.
 */
import { parseChurn } from '../../scripts/lib/churn.ts'
import type { RoundRow } from './types.ts'

export type ChurnKind = 'kill' | 'leave' | 'join' | 'restart'

/** One entry of summary.json's `churn`. */
export interface ChurnRecord {
  /** as written in --churn: kill:2@60 */
  event: string
  /** null when the event text is not one murmur cluster writes */
  kind: ChurnKind | null
  /** kill, leave, restart: the slot; join: how many peers were started */
  target: number | null
  /** the round the event was applied at (once a peer had recorded it), or null when it was not applied */
  round: number | null
  /** murmur cluster's words: 'done', 'not done: ...', or for a join whose joiners found the run over, '... took no part ...' */
  outcome: string
  /** applied, and for a join at least one of its peers ran a round */
  happened: boolean
}

/** A peer process that did not exit 0, from summary.json's `exits` (one entry a process: peer-0, peer-1, ...). */
export interface ProcessExit {
  /** N of its folder peer-N */
  process: number
  slot: number
  exitCode: number | null
  signal: string | null
  /** why this exit was to be expected (a churn kill), or null when nothing the run asked for explains it */
  expected: string | null
}

/**
 * Where a run's membership changed: the rounds from `from` to `to` are the ones that may first differ from the round
 * before them (from = to where the rows show it; an event spans its round and the next, as murmur cluster applies it
 * once some peer has recorded its round, so slower peers may miss that round itself).
 */
export interface MembershipChange {
  from: number
  to: number
  /** what changed and when, as the report says it: 'at round 61 the peers that ran a round went from 6 to 5' */
  why: string
}

const IDLE_JOINERS = /(\d+) of (\d+) started took no part/

function record (v: unknown): Record<string, unknown> | null {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? v as Record<string, unknown> : null
}
function round (v: unknown): number | null {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : null
}

/** summary.json's churn events, in its order; entries that are not objects with an event text are skipped. */
export function churnOf (summary: Record<string, unknown> | null): ChurnRecord[] {
  const list = summary?.churn
  if (!Array.isArray(list)) return []
  return list.flatMap((raw): ChurnRecord[] => {
    const e = record(raw)
    if (e === null || typeof e.event !== 'string') return []
    let parsed: ReturnType<typeof parseChurn>[number] | undefined
    try {
      // the slot bound is the run's, checked when the cluster started: any slot is fine here
      parsed = parseChurn(e.event, Number.MAX_SAFE_INTEGER)[0]
    } catch {
      parsed = undefined
    }
    const outcome = typeof e.outcome === 'string' ? e.outcome : ''
    const at = round(e.round)
    const idle = IDLE_JOINERS.exec(outcome)
    return [{
      event: e.event,
      kind: parsed?.kind ?? null,
      target: parsed === undefined ? null : parsed.kind === 'join' ? parsed.count : parsed.slot,
      round: at,
      outcome,
      happened: at !== null && outcome.startsWith('done') && (idle === null || Number(idle[1]) < Number(idle[2]))
    }]
  })
}

/** The signal murmur cluster sends for each event that stops a peer (scripts/cluster.ts). */
const SIGNAL_OF: Partial<Record<ChurnKind, string>> = { kill: 'SIGKILL', restart: 'SIGKILL', leave: 'SIGTERM' }

/**
 * The processes of summary.json's `exits` that exited non-zero or by a signal, each with what explains it: an event
 * that happened to its slot and sends that signal (kill and restart SIGKILL, leave SIGTERM; one process per event, in
 * process order). Anything else, a non-zero exit code after a leave included (a leaving peer finishes cleanly), is unexpected.
 */
export function exitsOf (summary: Record<string, unknown> | null, churn: readonly ChurnRecord[]): ProcessExit[] {
  const list = summary?.exits
  if (!Array.isArray(list)) return []
  const unused = churn.filter((e) => e.happened && e.kind !== null && SIGNAL_OF[e.kind] !== undefined)
  return list.flatMap((raw, process): ProcessExit[] => {
    const e = record(raw)
    const slot = round(e?.slot)
    if (e === null || slot === null) return []
    const exitCode = typeof e.exitCode === 'number' ? e.exitCode : null
    const signal = typeof e.signal === 'string' ? e.signal : null
    if (exitCode === 0 && signal === null) return []
    const by = signal === null ? -1 : unused.findIndex((ev) => ev.target === slot && SIGNAL_OF[ev.kind as ChurnKind] === signal)
    const ev = by < 0 ? undefined : unused.splice(by, 1)[0]
    const expected = ev === undefined ? null : `churn ${ev.event} ${ev.kind === 'leave' ? 'sent it SIGTERM' : 'killed it'} at round ${String(ev.round)}`
    return [{ process, slot, exitCode, signal, expected }]
  })
}

const sameLambda = (a: number, b: number): boolean => Math.round(a * 1e9) === Math.round(b * 1e9)

/** "at round 61" when the rows are consecutive, else "between rounds 55 and 61" */
function when (prev: number, round: number): string {
  return round === prev + 1 ? `at round ${round}` : `between rounds ${prev} and ${round}`
}

/**
 * The membership changes of a network run (murmur cluster, or peers' folders merged): where the number of peers that
 * ran a round changed, and where lambda2 of their graph did (the peers rebuilt it over the members they saw, a few
 * rounds after a peer left or joined); and the churn events the rows cannot place: a restart (the peer comes back in
 * its slot, resumed from its checkpoint, so the count may never change) and any event around which the rows record
 * no count. A simulator run's `online` is not membership (--offline peers sit single rounds out): do not call this for one.
 */
export function membershipChanges (rows: readonly RoundRow[], churn: readonly ChurnRecord[]): MembershipChange[] {
  const changes: MembershipChange[] = []
  let online: RoundRow | undefined
  let lambda: RoundRow | undefined
  for (const r of rows) {
    if (r.online !== null) {
      if (online !== undefined && online.online !== r.online) {
        changes.push({ from: online.round + 1, to: r.round, why: `${when(online.round, r.round)} the peers that ran a round went from ${String(online.online)} to ${r.online}` })
      }
      online = r
    }
    if (r.lambda2 !== null) {
      if (lambda !== undefined && !sameLambda(lambda.lambda2 as number, r.lambda2)) {
        changes.push({ from: lambda.round + 1, to: r.round, why: `${when(lambda.round, r.round)} lambda2 went from ${(lambda.lambda2 as number).toFixed(6)} to ${r.lambda2.toFixed(6)}, the peers' graph rebuilt over the members they saw` })
      }
      lambda = r
    }
  }
  for (const e of churn) {
    if (!e.happened || e.round === null) continue
    const R = e.round
    const counted = rows.some((r) => r.round === R - 1 && r.online !== null) && rows.some((r) => r.round === R + 1 && r.online !== null)
    if (e.kind === 'restart') {
      changes.push({ from: R, to: R + 1, why: `churn ${e.event} at round ${R} (the peer resumed from its checkpoint, in round ${R} or ${R + 1})` })
    } else if (!counted) {
      changes.push({ from: R, to: R + 1, why: `churn ${e.event} at round ${R} (in effect from round ${R} or ${R + 1}; the metrics do not count the peers there)` })
    }
  }
  return changes.sort((a, b) => a.from - b.from || a.to - b.to)
}
