import assert from 'node:assert/strict'
import { isErrorFeedback, parseCodec } from '../../../lib/compress/index.ts'
import type { ErrorFeedbackCodec } from '../../../lib/compress/index.ts'
import { createRng } from '../../../lib/random/index.ts'
import { assertThrowsNamed, gaussian, thrown } from './helpers.ts'

const D = 200
const STEPS = 300

function efCodec (spec: string): ErrorFeedbackCodec {
  const codec = parseCodec(spec)
  assert.ok(isErrorFeedback(codec))
  return codec
}

function norm (v: Float64Array | Float32Array): number {
  let s = 0
  for (const a of v) s += a * a
  return Math.sqrt(s)
}

/**
 * Feeds a drifting stream x_t = μ + noise (gradients share a direction, as in training) through the codec and
 * returns the largest ‖Σ x − Σ decoded‖ seen, the largest input norm, and the error memory at the end.
 */
function track (spec: string, seed: number): { maxResidual: number, maxInput: number, finalResidual: number, errorNorm: number } {
  const rng = createRng(seed)
  const codec = parseCodec(spec)
  const mu = gaussian(D, rng)
  const sumIn = new Float64Array(D)
  const sumOut = new Float32Array(D)
  const residual = new Float64Array(D)
  let maxResidual = 0
  let maxInput = 0
  for (let t = 0; t < STEPS; t++) {
    const x = gaussian(D, rng, 0.5).map((v, i) => v + mu[i])
    maxInput = Math.max(maxInput, norm(x))
    for (let i = 0; i < D; i++) sumIn[i] += x[i]
    codec.addDecoded(codec.encode(x, rng), D, sumOut, 1)
    for (let i = 0; i < D; i++) residual[i] = sumIn[i] - sumOut[i]
    maxResidual = Math.max(maxResidual, norm(residual))
  }
  return { maxResidual, maxInput, finalResidual: norm(residual), errorNorm: isErrorFeedback(codec) ? codec.errorNorm() : NaN }
}

describe('lib/compress error feedback', () => {
  // For a δ-contraction C (‖m − C(m)‖² ≤ (1 − δ)‖m‖², top-k with δ = k/d) the memory obeys
  // ‖e'‖² ≤ (1 − δ)(1 + δ/2)‖e‖² + (1 − δ)(1 + 2/δ)‖x‖², so ‖e‖ ≤ 2·sqrt(1 − δ)/δ · max‖x‖ at all times
  // (the bound of Stich, Cordonnier & Jaggi 2018 without the step size).
  it('ef(topk): Σ decoded tracks Σ inputs with the residual bounded by 2·sqrt(1 − δ)/δ · max‖x‖', () => {
    const delta = 0.05
    const ef = track('ef(topk:0.05)', 51)
    assert.ok(ef.maxResidual <= 2 * Math.sqrt(1 - delta) / delta * ef.maxInput, `residual ${ef.maxResidual}, inputs up to ${ef.maxInput}`)
    // without the memory the dropped mass piles up: the same check fails, by far
    const plain = track('topk:0.05', 51)
    assert.ok(plain.finalResidual > 2 * Math.sqrt(1 - delta) / delta * plain.maxInput, `plain residual ${plain.finalResidual}`)
    assert.ok(ef.finalResidual < plain.finalResidual / 5)
  })

  it('the residual Σ x − Σ decoded is exactly the error memory e', () => {
    for (const spec of ['ef(topk:0.05)', 'ef(sign)', 'ef(qsgd:64)', 'ef(randk:0.5)']) {
      const r = track(spec, 52)
      assert.ok(Math.abs(r.finalResidual - r.errorNorm) <= 1e-4 * (1 + r.errorNorm), `${spec}: residual ${r.finalResidual}, ‖e‖ ${r.errorNorm}`)
    }
  })

  it('ef(sign): residual within the worst-case bound of scaled sign (δ ≥ 1/d) and far below plain sign\'s', () => {
    // ‖x − ‖x‖₁/d · sign(x)‖² = ‖x‖² − ‖x‖₁²/d: a δ-contraction with δ = ‖x‖₁² / (d‖x‖₂²) ≥ 1/d (Karimireddy et al. 2019)
    const delta = 1 / D
    const ef = track('ef(sign)', 53)
    assert.ok(ef.maxResidual <= 2 * Math.sqrt(1 - delta) / delta * ef.maxInput, `residual ${ef.maxResidual}`)
    const plain = track('sign', 53)
    assert.ok(ef.finalResidual < plain.finalResidual / 5, `ef ${ef.finalResidual}, plain ${plain.finalResidual}`)
  })

  it('ef(qsgd:64), whose variance factor is below 1 at d = 200, keeps the residual within a few input norms', () => {
    const ef = track('ef(qsgd:64)', 53)
    assert.ok(ef.maxResidual <= 5 * ef.maxInput, `residual ${ef.maxResidual}, inputs up to ${ef.maxInput}`)
    const plain = track('qsgd:64', 53)
    assert.ok(plain.maxResidual > ef.maxResidual, `plain ${plain.maxResidual}, ef ${ef.maxResidual}`)
  })

  it('ef(none) sends the input itself and keeps no error', () => {
    const rng = createRng(54)
    const codec = efCodec('ef(none)')
    assert.equal(codec.lossless, true)
    const x = gaussian(D, rng)
    assert.deepEqual(codec.decode(codec.encode(x, rng), D), x)
    assert.equal(codec.errorNorm(), 0)
  })

  it('payloads are the inner codec\'s: a plain inner codec decodes them', () => {
    const rng = createRng(55)
    const codec = efCodec('ef(topk:0.1)')
    codec.encode(gaussian(D, rng), rng)
    const bytes = codec.encode(gaussian(D, rng), rng)
    assert.deepEqual(parseCodec('topk:0.1').decode(bytes, D), codec.decode(bytes, D))
  })

  it('keeps its memory when an encode fails, refuses a change of dimension, and forgets on reset', () => {
    const rng = createRng(56)
    const codec = efCodec('ef(sign)')
    codec.encode(gaussian(D, rng), rng)
    const before = codec.errorNorm()
    assert.ok(before > 0)
    const bad = gaussian(D, rng)
    bad[9] = NaN
    assertThrowsNamed(() => codec.encode(bad, rng), 'NonFiniteInputError')
    assert.equal(codec.errorNorm(), before)
    assertThrowsNamed(() => codec.encode(gaussian(D + 1, rng), rng), 'InvalidArgumentError')
    codec.reset()
    assert.equal(codec.errorNorm(), 0)
    assert.equal(codec.encode(gaussian(D + 1, rng), rng).length, 12 + Math.ceil((D + 1) / 8))
  })

  it('names the input\'s first non-finite entry, not one of x + e, for every inner codec; a refused first vector fixes nothing', () => {
    const rng = createRng(58)
    for (const spec of ['ef(topk:0.1)', 'ef(sign)', 'ef(qsgd:16)', 'ef(randk:0.5)', 'ef(fp16)', 'ef(none)']) {
      const codec = efCodec(spec)
      const bad = gaussian(D, rng)
      bad[D - 3] = -Infinity
      bad[D - 1] = NaN
      const err = thrown(() => codec.encode(bad, rng))
      assert.equal(err.name, 'NonFiniteInputError', spec)
      assert.equal((err as Error & { index: number }).index, D - 3, spec)
      assert.equal(codec.exportMemory(), undefined, spec)
      codec.encode(gaussian(D + 5, rng), rng) // the refused vector's dimension was not kept
      codec.encode(gaussian(D + 5, rng), rng)
      const memory = codec.exportMemory()
      const later = thrown(() => codec.encode(gaussian(D + 5, rng).fill(NaN, 2, 3), rng))
      assert.equal((later as Error & { index: number }).index, 2, spec)
      assert.deepEqual(codec.exportMemory(), memory, spec)
    }
    // x + e overflows at entry 0 before x's own NaN at entry 5: the error still names entry 5 of x
    const codec = efCodec('ef(sign)')
    const huge = new Float32Array(D).fill(1e-3)
    huge[0] = 3e38
    codec.encode(huge, rng) // e[0] ≈ 3e38 − 3e38/D
    huge[5] = NaN
    assert.equal((thrown(() => codec.encode(huge, rng)) as Error & { index: number }).index, 5)
  })

  it('each parseCodec call gives an independent memory (one instance per sender stream)', () => {
    const rng = createRng(57)
    const a = efCodec('ef(topk:0.1)')
    const b = efCodec('ef(topk:0.1)')
    a.encode(gaussian(D, rng), rng)
    assert.ok(a.errorNorm() > 0)
    assert.equal(b.errorNorm(), 0)
  })
})
