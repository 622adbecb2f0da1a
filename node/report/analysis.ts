/**
 * The numbers behind a report's plots, pure over normalised rows. The one with theory behind it is the
 * measured contraction: for gossip averaging E‖x(t+1) − x̄‖² ≤ λ₂(W)² ‖x(t) − x̄‖² (Boyd et al., "Randomized
 * gossip algorithms", 2006; λ₂ = max(|λ₂|, |λₙ|)), and for a symmetric W the ratio approaches λ₂² once the
 * slowest eigenvector dominates. Training runs add gradient disagreement every round, so their ratio settles
 * near 1 at a steady state instead: the plot shows both honestly.
 */
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
  /** the later round of the pair */
  round: number
  /** per-round factor (c_r / c_prev)^(1/(r − prev)) */
  measured: number
  /** λ₂² of the rounds in between (mean of the recorded λ₂², else the fallback; 0 below LAMBDA_SQ_ZERO) */
  predicted: number
}

export interface ContractionFit {
  /** geometric-mean per-round factor over the window */
  rate: number
  predicted: number
  /** |rate − predicted| / predicted, or null when predicted is 0 (a complete graph) */
  relativeError: number | null
  from: number
  to: number
}

export interface Contraction {
  points: ContractionPoint[]
  /** over the last third of the rounds above the round-off floor, as scripts/spectral-gap.ts measures it; null with fewer than two such records */
  fit: ContractionFit | null
  /** records (a consensus distance, 0 included) left out because the distance had reached the round-off floor */
  belowFloor: number
  /** the first round whose record is at or below the floor (every later one is left out too), or null when none is */
  floorRound: number | null
  /** the floor: max(ROUNDOFF_PER_COORDINATE × dim, ROUNDOFF_FLOOR × the first record) */
  floor: number
}

export interface ContractionOptions {
  /** coordinates of the model (gossip's --dim, or the network's parameter count); unknown counts as 1, the least strict floor */
  dim?: number
}

function lambdaSq (rows: readonly RoundRow[], from: number, to: number, fallback: number | null): number | null {
  let sum = 0
  let count = 0
  for (const r of rows) {
    if (r.round > from && r.round <= to && r.lambda2 !== null) { sum += r.lambda2 * r.lambda2; count++ }
  }
  const sq = count > 0 ? sum / count : fallback === null ? null : fallback * fallback
  return sq !== null && sq < LAMBDA_SQ_ZERO ? 0 : sq
}

/**
 * Measured contraction of the consensus distance between consecutive rounds that recorded one (every round in
 * the simulator, snapshot rounds in a cluster), against λ₂²: a pair k rounds apart gives the per-round factor
 * (c_r / c_prev)^(1/k). Only records above the round-off floor count (ContractionOptions.dim, ROUNDOFF_PER_COORDINATE),
 * and from the first record at or below it on nothing does. `fallbackLambda2` stands in for rounds without a recorded
 * λ₂ (computed from the run's topology). Points without a λ₂ at all are left out.
 */
export function measureContraction (rows: readonly RoundRow[], fallbackLambda2: number | null, opts: ContractionOptions = {}): Contraction {
  const records = rows.filter((r) => r.consensusDistance !== null)
  const points: ContractionPoint[] = []
  const dim = opts.dim !== undefined && opts.dim >= 1 ? opts.dim : 1
  const first = records.length > 0 ? records[0].consensusDistance as number : 0
  const floor = Math.max(ROUNDOFF_PER_COORDINATE * dim, ROUNDOFF_FLOOR * first)
  let end = records.findIndex((r) => !((r.consensusDistance as number) > floor))
  if (end < 0) end = records.length
  const clean = records.slice(0, end)
  const floorRound = end < records.length ? records[end].round : null
  const belowFloor = records.length - clean.length
  for (let i = 1; i < clean.length; i++) {
    const a = clean[i - 1]
    const b = clean[i]
    const predicted = lambdaSq(rows, a.round, b.round, fallbackLambda2)
    if (predicted === null) continue
    const measured = Math.pow((b.consensusDistance as number) / (a.consensusDistance as number), 1 / (b.round - a.round))
    points.push({ round: b.round, measured, predicted })
  }
  let fit: ContractionFit | null = null
  if (clean.length >= 2) {
    const lo = Math.min(Math.floor((clean.length - 1) * 2 / 3), clean.length - 2)
    const from = clean[lo]
    const last = clean[clean.length - 1]
    const predicted = lambdaSq(rows, from.round, last.round, fallbackLambda2)
    if (predicted !== null) {
      const rate = Math.pow((last.consensusDistance as number) / (from.consensusDistance as number), 1 / (last.round - from.round))
      fit = { rate, predicted, relativeError: predicted > 0 ? Math.abs(rate - predicted) / predicted : null, from: from.round, to: last.round }
    }
  }
  return { points, fit, belowFloor, floorRound, floor }
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
