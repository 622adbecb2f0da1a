import assert from 'node:assert/strict'
import { modelObjective } from '../../../lib/objectives/index.ts'
import { createModel, initBackend, parseModelSpec } from '../../../lib/model/index.ts'
import { syntheticLogistic } from '../../../lib/data/index.ts'
import { createRng } from '../../../lib/random/index.ts'

describe('lib/objectives modelObjective (lib/model + lib/data batcher)', () => {
  before(async () => { await initBackend('cpu') })

  it('draws seeded minibatches of the shard, and a restored objective continues the same stream', () => {
    const data = syntheticLogistic({ samples: 50, features: 6, classes: 3, noise: 0.5, seed: 2 })
    const model = createModel(parseModelSpec('softmax', data))
    try {
      const indices = Uint32Array.from({ length: 23 }, (_, k) => 2 * k)
      const params = model.init(1)
      const make = () => modelObjective(model, data.train, indices, 5, createRng(4))
      const a = make(); const b = make()
      const ga = new Float32Array(model.dim); const gb = new Float32Array(model.dim)
      for (let s = 0; s < 7; s++) a.gradient(params, ga) // crosses an epoch boundary (5 batches an epoch, the last short)
      b.importState!(a.exportState!())
      for (let s = 0; s < 6; s++) {
        const la = a.gradient(params, ga); const lb = b.gradient(params, gb)
        assert.equal(la, lb)
        assert.deepEqual(ga, gb)
        assert.ok(Number.isFinite(la) && la > 0)
      }
      const c = modelObjective(model, data.train, indices, 5, createRng(5))
      const gc = new Float32Array(model.dim)
      const fresh = make(); const gf = new Float32Array(model.dim)
      fresh.gradient(params, gf); c.gradient(params, gc)
      assert.notDeepEqual(gc, gf, 'another seed, other batches')
    } finally {
      model.dispose()
    }
  })
})
