/**
 * lib/objectives: local objectives f_i for the peer algorithms. Pure-JS least squares and softmax
 * regression (known optima, no tfjs) and an adapter from a lib/model Model plus a data shard.
 * This file is the whole public surface.
 */

export { leastSquares } from './least-squares.ts'
export type { LeastSquaresInit, LeastSquaresObjective } from './least-squares.ts'
export { softmaxRegression } from './softmax.ts'
export type { SoftmaxInit, SoftmaxObjective } from './softmax.ts'
export { modelObjective } from './model.ts'
export { InvalidObjectiveError } from './errors.ts'
