import assert from 'node:assert/strict'
import { Sgd, createAlgorithm, resolveConfig } from '../../../lib/algorithms/index.ts'
import type { AlgorithmConfig } from '../../../lib/algorithms/index.ts'
import { createRng } from '../../../lib/random/index.ts'

const objective = { dim: 3, gradient: (_x: Float32Array, g: Float32Array) => { g.fill(0); return 0 } }

describe('lib/algorithms config', () => {
  it('fills documented defaults and canonicalises the codec', () => {
    assert.deepEqual(resolveConfig({ algo: 'dpsgd' }), { algo: 'dpsgd', lr: 0.1, momentum: 0, weightDecay: 0, localSteps: 1, order: 'atc', gamma: 1, codec: 'none', weights: 'metropolis', overlap: false, sync: 'sync', staleness: 0, finalRound: Infinity, aggregate: 'mean' })
    assert.equal(resolveConfig({ algo: 'choco', codec: 'topk:0.010' }).gamma, 0.05, 'lossy codec: the small default γ')
    assert.equal(resolveConfig({ algo: 'choco', codec: 'topk:0.010' }).codec, 'topk:0.01')
  })

  it('table of invalid configs: InvalidAlgorithmConfigError naming the field', () => {
    const cases: Array<{ config: unknown, field: string }> = [
      { config: { algo: 'sgd' }, field: 'algo' },
      { config: { algo: 'dpsgd', lr: 0 }, field: 'lr' },
      { config: { algo: 'dpsgd', lr: NaN }, field: 'lr' },
      { config: { algo: 'dpsgd', momentum: 1 }, field: 'momentum' },
      { config: { algo: 'dpsgd', weightDecay: -1 }, field: 'weightDecay' },
      { config: { algo: 'dpsgd', finalRound: -1 }, field: 'finalRound' },
      { config: { algo: 'dpsgd', finalRound: 2.5 }, field: 'finalRound' },
      { config: { algo: 'dpsgd', localSteps: 1.5 }, field: 'localSteps' },
      { config: { algo: 'dpsgd', localSteps: 0 }, field: 'localSteps' },
      { config: { algo: 'dpsgd', order: 'ca' }, field: 'order' },
      { config: { algo: 'choco', order: 'cta' }, field: 'order' },
      { config: { algo: 'choco', gamma: 0 }, field: 'gamma' },
      { config: { algo: 'choco', gamma: 1.5 }, field: 'gamma' },
      { config: { algo: 'dpsgd', codec: 'zip' }, field: 'codec' },
      // CHOCO's copies are its error feedback; ef(...) would count the residual twice (it diverged by round 250)
      { config: { algo: 'choco', codec: 'ef(topk:0.05)' }, field: 'codec' },
      { config: { algo: 'choco', codec: 'ef(sign)' }, field: 'codec' },
      { config: { algo: 'dpsgd', weights: 'uniform' }, field: 'weights' },
      { config: { algo: 'dpsgd', learningRate: 0.1 }, field: 'learningRate' }
    ]
    for (const c of cases) {
      assert.throws(() => resolveConfig(c.config as AlgorithmConfig), (err: Error & { field?: string }) => err.name === 'InvalidAlgorithmConfigError' && err.field === c.field, JSON.stringify(c.config))
    }
  })

  it('choco with an ef(...) codec is refused naming the codec to use instead; with the same codec bare it is accepted', () => {
    assert.throws(() => resolveConfig({ algo: 'choco', codec: 'ef(topk:0.05)' }), (err: Error) => /--codec topk:0\.05/.test(err.message) && /counts it twice/.test(err.message))
    assert.equal(resolveConfig({ algo: 'choco', codec: 'topk:0.05' }).codec, 'topk:0.05')
    assert.equal(resolveConfig({ algo: 'dpsgd', codec: 'ef(topk:0.05)' }).codec, 'ef(topk:0.05)')
  })

  it('checks the deps: objective present and of the right dimension, finite x0, an id for choco', () => {
    const rng = createRng(1)
    const x0 = new Float32Array(3)
    const cases: Array<{ config: AlgorithmConfig, deps: Record<string, unknown>, field: string }> = [
      { config: { algo: 'dpsgd' }, deps: { x0, rng }, field: 'objective' },
      { config: { algo: 'dpsgd' }, deps: { x0: new Float32Array(4), rng, objective }, field: 'objective' },
      { config: { algo: 'gossip' }, deps: { x0: Float32Array.of(1, NaN, 0), rng }, field: 'x0' },
      { config: { algo: 'choco' }, deps: { x0, rng, objective }, field: 'id' }
    ]
    for (const c of cases) {
      assert.throws(() => createAlgorithm(c.config, c.deps as never), (err: Error & { field?: string }) => err.name === 'InvalidAlgorithmConfigError' && err.field === c.field, c.field)
    }
    assert.equal(createAlgorithm({ algo: 'choco' }, { x0, rng, objective, id: 'me' }).dim, 3)
  })

  it('SGD follows torch.optim.SGD: v ← μv + g + λx, x ← x − ηv (momentum buffer starts as the first gradient)', () => {
    const opt = new Sgd(2, 0.1, 0.9, 0.01)
    const x = Float32Array.of(1, -2)
    const grads = [[0.5, 0.25], [-1, 2], [0.125, 0]]
    const ref = [1, -2]; const v = [0, 0]
    for (const g of grads) {
      opt.step(x, Float32Array.from(g))
      for (let i = 0; i < 2; i++) {
        v[i] = Math.fround(0.9 * v[i] + g[i] + 0.01 * ref[i])
        ref[i] = Math.fround(ref[i] - 0.1 * v[i])
      }
      assert.deepEqual([...x], ref)
      assert.deepEqual([...opt.velocity], v)
    }
  })
})
