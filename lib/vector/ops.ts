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

/**
 * out ← (1/m) Σ_k vectors[k] and returns (1/m) Σ_k ‖vectors[k] − mean‖², the spread around the mean
 * (the consensus distance of decentralized optimisation). One sweep over memory: each block of every
 * vector is read while still in cache for the second (deviation) pass. Deviations are taken from the
 * float64 mean, so the result is not floored by float32 rounding of the mean. `out` must not be an input.
 */
export function meanAndSpread (vectors: ReadonlyArray<Float32Array>, out: Float32Array): number {
  const m = vectors.length
  if (m === 0) throw new DimensionMismatchError('meanAndSpread: expected at least one vector, got none')
  checkAll(vectors, out, 'meanAndSpread')
  const d = out.length
  const inv = 1 / m
  let spread = 0
  for (let start = 0; start < d; start += BLOCK) {
    const len = Math.min(BLOCK, d - start)
    scratch.fill(0, 0, len)
    for (let k = 0; k < m; k++) {
      const v = vectors[k]
      for (let i = 0; i < len; i++) scratch[i] += v[start + i]
    }
    for (let i = 0; i < len; i++) {
      const mu = scratch[i] * inv
      scratch[i] = mu
      out[start + i] = mu
    }
    for (let k = 0; k < m; k++) {
      const v = vectors[k]
      for (let i = 0; i < len; i++) {
        const t = v[start + i] - scratch[i]
        spread += t * t
      }
    }
  }
  return spread * inv
}

/**
 * out ← Σ_k coeffs[k] · vectors[k], each coordinate summed in float64 and rounded once. Up to four
 * inputs are fused into one loop (the common gossip case: self plus a few neighbours); more go through
 * a blocked float64 accumulator. `out` must not be one of the inputs.
 */
export function linearCombination (out: Float32Array, coeffs: ArrayLike<number>, vectors: ReadonlyArray<Float32Array>): void {
  const m = vectors.length
  if (coeffs.length < m) throw new DimensionMismatchError(`linearCombination: expected ${m} coefficients, got ${coeffs.length}`)
  checkAll(vectors, out, 'linearCombination')
  const d = out.length
  if (m === 0) { out.fill(0); return }
  if (m === 1) {
    const a = coeffs[0]; const x = vectors[0]
    for (let i = 0; i < d; i++) out[i] = a * x[i]
  } else if (m === 2) {
    const a = coeffs[0]; const x = vectors[0]; const b = coeffs[1]; const y = vectors[1]
    for (let i = 0; i < d; i++) out[i] = a * x[i] + b * y[i]
  } else if (m === 3) {
    const a = coeffs[0]; const x = vectors[0]; const b = coeffs[1]; const y = vectors[1]
    const c = coeffs[2]; const z = vectors[2]
    for (let i = 0; i < d; i++) out[i] = a * x[i] + b * y[i] + c * z[i]
  } else if (m === 4) {
    const a = coeffs[0]; const x = vectors[0]; const b = coeffs[1]; const y = vectors[1]
    const c = coeffs[2]; const z = vectors[2]; const e = coeffs[3]; const w = vectors[3]
    for (let i = 0; i < d; i++) out[i] = a * x[i] + b * y[i] + c * z[i] + e * w[i]
  } else {
    for (let start = 0; start < d; start += BLOCK) {
      const len = Math.min(BLOCK, d - start)
      scratch.fill(0, 0, len)
      for (let k = 0; k < m; k++) {
        const c = coeffs[k]; const v = vectors[k]
        for (let i = 0; i < len; i++) scratch[i] += c * v[start + i]
      }
      for (let i = 0; i < len; i++) out[start + i] = scratch[i]
    }
  }
}
