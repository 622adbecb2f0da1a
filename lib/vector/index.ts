/**
 * lib/vector: allocation-free maths on flat Float32Array parameter vectors (a leaf module: no imports of
 * the project). Reductions accumulate in float64.
 */

export {
  copy, fill, scale, axpy, axpby, sub, dot, norm2sq, dist2sq, allFinite, mean, meanAndSpread, linearCombination
} from './ops.ts'
export { DimensionMismatchError } from './errors.ts'
