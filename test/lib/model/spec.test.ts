import assert from 'node:assert/strict'
import { checkModelSpec, createModel, formatModelSpec, MAX_PARAMS, parseModelSpec } from '../../../lib/model/index.ts'
import { constants as algorithmConstants } from '../../../lib/algorithms/index.ts'
import type { ModelSpec } from '../../../lib/model/index.ts'

const MNIST = { features: 784, classes: 10, imageShape: [28, 28, 1] as [number, number, number] }
const FLAT = { features: 20, classes: 3 }

/** Parameter count from first principles: weights + biases of each layer. */
function denseParams (widths: number[]): number {
  let d = 0
  for (let i = 0; i + 1 < widths.length; i++) d += widths[i] * widths[i + 1] + widths[i + 1]
  return d
}

describe('lib/model spec', () => {
  it('parses every documented form to its canonical text', () => {
    const cases: Array<{ text: string, data: typeof MNIST | typeof FLAT, canonical: string }> = [
      { text: 'softmax', data: FLAT, canonical: 'softmax' },
      { text: 'mlp', data: MNIST, canonical: 'mlp:128' },
      { text: 'mlp:256,128', data: MNIST, canonical: 'mlp:256,128' },
      { text: 'cnn', data: MNIST, canonical: 'cnn:8,16,128' },
      { text: 'cnn:16,32', data: MNIST, canonical: 'cnn:16,32,128' },
      { text: 'cnn:4,8,0', data: MNIST, canonical: 'cnn:4,8,0' }
    ]
    for (const c of cases) {
      const spec = parseModelSpec(c.text, c.data)
      assert.equal(formatModelSpec(spec), c.canonical, c.text)
      assert.equal(formatModelSpec(parseModelSpec(formatModelSpec(spec), c.data)), c.canonical, `${c.text} round trip`)
    }
  })

  it('rejects malformed specs with InvalidModelSpecError', () => {
    const cases: Array<{ id: string, text: string, data?: object }> = [
      { id: 'unknown kind', text: 'resnet' },
      { id: 'empty', text: '' },
      { id: 'empty size list', text: 'mlp:' },
      { id: 'zero width', text: 'mlp:0' },
      { id: 'non-integer', text: 'mlp:12.5' },
      { id: 'letters', text: 'mlp:12,a' },
      { id: 'negative', text: 'mlp:-3' },
      { id: 'absurd width', text: 'mlp:10000000' },
      { id: 'softmax takes no sizes', text: 'softmax:3' },
      { id: 'cnn with one size', text: 'cnn:8' },
      { id: 'cnn with four sizes', text: 'cnn:8,16,32,64' },
      { id: 'cnn without image shape', text: 'cnn', data: FLAT },
      { id: 'image shape not matching features', text: 'cnn', data: { features: 100, classes: 10, imageShape: [28, 28, 1] } },
      { id: 'image too small for two poolings', text: 'cnn', data: { features: 9, classes: 2, imageShape: [3, 3, 1] } },
      { id: 'one class', text: 'softmax', data: { features: 4, classes: 1 } }
    ]
    for (const c of cases) {
      assert.throws(() => parseModelSpec(c.text, (c.data ?? MNIST) as typeof MNIST), { name: 'InvalidModelSpecError' }, c.id)
    }
  })

  it('refuses more than MAX_PARAMS parameters, naming the count and the limit, from the spec alone', () => {
    // a round message carries the whole model: no model may be larger than a frame can announce
    assert.equal(MAX_PARAMS, algorithmConstants.MAX_FRAME_DIM)
    assert.throws(() => parseModelSpec('mlp:65536,65536,65536', MNIST), (err: any) => {
      assert.equal(err.name, 'InvalidModelSpecError')
      assert.match(err.message, /8,642,166,794 parameters .* limit of 268,435,456/)
      return true
    })
    // softmax has classes × (features + 1) parameters: exactly the limit is accepted, one more feature is not
    const at = { kind: 'softmax' as const, features: MAX_PARAMS / 2 - 1, classes: 2 }
    assert.doesNotThrow(() => { checkModelSpec(at) })
    assert.throws(() => { checkModelSpec({ ...at, features: at.features + 1 }) }, { name: 'InvalidModelSpecError' })
  })

  it('rejects hand-built spec objects that do not fit together', () => {
    const bad: unknown[] = [
      { kind: 'mlp', features: 10, classes: 3, hidden: [] },
      { kind: 'mlp', features: 0, classes: 3, hidden: [4] },
      { kind: 'cnn', features: 64, classes: 3, imageShape: [8, 8, 1], filters: [0, 2], hidden: 4 },
      { kind: 'transformer', features: 10, classes: 3 }
    ]
    for (const spec of bad) assert.throws(() => createModel(spec as ModelSpec), { name: 'InvalidModelSpecError' }, JSON.stringify(spec))
  })

  it('dim equals the parameter count of each architecture', () => {
    assert.equal(createModel(parseModelSpec('softmax', MNIST)).dim, denseParams([784, 10]))
    assert.equal(createModel(parseModelSpec('mlp', MNIST)).dim, 101_770) // the 784-128-10 figure of FACTS.md
    assert.equal(createModel(parseModelSpec('mlp:256,128', MNIST)).dim, denseParams([784, 256, 128, 10]))
    // two 5x5 'same' convolutions, each followed by a 2x2 pool: 28 -> 14 -> 7
    const conv = (c: number, f: number): number => 5 * 5 * c * f + f
    assert.equal(createModel(parseModelSpec('cnn', MNIST)).dim, conv(1, 8) + conv(8, 16) + denseParams([7 * 7 * 16, 128, 10]))
    assert.equal(createModel(parseModelSpec('cnn:4,6,0', MNIST)).dim, conv(1, 4) + conv(4, 6) + denseParams([7 * 7 * 6, 10]))
    // an odd side floors at each pooling: 9 -> 4 -> 2
    const odd = { features: 9 * 9 * 2, classes: 3, imageShape: [9, 9, 2] as [number, number, number] }
    assert.equal(createModel(parseModelSpec('cnn:2,3,5', odd)).dim, conv(2, 2) + conv(2, 3) + denseParams([2 * 2 * 3, 5, 3]))
  })

  it('lays the tensors out back to back, weight before bias, covering exactly dim', () => {
    const model = createModel(parseModelSpec('cnn:2,3,4', { features: 64, classes: 3, imageShape: [8, 8, 1] }))
    const names = model.layout.tensors.map(t => t.name)
    assert.deepEqual(names, ['conv1.w', 'conv1.b', 'conv2.w', 'conv2.b', 'dense0.w', 'dense0.b', 'dense1.w', 'dense1.b'])
    assert.deepEqual(model.layout.tensors[0].shape, [5, 5, 1, 2])
    assert.deepEqual(model.layout.tensors[4].shape, [2 * 2 * 3, 4])
    let offset = 0
    for (const t of model.layout.tensors) {
      assert.equal(t.offset, offset, t.name)
      assert.equal(t.size, t.shape.reduce((a, b) => a * b, 1), t.name)
      offset += t.size
    }
    assert.equal(offset, model.dim)
  })
})
