/** Errors of lib/sim. Each has a static and an instance `name`; tests match on `err.name`. */

/** Simulation options that cannot run (peer count vs graph, probabilities outside [0, 1), missing factories...). */
export class InvalidSimulationError extends Error {
  static override name = 'InvalidSimulationError'
  readonly field: string
  constructor (field: string, message = `Invalid simulation option '${field}'`) {
    super(message)
    this.name = 'InvalidSimulationError'
    this.field = field
  }
}

/** An exchange was used out of the simulator's lockstep (another round than the current one, twice, or while offline). */
export class SimulationOrderError extends Error {
  static override name = 'SimulationOrderError'
  constructor (message = 'Exchange used out of lockstep') {
    super(message)
    this.name = 'SimulationOrderError'
  }
}
