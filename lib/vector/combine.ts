/**
 * The two multi-vector sweeps that dominate a gossip round: the mixing combination Σ_k c_k v_k and the
 * network's mean and consensus distance. Each runs as a WebAssembly SIMD kernel when all its vectors live
 * in one kernel arena (arena.ts), else as the JavaScript twin below. Twin and kernel perform the same
 * float64 operations in the same order, so results are identical bit for bit whichever path runs
 * (tested): placement changes speed, never numbers.
 */

import { DimensionMismatchError } from './errors.ts'
import { KERNEL_BLOCK, arenaOf, commonArena } from './arena.ts'
import { MAX_FUSED } from './wasm/kernels.ts'
import type { Arena } from './arena.ts'

const acc = new Float64Array(KERNEL_BLOCK)
const sums = new Float64Array(KERNEL_BLOCK)
const squares = new Float64Array(KERNEL_BLOCK)

function checkAll (vectors: ReadonlyArray<Float32Array>, d: number, what: string): void {
  for (let k = 0; k < vectors.length; k++) {
    if (vectors[k].length !== d) throw new DimensionMismatchError(`${what}: expected equal lengths, got ${d} and ${vectors[k].length}`)
  }
}

/**
 * out ← Σ_k coeffs[k] · vectors[k], each coordinate summed left to right in float64 and rounded once to
 * float32; returns true when every written coordinate is finite (so callers need no separate allFinite
 * sweep over `out`). Up to four inputs are fused into one loop (the gossip case: self plus a few
 * neighbours); more go through a float64 block accumulator. `out` must not be one of the inputs.
 */
export function linearCombination (out: Float32Array, coeffs: ArrayLike<number>, vectors: ReadonlyArray<Float32Array>): boolean {
  const m = vectors.length
  if (coeffs.length < m) throw new DimensionMismatchError(`linearCombination: expected ${m} coefficients, got ${coeffs.length}`)
  const d = out.length
  checkAll(vectors, d, 'linearCombination')
  if (m === 0) { out.fill(0); return true }
  const arena = commonArena(out, vectors)
  if (arena !== undefined) return combineWasm(arena, out, coeffs, vectors)
  if (m <= MAX_FUSED) return combineFusedJs(out, coeffs, vectors)
  return combineBlockedJs(out, coeffs, vectors)
}

function combineWasm (arena: Arena, out: Float32Array, c: ArrayLike<number>, v: ReadonlyArray<Float32Array>): boolean {
  const k = arena.kernels
  const d = out.length
  const o = out.byteOffset
  switch (v.length) {
    case 1: return k.comb1(o, v[0].byteOffset, d, c[0]) === 1
    case 2: return k.comb2(o, v[0].byteOffset, v[1].byteOffset, d, c[0], c[1]) === 1
    case 3: return k.comb3(o, v[0].byteOffset, v[1].byteOffset, v[2].byteOffset, d, c[0], c[1], c[2]) === 1
    case 4: return k.comb4(o, v[0].byteOffset, v[1].byteOffset, v[2].byteOffset, v[3].byteOffset, d, c[0], c[1], c[2], c[3]) === 1
  }
  let finite = true
  for (let start = 0; start < d; start += KERNEL_BLOCK) {
    const len = Math.min(KERNEL_BLOCK, d - start)
    k.accStart(arena.acc, v[0].byteOffset + 4 * start, len, c[0])
    for (let j = 1; j < v.length; j++) k.accAdd(arena.acc, v[j].byteOffset + 4 * start, len, c[j])
    if (k.accRound(o + 4 * start, arena.acc, len) !== 1) finite = false
  }
  return finite
}

/** The twin of comb1..comb4. v·0 is 0 for finite v and NaN for NaN or ±∞. */
function combineFusedJs (out: Float32Array, coeffs: ArrayLike<number>, vectors: ReadonlyArray<Float32Array>): boolean {
  const d = out.length
  let fin = 0
  switch (vectors.length) {
    case 1: {
      const a = coeffs[0]; const x = vectors[0]
      for (let i = 0; i < d; i++) { const t = Math.fround(a * x[i]); out[i] = t; fin += t * 0 }
      break
    }
    case 2: {
      const a = coeffs[0]; const x = vectors[0]; const b = coeffs[1]; const y = vectors[1]
      for (let i = 0; i < d; i++) { const t = Math.fround(a * x[i] + b * y[i]); out[i] = t; fin += t * 0 }
      break
    }
    case 3: {
      const a = coeffs[0]; const x = vectors[0]; const b = coeffs[1]; const y = vectors[1]
      const c = coeffs[2]; const z = vectors[2]
      for (let i = 0; i < d; i++) { const t = Math.fround(a * x[i] + b * y[i] + c * z[i]); out[i] = t; fin += t * 0 }
      break
    }
    default: {
      const a = coeffs[0]; const x = vectors[0]; const b = coeffs[1]; const y = vectors[1]
      const c = coeffs[2]; const z = vectors[2]; const e = coeffs[3]; const w = vectors[3]
      for (let i = 0; i < d; i++) { const t = Math.fround(a * x[i] + b * y[i] + c * z[i] + e * w[i]); out[i] = t; fin += t * 0 }
    }
  }
  return fin === 0
}

/** The twin of accStart / accAdd / accRound. */
function combineBlockedJs (out: Float32Array, coeffs: ArrayLike<number>, vectors: ReadonlyArray<Float32Array>): boolean {
  const d = out.length
  let fin = 0
  for (let start = 0; start < d; start += KERNEL_BLOCK) {
    const len = Math.min(KERNEL_BLOCK, d - start)
    const c0 = coeffs[0]; const v0 = vectors[0]
    for (let i = 0; i < len; i++) acc[i] = c0 * v0[start + i]
    for (let k = 1; k < vectors.length; k++) {
      const c = coeffs[k]; const v = vectors[k]
      for (let i = 0; i < len; i++) acc[i] += c * v[start + i]
    }
    for (let i = 0; i < len; i++) { const t = Math.fround(acc[i]); out[start + i] = t; fin += t * 0 }
  }
  return fin === 0
}

/**
 * out ← (1/m) Σ_k vectors[k] and returns (1/m) Σ_k ‖vectors[k] − mean‖², the spread around the mean
 * (the consensus distance of decentralized optimisation), in one sweep over memory. Per coordinate, with
 * y_k = v_k − v_0 taken exactly in float64, S = Σ y_k and Q = Σ y_k², the spread is Q − S²/m and the mean
 * v_0 + S/m: the shift by v_0 (one of the samples, so within the spread of the mean) keeps the one-pass
 * formula free of the cancellation that E‖x‖² − ‖x̄‖² suffers (Chan, Golub & LeVeque 1983), and the
 * result is not floored by float32 rounding of the mean. `out` must not be an input.
 */
export function meanAndSpread (vectors: ReadonlyArray<Float32Array>, out: Float32Array): number {
  const m = vectors.length
  if (m === 0) throw new DimensionMismatchError('meanAndSpread: expected at least one vector, got none')
  const d = out.length
  checkAll(vectors, d, 'meanAndSpread')
  const arena = arenaOf(vectors[0])
  const inv = 1 / m
  let spread = 0
  if (arena !== undefined && commonArena(vectors[0], vectors) === arena) {
    const k = arena.kernels
    // S and Q are adjacent blocks of the arena's scratch: one fill clears both
    const stats = new Float64Array(arena.buffer, arena.sums, 2 * KERNEL_BLOCK)
    const meanView = new Float32Array(arena.buffer, arena.mean, KERNEL_BLOCK)
    for (let start = 0; start < d; start += KERNEL_BLOCK) {
      const len = Math.min(KERNEL_BLOCK, d - start)
      stats.fill(0)
      const v0 = vectors[0].byteOffset + 4 * start
      const at = (j: number): number => vectors[j].byteOffset + 4 * start
      const { sums: S, squares: Q } = arena
      // eight, then four, then one vector per pass over S and Q: same additions in the same order
      let j = 1
      for (; j + 7 < m; j += 8) k.spreadAcc8(S, Q, v0, at(j), at(j + 1), at(j + 2), at(j + 3), at(j + 4), at(j + 5), at(j + 6), at(j + 7), len)
      for (; j + 3 < m; j += 4) k.spreadAcc4(S, Q, v0, at(j), at(j + 1), at(j + 2), at(j + 3), len)
      for (; j < m; j++) k.spreadAcc1(S, Q, v0, at(j), len)
      spread += k.spreadEnd(arena.sums, arena.squares, v0, arena.mean, len, inv)
      out.set(len === KERNEL_BLOCK ? meanView : meanView.subarray(0, len), start)
    }
    return spread * inv
  }
  const v0 = vectors[0]
  for (let start = 0; start < d; start += KERNEL_BLOCK) {
    const len = Math.min(KERNEL_BLOCK, d - start)
    sums.fill(0); squares.fill(0)
    for (let j = 1; j < m; j++) {
      const v = vectors[j]
      for (let i = 0; i < len; i++) {
        const y = v[start + i] - v0[start + i]
        sums[i] += y
        squares[i] += y * y
      }
    }
    // the twin of spreadEnd: even coordinates summed in lane 0, odd ones in lane 1, a last odd one in lane 0
    let lane0 = 0; let lane1 = 0
    let i = 0
    for (; i + 1 < len; i += 2) {
      const t0 = sums[i] * inv; const t1 = sums[i + 1] * inv
      out[start + i] = v0[start + i] + t0
      out[start + i + 1] = v0[start + i + 1] + t1
      lane0 += squares[i] - t0 * sums[i]
      lane1 += squares[i + 1] - t1 * sums[i + 1]
    }
    if (i < len) {
      const t = sums[i] * inv
      out[start + i] = v0[start + i] + t
      lane0 += squares[i] - t * sums[i]
    }
    spread += lane0 + lane1
  }
  return spread * inv
}
