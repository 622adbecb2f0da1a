/** A training loss this many times its first round's is divergence, not noise (a healthy run's loss falls from round 1). */
export const DIVERGENCE_FACTOR = 10

export interface Divergence { firstRound: number, first: number, peakRound: number, peak: number }

/**
 * Whether a run's mean training loss rose to more than DIVERGENCE_FACTOR times its first recorded value: a
 * step size too large blows the models up, and they may stay finite (a ReLU network at chance level) without
 * any error. Null when it did not, or when no training loss is recorded (gossip: null or NaN losses).
 */
export function detectDivergence (rows: Iterable<{ readonly round: number, readonly trainLoss: number | null }>): Divergence | null {
  let first: { round: number, loss: number } | undefined
  let peak: { round: number, loss: number } | undefined
  for (const r of rows) {
    if (r.trainLoss === null || Number.isNaN(r.trainLoss)) continue
    first ??= { round: r.round, loss: r.trainLoss }
    if (peak === undefined || r.trainLoss > peak.loss) peak = { round: r.round, loss: r.trainLoss }
  }
  if (first === undefined || peak === undefined) return null
  if (!(first.loss > 0) || !(peak.loss > DIVERGENCE_FACTOR * first.loss)) return null
  return { firstRound: first.round, first: first.loss, peakRound: peak.round, peak: peak.loss }
}
