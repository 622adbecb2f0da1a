/**
 * The numbers behind a report's plots, pure over normalised rows. The one with theory behind it is the
 * measured contraction: for gossip averaging E‖x(t+1) − x̄‖² ≤ λ₂(W)² ‖x(t) − x̄‖² (Boyd et al., "Randomized
 * gossip algorithms", 2006; λ₂ = max(|λ₂|, |λₙ|)), and for a symmetric W the ratio approaches λ₂² once the
 * slowest eigenvector dominates. Training runs add gradient disagreement every round, so their ratio settles
 * near 1 at a steady state instead: the plot shows both honestly.
 */
import type { MembershipChange } from './membership.ts'
import type { RoundRow, RunKind } from './types.ts'

/**
 * Below this fraction of the first recorded distance float32 round-off flattens the curve (FACTS.md: squared
 * distance floor about 1e-13 to 1e-12 absolute for d = 1,000); scripts/spectral-gap.ts uses the same floor.
 * Relative to the first record, so it only means something when that record is far above round-off: see
 * ROUNDOFF_PER_COORDINATE for the absolute part of the floor.
 */
export const ROUNDOFF_FLOOR = 1e-11

/**
 * The absolute part of the round-off floor, per coordinate of the model: a consensus distance at or below
 * ROUNDOFF_PER_COORDINATE × dim is float32 noise, whatever the first record was. Why this value: float32's unit
 * round-off is u = 2⁻²⁴ ≈ 6e-8, so each coordinate of magnitude s carries an error near u·s and (1/n) Σ‖x_i − x̄‖²
 * floors near dim · u² · s² ≈ 4e-15 · dim · s² (measured: 1.4e-16 · dim on a 4-peer cluster ring, 1.8e-15 · dim on
 * an 8-peer simulated ring, gossip's N(0, 1) vectors). 1e-10 per coordinate is four to five decades above that, so
 * the floor's share of a record kept is below 1e-4 and cannot bend the measured rate; a gossip run starts near
 * dim · (1 − 1/n), so this is also about 1e-10 of its initial distance. It matters where the relative floor fails: a
 * cluster measures the distance only on snapshot rounds, and its first snapshot may already be at round-off.
 */
export const ROUNDOFF_PER_COORDINATE = 1e-10

/**
 * A λ₂² below this is 0: λ₂ of a graph whose W averages exactly (a 3-peer ring, a complete graph) comes out of the
 * eigensolver as ~1e-17, not 0, and a contraction of 1e-12 a round is far beyond what float32 can measure anyway.
 */
export const LAMBDA_SQ_ZERO = 1e-12

export interface ContractionPoint {
  /** the earlier round of the pair */
  from: number
  /** the later round of the pair */
  round: number
  /** per-round factor (c_r / c_prev)^(1/(r − prev)) */
  measured: number
  /** λ₂² of the rounds in between (mean of the recorded λ₂², else the fallback; 0 below LAMBDA_SQ_ZERO) */
  predicted: number
}

export interface ContractionFit {
  /** geometric-mean per-round factor over the window's intervals */
  rate: number
  predicted: number
  /** |rate − predicted| / predicted, or null when predicted is 0 (a complete graph) */
  relativeError: number | null
  from: number
  to: number
  /** intervals between records in the window (the last third of those measured) */
  intervals: number
  /** breaks between from and to (an excluded interval, records at round-off): 0 when the window is one stretch */
  gaps: number
}

/** An interval between two consecutive records above the round-off floor that no point is taken from, and why. */
export interface ExcludedInterval {
  from: number
  to: number
  /** each reason, as the report says it (a membership change within it, or the records averaging different peers) */
  why: string[]
}

/** Records left out at round-off: from the first at or below the floor on, until membership changed or to the last record. */
export interface RoundOffSpan {
  from: number
  /** the last record left out */
  to: number
  records: number
  /** no membership change ended it: every later record is left out too */
  toEnd: boolean
}

export interface Contraction {
  /** one per interval between consecutive records above the round-off floor, but the excluded ones */
  points: ContractionPoint[]
  /** over the last third of the points, as scripts/spectral-gap.ts measures it; null without a point */
  fit: ContractionFit | null
  /** intervals left out because membership changed within them (ContractionOptions.changes) or their records average different peers */
  excluded: ExcludedInterval[]
  /** records (a consensus distance, 0 included) left out because the distance had reached the round-off floor */
  belowFloor: number
  /** the stretches of those records */
  roundOff: RoundOffSpan[]
  /** the first round whose record is at or below the floor, or null when none is */
  floorRound: number | null
  /** the floor: max(ROUNDOFF_PER_COORDINATE × dim, ROUNDOFF_FLOOR × the first record) */
  floor: number
}

export interface ContractionOptions {
  /** coordinates of the model (gossip's --dim, or the network's parameter count); unknown counts as 1, the least strict floor */
  dim?: number
  /** where the run's membership changed (membershipChanges): an interval between records holding one is left out */
  changes?: readonly MembershipChange[]
}

/** λ₂² over the rounds of the intervals (from, to]: the mean of the recorded λ₂², else the fallback's square. */
function lambdaSq (rows: readonly RoundRow[], spans: ReadonlyArray<{ from: number, to: number }>, fallback: number | null): number | null {
  let sum = 0
  let count = 0
  for (const r of rows) {
    if (r.lambda2 !== null && spans.some((s) => r.round > s.from && r.round <= s.to)) { sum += r.lambda2 * r.lambda2; count++ }
  }
  const sq = count > 0 ? sum / count : fallback === null ? null : fallback * fallback
  return sq !== null && sq < LAMBDA_SQ_ZERO ? 0 : sq
}

/**
 * Measured contraction of the consensus distance between consecutive rounds that recorded one (every round in
 * the simulator, snapshot rounds in a cluster), against λ₂²: a pair k rounds apart gives the per-round factor
 * (c_r / c_prev)^(1/k). Only records above the round-off floor count (ContractionOptions.dim, ROUNDOFF_PER_COORDINATE):
 * from the first record at or below it on nothing does, until the membership changes (a peer that joins or comes
 * back can pull the distance up again). An interval that a membership change falls in (ContractionOptions.changes),
 * or whose two records average different numbers of peers' snapshots, is left out, and only it: the distance on
 * either side of a change is over different peers, so their ratio is no contraction. `fallbackLambda2` stands in
 * for rounds without a recorded λ₂ (computed from the run's topology). Points without a λ₂ at all are left out.
 */
export function measureContraction (rows: readonly RoundRow[], fallbackLambda2: number | null, opts: ContractionOptions = {}): Contraction {
  const records = rows.filter((r) => r.consensusDistance !== null)
  const dim = opts.dim !== undefined && opts.dim >= 1 ? opts.dim : 1
  const first = records.length > 0 ? records[0].consensusDistance as number : 0
  const floor = Math.max(ROUNDOFF_PER_COORDINATE * dim, ROUNDOFF_FLOOR * first)
  const changes = opts.changes ?? []
  // a change at rounds [from, to] lies in the interval (a, b] when it may first show in a round after a, up to b
  const changedWithin = (a: number, b: number): string[] => changes.filter((c) => c.from <= b && c.to > a).map((c) => c.why)
  const points: ContractionPoint[] = []
  const excluded: ExcludedInterval[] = []
  const roundOff: RoundOffSpan[] = []
  let prev: RoundRow | undefined
  let last: RoundRow | undefined
  let off: RoundOffSpan | undefined
  for (const b of records) {
    const d = b.consensusDistance as number
    // a record above the floor after a membership change ends a round-off stretch; one still at the floor continues it
    if (off !== undefined && d > floor && last !== undefined && changedWithin(last.round, b.round).length > 0) {
      off.toEnd = false
      off = undefined
    }
    if (off !== undefined || !(d > floor)) {
      if (off === undefined) roundOff.push(off = { from: b.round, to: b.round, records: 0, toEnd: true })
      off.to = b.round
      off.records++
      prev = undefined
    } else {
      const a = prev
      if (a !== undefined) {
        const why = changedWithin(a.round, b.round)
        if (a.snapshots !== null && b.snapshots !== null && a.snapshots !== b.snapshots) {
          why.push(`the distances average ${a.snapshots} peers' snapshots at round ${a.round}, ${b.snapshots} at round ${b.round}`)
        }
        const predicted = lambdaSq(rows, [{ from: a.round, to: b.round }], fallbackLambda2)
        if (why.length > 0) {
          excluded.push({ from: a.round, to: b.round, why })
        } else if (predicted !== null) {
          const measured = Math.pow(d / (a.consensusDistance as number), 1 / (b.round - a.round))
          points.push({ from: a.round, round: b.round, measured, predicted })
        }
      }
      prev = b
    }
    last = b
  }
  let fit: ContractionFit | null = null
  if (points.length > 0) {
    // the last third of the intervals, at least one: the per-round rate over them is the geometric mean of their
    // factors weighted by their rounds (without gaps, (c_to / c_from)^(1/(to − from)))
    const window = points.slice(Math.min(Math.floor(points.length * 2 / 3), points.length - 1))
    const spans = window.map((p) => ({ from: p.from, to: p.round }))
    const predicted = lambdaSq(rows, spans, fallbackLambda2)
    if (predicted !== null) {
      const rounds = spans.reduce((s, p) => s + p.to - p.from, 0)
      const rate = Math.exp(window.reduce((s, p) => s + (p.round - p.from) * Math.log(p.measured), 0) / rounds)
      const from = window[0].from
      const to = window[window.length - 1].round
      fit = {
        rate,
        predicted,
        relativeError: predicted > 0 ? Math.abs(rate - predicted) / predicted : null,
        from,
        to,
        intervals: window.length,
        gaps: window.filter((p, i) => i > 0 && p.from !== window[i - 1].round).length
      }
    }
  }
  const belowFloor = roundOff.reduce((s, o) => s + o.records, 0)
  return { points, fit, excluded, belowFloor, roundOff, floorRound: roundOff[0]?.from ?? null, floor }
}

export interface TimeBreakdown { round: number, parts: Array<{ label: string, ms: number }> }

/**
 * Each round's time split. The simulator runs its peers in one thread, so its round's wall time is the sum of
 * every peer's own work (computeMs × online: local steps, encoding and mixing; tfjs runs synchronously) plus
 * everything else (the in-memory exchange, bookkeeping; evaluation is not in wallMs). Peer processes run side by side: their parts are the mean
 * peer's local steps and exchange, and what the slowest peer's round took beyond them (its evaluation, snapshot and bookkeeping, and its lag);
 * one peer's own records (kind 'peer') are its own parts, and the rest of its own round.
 */
export function timeBreakdown (rows: readonly RoundRow[], kind: RunKind): TimeBreakdown[] {
  const out: TimeBreakdown[] = []
  for (const r of rows) {
    if (r.computeMs === null && r.commMs === null) continue
    const compute = r.computeMs ?? 0
    const communicate = r.commMs ?? 0
    if (kind === 'sim') {
      const steps = compute * (r.online ?? 1)
      const wall = r.roundMs ?? steps + communicate
      // a peer's computeMs is its local steps, encoding and mixing (lib/algorithms RoundReport): all but the exchange
      out.push({ round: r.round, parts: [{ label: 'local steps, coding and mixing, all peers', ms: Math.min(steps, wall) }, { label: 'exchange and bookkeeping', ms: Math.max(0, wall - steps) }] })
    } else {
      const rest = r.roundMs === null ? 0 : Math.max(0, r.roundMs - compute - communicate)
      const whose = kind === 'peer' ? 'rest of this peer\'s round' : 'rest of the slowest peer\'s round'
      out.push({ round: r.round, parts: [{ label: 'compute (local steps, coding, mixing)', ms: compute }, { label: 'communicate (exchange)', ms: communicate }, { label: whose, ms: rest }] })
    }
  }
  return out
}

/** Bytes of each round: bytesThisRound, or the difference of the cumulative bytesSent when only that is recorded. */
export function bytesPerRound (rows: readonly RoundRow[]): Array<{ round: number, bytes: number }> {
  const out: Array<{ round: number, bytes: number }> = []
  let prev: RoundRow | undefined
  for (const r of rows) {
    if (r.bytesThisRound !== null) out.push({ round: r.round, bytes: r.bytesThisRound })
    else if (r.bytesSent !== null && prev?.bytesSent != null && r.round === prev.round + 1) out.push({ round: r.round, bytes: r.bytesSent - prev.bytesSent })
    prev = r
  }
  return out
}

/** Distinct λ₂ values recorded (rounded to 1e-9), to tell a fixed topology from one that changed with membership. */
export function lambda2Values (rows: readonly RoundRow[]): number[] {
  const seen = new Set<number>()
  for (const r of rows) if (r.lambda2 !== null) seen.add(Math.round(r.lambda2 * 1e9) / 1e9)
  return [...seen].sort((a, b) => a - b)
}

// divergence of the training loss: one rule for murmur sim's warning and the report (lib/experiment/divergence.ts)
export { DIVERGENCE_FACTOR, detectDivergence } from '../../lib/experiment/divergence.ts'
export type { Divergence } from '../../lib/experiment/divergence.ts'
