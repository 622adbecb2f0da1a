import assert from 'node:assert/strict'
import { createRng } from '../../../lib/random/index.ts'
import { createModel, initBackend } from '../../../lib/model/index.ts'
import type { PackedSplit } from '../../../lib/data/index.ts'

/** A packed split (bytes + table, a network peer's test set) evaluates exactly as the same rows in floats. */
describe('lib/model evaluate on a packed split', () => {
  before(async () => { await initBackend('cpu') })

  it('gives the loss and accuracy of the equivalent float split, in any chunk size', () => {
    const rng = createRng(7)
    const n = 37
    const features = 12
    const pixels = Uint8Array.from({ length: n * features }, () => Math.floor(rng.next() * 256))
    const y = Uint8Array.from({ length: n }, () => Math.floor(rng.next() * 4))
    const table = Float32Array.from({ length: 256 }, (_, v) => (v / 255 - 0.13) / 0.31)
    const x = Float32Array.from(pixels, (p) => table[p])
    const packed: PackedSplit = { n, features, pixels, table, y }
    const model = createModel({ kind: 'mlp', features, classes: 4, hidden: [6] })
    const params = model.init(3)
    const reference = model.evaluate(params, { n, x, y })
    for (const batchSize of [1, 5, 37, 100]) {
      const got = model.evaluate(params, packed, { batchSize })
      assert.equal(got.accuracy, reference.accuracy)
      assert.ok(Math.abs(got.loss - reference.loss) < 1e-9, `batch ${batchSize}: loss ${got.loss} vs ${reference.loss}`)
    }
    assert.equal(model.evaluate(params, packed, { limit: 10 }).samples, 10)
  })

  it('refuses a packed split whose bytes, table or labels do not fit with ShapeMismatchError', () => {
    const model = createModel({ kind: 'mlp', features: 4, classes: 3, hidden: [5] })
    const params = model.init(1)
    const ok: PackedSplit = { n: 2, features: 4, pixels: new Uint8Array(8), table: new Float32Array(256), y: new Uint8Array(2) }
    for (const bad of [
      { ...ok, pixels: new Uint8Array(7) },
      { ...ok, table: new Float32Array(255) },
      { ...ok, y: new Uint8Array(3) },
      { ...ok, features: 5, pixels: new Uint8Array(10) }
    ]) assert.throws(() => model.evaluate(params, bad), { name: 'ShapeMismatchError' })
  })
})
