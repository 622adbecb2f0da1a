import type { Rng } from '../random/index.ts'
import type { Codec, ErrorFeedbackCodec } from './types.ts'
import { InvalidArgumentError, NonFiniteInputError } from './errors.ts'
import { checkDimension } from './header.ts'
import { assertFinite } from './codec.ts'

/**
 * Error feedback (Stich, Cordonnier & Jaggi 2018, "Sparsified SGD with Memory"; Karimireddy et al. 2019,
 * "Error Feedback Fixes SignSGD", Algorithm 2): the sender keeps what compression dropped and adds it to
 * the next input. With m = x + e, p = Q(m), e' = m − decode(p): the decoded messages sum to the inputs
 * minus the current e, and e stays bounded for a contractive Q (top-k, sign, qsgd scaled) instead of
 * growing with the number of messages. Payloads are the inner codec's, so receivers decode with either.
 * The bound needs a contraction, E‖m − decode(Q(m))‖² < ‖m‖²: true for top-k (δ = k/d) and scaled sign,
 * but unbiased random-k and QSGD have variance factor ω (d/k − 1 for random-k, about sqrt(2d/π)/s for
 * QSGD on dense vectors) and the memory grows without bound when ω ≥ 1: ef(qsgd:s) wants s well above
 * sqrt(d), ef(randk:f) wants f > 1/2.
 */
export function errorFeedback (inner: Codec): ErrorFeedbackCodec {
  const spec = `ef(${inner.spec})`
  let memory: Float32Array | undefined
  let work: Float32Array | undefined

  return {
    spec,
    lossless: inner.lossless,
    inner,
    encode (x: Float32Array, rng: Rng): Uint8Array {
      if (!(x instanceof Float32Array)) throw new InvalidArgumentError(`${spec}: expected a Float32Array to encode, got ${typeof x}`)
      checkDimension(x.length, spec)
      const d = x.length
      // the first vector's buffers are kept only once it has encoded, so a refused vector fixes no dimension
      let e = memory
      let m = work
      if (e === undefined || m === undefined) {
        e = new Float32Array(d)
        m = new Float32Array(d)
      } else if (e.length !== d) {
        throw new InvalidArgumentError(`${spec}: this stream carries dimension ${e.length}, got a vector of ${d}`)
      }
      // m = x + e in the spare buffer, so e is untouched if the inner encode throws
      for (let i = 0; i < d; i++) m[i] = x[i] + e[i]
      // e is finite, so a NaN or ±Infinity in x is one in m too, and the inner codec's own finiteness
      // check on m stands in for a separate pass over x; only then is x searched, to name its entry
      let payload: Uint8Array
      try {
        payload = inner.encode(m, rng)
      } catch (err) {
        if (err instanceof NonFiniteInputError) assertFinite(x, spec)
        throw err
      }
      inner.addDecoded(payload, d, m, -1)
      work = e
      memory = m
      return payload
    },
    decode: (bytes, d) => inner.decode(bytes, d),
    decodeInto: (bytes, d, out) => inner.decodeInto(bytes, d, out),
    addDecoded: (bytes, d, out, alpha) => { inner.addDecoded(bytes, d, out, alpha) },
    errorNorm (): number {
      if (memory === undefined) return 0
      let s = 0
      for (let i = 0; i < memory.length; i++) s += memory[i] * memory[i]
      return Math.sqrt(s)
    },
    reset (): void {
      memory = undefined
      work = undefined
    },
    exportMemory: () => memory?.slice(),
    importMemory (m: Float32Array | undefined): void {
      if (m === undefined) { memory = undefined; work = undefined; return }
      if (!(m instanceof Float32Array)) throw new InvalidArgumentError(`${spec}: expected a Float32Array error memory, got ${typeof m}`)
      checkDimension(m.length, spec)
      assertFinite(m, spec)
      memory = m.slice()
      work = new Float32Array(m.length)
    }
  }
}
