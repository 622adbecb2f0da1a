import type { Rng } from '../random/index.ts'
import type { Codec } from './types.ts'
import { InvalidArgumentError, InvalidPayloadError, NonFiniteInputError } from './errors.ts'
import { checkDimension } from './header.ts'

/** What each codec file implements; `makeCodec` adds the argument checks shared by all of them. */
export interface CodecCore {
  readonly spec: string
  readonly lossless: boolean
  /** x is a Float32Array with a valid dimension; the core checks finiteness in its own first pass */
  encode (x: Float32Array, rng: Rng): Uint8Array
  /**
   * Validates the whole payload against d, then asks `target` for the output vector (only then: decode
   * allocates nothing for a payload it refuses) and sets it to the decoded vector (overwrite) or adds
   * alpha times the decoded vector to it. Returns that vector.
   */
  read (bytes: Uint8Array, d: number, target: () => Float32Array, alpha: number, overwrite: boolean): Float32Array
}

export function makeCodec (core: CodecCore): Codec {
  const { spec } = core
  const checkOut = (d: number, out: Float32Array): void => {
    checkDimension(d, spec)
    if (!(out instanceof Float32Array) || out.length !== d) {
      throw new InvalidArgumentError(`${spec}: expected an output Float32Array of length ${d}, got ${describe(out)}`)
    }
  }
  return {
    spec,
    lossless: core.lossless,
    encode (x: Float32Array, rng: Rng): Uint8Array {
      if (!(x instanceof Float32Array)) throw new InvalidArgumentError(`${spec}: expected a Float32Array to encode, got ${describe(x)}`)
      checkDimension(x.length, spec)
      return core.encode(x, rng)
    },
    decode (bytes: Uint8Array, d: number): Float32Array {
      checkDimension(d, spec)
      return core.read(bytes, d, () => new Float32Array(d), 1, true)
    },
    decodeInto (bytes: Uint8Array, d: number, out: Float32Array): Float32Array {
      checkOut(d, out)
      return core.read(bytes, d, () => out, 1, true)
    },
    addDecoded (bytes: Uint8Array, d: number, out: Float32Array, alpha: number): void {
      checkOut(d, out)
      if (!Number.isFinite(alpha)) throw new InvalidArgumentError(`${spec}: expected a finite alpha, got ${alpha}`)
      core.read(bytes, d, () => out, alpha, false)
    }
  }
}

/** First index of a non-finite entry, or -1. */
export function firstNonFinite (x: Float32Array): number {
  for (let i = 0; i < x.length; i++) if (!Number.isFinite(x[i])) return i
  return -1
}

/** Throws NonFiniteInputError naming the first NaN/±Infinity entry. Sums x − x so the common all-finite
 *  case costs one branch-free pass (x − x is 0 for finite x, NaN otherwise). */
export function assertFinite (x: Float32Array, spec: string): void {
  let probe = 0
  for (let i = 0; i < x.length; i++) probe += x[i] - x[i]
  if (probe !== 0) throwNonFinite(x, spec)
}

export function throwNonFinite (x: Float32Array, spec: string): never {
  const i = firstNonFinite(x)
  throw new NonFiniteInputError(i, `${spec}: expected finite input, got ${x[i]} at index ${i}`)
}

function describe (v: unknown): string {
  if (ArrayBuffer.isView(v)) return `${v.constructor.name} of length ${(v as Float32Array).length}`
  return typeof v
}

/**
 * The read of a sparse payload: `out[chosen[j]] = values[j]` over zeros (overwrite), or `out[chosen[j]] +=
 * alpha · values[j]` into what `out` holds, for j < k.
 */
export function scatterSparse (out: Float32Array, chosen: ArrayLike<number>, values: Float32Array, k: number, alpha: number, overwrite: boolean): Float32Array {
  if (overwrite) {
    out.fill(0)
    for (let j = 0; j < k; j++) out[chosen[j]] = values[j]
  } else {
    for (let j = 0; j < k; j++) out[chosen[j]] += alpha * values[j]
  }
  return out
}

/** Throws 'non-finite' at the first NaN/±Infinity of a float32 run read from a payload. */
export function checkFiniteValues (values: Float32Array, spec: string): void {
  let probe = 0
  for (let i = 0; i < values.length; i++) probe += values[i] - values[i]
  if (probe === 0) return
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) {
      throw new InvalidPayloadError('non-finite', `${spec}: expected finite values, got ${values[i]} at value ${i}`)
    }
  }
}
