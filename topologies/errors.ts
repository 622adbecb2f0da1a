/**
 * Errors of the topologies module. Each has a static and an instance `name`; callers and tests match
 * on `err.name`, never on message text. Messages say what was expected and what arrived.
 */

/** A topology spec or its parameters are not usable for this n (unknown kind, bad p or d, prime n for a torus...). */
export class InvalidTopologyError extends Error {
  static override name = 'InvalidTopologyError'
  constructor (message = 'Invalid topology') {
    super(message)
    this.name = 'InvalidTopologyError'
  }
}

/** Edge-list text that cannot be read as an undirected simple graph (with the 1-based line number). */
export class InvalidEdgeListError extends Error {
  static override name = 'InvalidEdgeListError'
  readonly line: number | undefined
  constructor (message = 'Invalid edge list', line?: number) {
    super(line === undefined ? message : `line ${line}: ${message}`)
    this.name = 'InvalidEdgeListError'
    this.line = line
  }
}

/** A graph object that breaks the Graph invariants (sorted, symmetric, no self loops, in range). */
export class InvalidGraphError extends Error {
  static override name = 'InvalidGraphError'
  constructor (message = 'Invalid graph') {
    super(message)
    this.name = 'InvalidGraphError'
  }
}

/** A random construction that did not produce a connected simple graph within its bounded number of tries. */
export class TopologyConstructionError extends Error {
  static override name = 'TopologyConstructionError'
  constructor (message = 'Could not construct the topology') {
    super(message)
    this.name = 'TopologyConstructionError'
  }
}

/** A weight-scheme spec that is not one of the allowed forms, or arguments a scheme cannot use. */
export class InvalidWeightSchemeError extends Error {
  static override name = 'InvalidWeightSchemeError'
  constructor (message = 'Invalid weight scheme') {
    super(message)
    this.name = 'InvalidWeightSchemeError'
  }
}

/** A matrix that is not symmetric, non-negative and doubly stochastic; `row`/`col` locate the failure. */
export class InvalidWeightsError extends Error {
  static override name = 'InvalidWeightsError'
  readonly row: number | undefined
  readonly col: number | undefined
  constructor (message = 'Invalid weights', where: { row?: number, col?: number } = {}) {
    super(message)
    this.name = 'InvalidWeightsError'
    this.row = where.row
    this.col = where.col
  }
}

/** A matrix argument of the wrong shape, or with non-finite or asymmetric entries, given to the eigen solver. */
export class InvalidMatrixError extends Error {
  static override name = 'InvalidMatrixError'
  constructor (message = 'Invalid matrix') {
    super(message)
    this.name = 'InvalidMatrixError'
  }
}

/** The QL iteration (or Lanczos) did not converge within its iteration bound. */
export class EigenConvergenceError extends Error {
  static override name = 'EigenConvergenceError'
  constructor (message = 'Eigenvalue iteration did not converge') {
    super(message)
    this.name = 'EigenConvergenceError'
  }
}
