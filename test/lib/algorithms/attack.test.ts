import assert from 'node:assert/strict'
import { VectorAttack, canonicalAttack, createAlgorithm, decodeFrame, encodeFrame, parseAttackRule } from '../../../lib/algorithms/index.ts'
import type { Exchange, Received } from '../../../lib/algorithms/index.ts'
import { createRng } from '../../../lib/random/index.ts'

const v = (...xs: number[]): Float32Array => Float32Array.from(xs)

describe('lib/algorithms attack: specs', () => {
  it('parses and canonicalises every form', () => {
    assert.deepEqual(parseAttackRule('signflip'), { kind: 'signflip' })
    assert.deepEqual(parseAttackRule('gaussian:0.5'), { kind: 'gaussian', sigma: 0.5 })
    assert.deepEqual(parseAttackRule('ALIE'), { kind: 'alie', z: 1 })
    assert.deepEqual(parseAttackRule('alie:3'), { kind: 'alie', z: 3 })
    assert.deepEqual(parseAttackRule('ipm'), { kind: 'ipm', eps: 0.1 })
    assert.deepEqual(parseAttackRule('ipm:2'), { kind: 'ipm', eps: 2 })
    assert.deepEqual(parseAttackRule('nan'), { kind: 'nan' })
    assert.equal(canonicalAttack(' Gaussian:1e1 '), 'gaussian:10')
  })

  for (const spec of ['', 'none', 'gaussian', 'gaussian:0', 'gaussian:-1', 'alie:', 'alie:x', 'ipm:0', 'signflip:1', 'nan:1', 'alie:1:2']) {
    it(`rejects ${JSON.stringify(spec)} naming the field`, () => {
      assert.throws(() => parseAttackRule(spec), (err: Error & { field?: string }) => err.name === 'InvalidAlgorithmConfigError' && err.field === 'attack')
    })
  }

  it('refuses an attack on choco, whose messages are deltas of copies, not models', () => {
    const objective = { dim: 2, gradient: (_x: Float32Array, g: Float32Array) => { g.fill(0); return 0 } }
    assert.throws(() => createAlgorithm({ algo: 'choco', attack: 'signflip' }, { x0: new Float32Array(2), objective, rng: createRng(1), id: 'a' }),
      (err: Error & { field?: string }) => err.name === 'InvalidAlgorithmConfigError' && err.field === 'attack')
  })
})

describe('lib/algorithms attack: crafted vectors', () => {
  const x = v(1, -2, 3)
  const craft = (spec: string, heard: Float32Array[][] = []): Float32Array => {
    const a = new VectorAttack(parseAttackRule(spec), 3, createRng(9))
    for (const round of heard) { a.beginObserving(); for (const h of round) a.observe(h); a.endObserving() }
    const out = new Float32Array(3)
    a.craft(x, out)
    return out
  }

  it('signflip sends −x, nan sends NaN everywhere', () => {
    assert.deepEqual([...craft('signflip')], [-1, 2, -3])
    assert.ok([...craft('nan')].every(Number.isNaN))
  })

  it('alie sends μ − z·σ of the last round heard (unbiased σ), x before it has heard anything', () => {
    assert.deepEqual([...craft('alie:2')], [...x])
    // coordinate 0: {0, 2} → μ 1, σ √2; coordinate 1: {4, 4} → μ 4, σ 0; an older round is forgotten
    const out = craft('alie:2', [[v(100, 100, 100)], [v(0, 4, 1), v(2, 4, 1)]])
    assert.ok(Math.abs(out[0] - (1 - 2 * Math.SQRT2)) < 1e-6)
    assert.equal(out[1], 4)
    assert.equal(out[2], 1)
  })

  it('a round in which nothing arrived keeps the previous statistics', () => {
    const out = craft('ipm:1', [[v(2, 2, 2)], []])
    assert.deepEqual([...out], [-2, -2, -2])
  })

  it('ipm sends −ε·μ of the last round heard (−ε·x before)', () => {
    assert.deepEqual([...craft('ipm:0.5')].map((t) => t + 0), [-0.5, 1, -1.5])
    assert.deepEqual([...craft('ipm:0.5', [[v(2, 4, 6), v(4, 8, 10)]])], [-1.5, -3, -4])
  })

  it('gaussian adds seeded N(0, σ²) noise to x', () => {
    const d = 20_000
    const a = new VectorAttack(parseAttackRule('gaussian:3'), d, createRng(4))
    const base = new Float32Array(d).fill(5)
    const out = new Float32Array(d)
    a.craft(base, out)
    let m = 0; let s = 0
    for (const t of out) { m += t - 5; s += (t - 5) ** 2 }
    m /= d; s = Math.sqrt(s / d)
    assert.ok(Math.abs(m) < 0.1 && Math.abs(s - 3) < 0.1, `mean ${m}, std ${s}`)
    const again = new Float32Array(d)
    new VectorAttack(parseAttackRule('gaussian:3'), d, createRng(4)).craft(base, again)
    assert.deepEqual(again, out, 'same seed, same noise')
  })
})

describe('lib/algorithms attack: an attacking peer', () => {
  const dim = 8
  const objective = { dim, gradient: (x: Float32Array, g: Float32Array) => { for (let i = 0; i < dim; i++) g[i] = x[i] - i; return 0 } }
  const neighbourFrame = (r: number, value: number): Received => ({
    from: { id: 'b' }, degree: 1, payload: encodeFrame({ kind: 'model', encoding: 'raw', round: r, base: 0, dim, resync: [] }, new Uint8Array(new Float32Array(dim).fill(value).buffer))
  })

  for (const codec of ['none', 'fp16']) {
    it(`codec ${codec}: sends the crafted raw model frame, keeps each sent frame intact for a round, and its own state stays the honest one`, async () => {
      const deps = () => ({ x0: new Float32Array(dim).fill(1), objective, rng: createRng(3) })
      const honest = createAlgorithm({ algo: 'dpsgd', lr: 0.1, codec }, deps())
      const attacker = createAlgorithm({ algo: 'dpsgd', lr: 0.1, codec, attack: 'signflip' }, deps())
      const sent: Array<{ bytes: Uint8Array, copy: Uint8Array }> = []
      const exchange = (log: boolean): Exchange => ({
        neighbours: () => [{ id: 'b' }],
        async round (r, outgoing) {
          if (log) sent.push({ bytes: outgoing, copy: outgoing.slice() })
          return [neighbourFrame(r, r)]
        }
      })
      for (let r = 0; r < 4; r++) {
        const xBefore = honest.params.slice()
        await honest.runRound(r, exchange(false))
        await attacker.runRound(r, exchange(true))
        assert.deepEqual(attacker.params, honest.params, `round ${r}: the attacker's own model is the honest one`)
        const f = decodeFrame(sent[r].bytes)
        assert.equal(f.kind, 'model')
        assert.equal(f.encoding, 'raw')
        const values = new Float32Array(f.payload.slice().buffer)
        // adapt-then-combine: the message carries y = x − η∇f(x), the attacker sends −y
        for (let i = 0; i < dim; i++) assert.ok(Math.abs(values[i] + (xBefore[i] - 0.1 * (xBefore[i] - i))) < 1e-6)
        if (r >= 1) assert.deepEqual(sent[r - 1].bytes, sent[r - 1].copy, `round ${r - 1}'s frame changed during round ${r}`)
      }
    })
  }
})
