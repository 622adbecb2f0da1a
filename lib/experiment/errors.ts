import { NonFiniteModelError } from '../algorithms/index.ts'
import type { ExperimentSummary } from './run.ts'

/** A field of an experiment config is missing, unknown or out of range; `field` names it. */
export class InvalidExperimentConfigError extends Error {
  static override name = 'InvalidExperimentConfigError'
  readonly field: string
  constructor (field: string, message: string) {
    super(message)
    this.name = 'InvalidExperimentConfigError'
    this.field = field
  }
}

/**
 * The simulated model became non-finite (a step size too large): the run stopped in round `round + 1` of the
 * metrics' numbering. `summary` holds the figures of the rounds before it, with `diverged` set, for the caller
 * to keep (`murmur sim` writes it to summary.json before it exits 1).
 */
export class RunDivergedError extends NonFiniteModelError {
  static override name = 'RunDivergedError'
  readonly summary: ExperimentSummary
  constructor (round: number, message: string, summary: ExperimentSummary) {
    super(round, message)
    this.name = 'RunDivergedError'
    this.summary = summary
  }
}
