/**
 * A float32 matrix product with an added initial value and a floor, the one operation a dense layer needs forward
 * and backward:
 *
 *   out(r, j) = max(init(r, j) + Σ_{t < k} A(r, t)·B(t, j), floor)    for r < m, j < n
 *
 * with every matrix a view and strides in elements: A(r, t) = a[r·ars + t·ats] (so A can be read transposed at no
 * cost), B(t, j) = b[t·ldb + j], out(r, j) = out[r·ldc + j], init(r, j) = init[r·irs + j] (irs = 0 repeats one row:
 * a bias; a row of zeros for none). floor = 0 is a ReLU, −Infinity none.
 *
 * It runs on the WebAssembly SIMD tiles of wasm/kernels.ts when n is a multiple of 4 and the four arrays live in one
 * kernel arena (allocVector), else as the JavaScript twin below. Both sum over t in order, rounding each product and
 * each addition to float32, and give the same bits (tested). Every index is checked against its view before any
 * work: a kernel has no bounds checks of its own and would otherwise read or overwrite a neighbouring vector.
 */

import { DimensionMismatchError } from './errors.ts'
import { arenaOf } from './arena.ts'
import type { Arena } from './arena.ts'

export interface GemmArgs {
  /** rows and columns of out, and the length of each sum */
  m: number
  n: number
  k: number
  out: Float32Array
  ldc: number
  a: Float32Array
  ars: number
  ats: number
  b: Float32Array
  ldb: number
  init: Float32Array
  irs: number
  /** 0 for a ReLU, −Infinity for none */
  floor: number
}

/** out ← max(init + A·B, floor); see the module comment. Throws DimensionMismatchError on a shape or stride that does not fit its view. */
export function gemm (g: GemmArgs): void {
  checkGemm(g)
  if (g.m === 0 || g.n === 0) return
  const arena = kernelArena(g)
  if (arena === undefined) gemmLoops(g)
  else gemmKernels(arena, g)
}

/** True when gemm(g) would run on the WebAssembly kernels (n a multiple of 4, every array in one arena). */
export function gemmOnKernels (g: GemmArgs): boolean {
  return kernelArena(g) !== undefined
}

function kernelArena (g: GemmArgs): Arena | undefined {
  if (g.n % 4 !== 0) return undefined
  const arena = arenaOf(g.out)
  if (arena === undefined) return undefined
  return g.a.buffer === arena.buffer && g.b.buffer === arena.buffer && g.init.buffer === arena.buffer ? arena : undefined
}

function gemmKernels (arena: Arena, g: GemmArgs): void {
  const { m, n, k, floor } = g
  const kern = arena.kernels
  const c0 = g.out.byteOffset; const ldc = 4 * g.ldc
  const a0 = g.a.byteOffset; const ars = 4 * g.ars; const ats = 4 * g.ats
  const b0 = g.b.byteOffset; const ldb = 4 * g.ldb
  const i0 = g.init.byteOffset; const irs = 4 * g.irs
  for (let j = 0; j < n;) {
    const wide = j + 8 <= n
    const four = wide ? kern.gemm4x8 : kern.gemm4x4
    const one = wide ? kern.gemm1x8 : kern.gemm1x4
    const cj = c0 + 4 * j; const bj = b0 + 4 * j; const ij = i0 + 4 * j
    let r = 0
    for (; r + 4 <= m; r += 4) four(cj + r * ldc, a0 + r * ars, ars, ats, bj, ldb, ldc, k, ij + r * irs, irs, floor)
    for (; r < m; r++) one(cj + r * ldc, a0 + r * ars, ars, ats, bj, ldb, ldc, k, ij + r * irs, irs, floor)
    j += wide ? 8 : 4
  }
}

/** The JavaScript twin of the kernels: same sums in the same order, same bits (exported for the tests). */
export function gemmJs (g: GemmArgs): void {
  checkGemm(g)
  gemmLoops(g)
}

function gemmLoops (g: GemmArgs): void {
  const { m, n, k, out, ldc, a, ars, ats, b, ldb, init, irs, floor } = g
  for (let r = 0; r < m; r++) {
    for (let j = 0; j < n; j++) {
      let acc = init[r * irs + j]
      for (let t = 0; t < k; t++) acc = Math.fround(acc + Math.fround(a[r * ars + t * ats] * b[t * ldb + j]))
      out[r * ldc + j] = Math.max(acc, floor)
    }
  }
}

// Checked on every call (several a training step), so without allocating: module-level helpers, no arrays or closures.
function checkGemm (g: GemmArgs): void {
  const { m, n, k } = g
  count('m', m); count('n', n); count('k', k); count('ldc', g.ldc); count('ars', g.ars); count('ats', g.ats); count('ldb', g.ldb); count('irs', g.irs)
  if (typeof g.floor !== 'number') throw new DimensionMismatchError(`gemm: floor must be a number, got ${typeof g.floor}`)
  if (m === 0 || n === 0) return
  if (n > g.ldc && m > 1) throw new DimensionMismatchError(`gemm: ldc ${g.ldc} is smaller than the ${n} columns of out`)
  const outLast = (m - 1) * g.ldc + n - 1
  reaches('out', g.out, outLast)
  reaches('init', g.init, (m - 1) * g.irs + n - 1)
  if (k === 0) return
  const aLast = (m - 1) * g.ars + (k - 1) * g.ats
  const bLast = (k - 1) * g.ldb + n - 1
  reaches('a', g.a, aLast)
  reaches('b', g.b, bLast)
  if (overlaps(g.out, outLast, g.a, aLast) || overlaps(g.out, outLast, g.b, bLast)) {
    throw new DimensionMismatchError('gemm: out overlaps a or b; the product needs its inputs intact until it ends')
  }
}

function count (name: string, v: number): void {
  if (!Number.isSafeInteger(v) || v < 0) throw new DimensionMismatchError(`gemm: ${name} must be an integer ≥ 0, got ${String(v)}`)
}

function reaches (what: string, v: Float32Array, last: number): void {
  if (last >= v.length) throw new DimensionMismatchError(`gemm: ${what} reaches index ${last} of a view of ${v.length} floats`)
}

/** whether the first `outLast + 1` floats of out and the first `last + 1` of v share memory */
function overlaps (out: Float32Array, outLast: number, v: Float32Array, last: number): boolean {
  return v.buffer === out.buffer && v.byteOffset < out.byteOffset + 4 * (outLast + 1) && out.byteOffset < v.byteOffset + 4 * (last + 1)
}
