/**
 * lib/vector: allocation-free maths on flat Float32Array parameter vectors (a leaf module: no imports of
 * the project). Reductions accumulate in float64. Vectors from allocVector / allocFramed live where the
 * WebAssembly SIMD kernels reach them; the operations accept any Float32Array and give the same bits.
 */

export { copy, fill, scale, axpy, axpby, sub, dot, norm2sq, dist2sq, allFinite, mean } from './ops.ts'
export { linearCombination, meanAndSpread } from './combine.ts'
export { sgdStep } from './sgd.ts'
export { gemm, gemmOnKernels } from './gemm.ts'
export type { GemmArgs } from './gemm.ts'
export { allocVector, allocFramed, isKernelVector } from './arena.ts'
export type { FramedVector } from './arena.ts'
export { DimensionMismatchError, InvalidAllocationError } from './errors.ts'
