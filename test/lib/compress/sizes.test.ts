import assert from 'node:assert/strict'
import { expectedBytes, maxBytes, parseCodec } from '../../../lib/compress/index.ts'
import { createRng } from '../../../lib/random/index.ts'
import { gaussian } from './helpers.ts'
import { referenceDecode, referenceK } from './reference.ts'

const DIMENSIONS = [1, 7, 8, 9, 100, 1001, 4096, 30_000]

/** LEB128 length, written out independently of the library */
const leb = (g: number): number => (g < 2 ** 7 ? 1 : g < 2 ** 14 ? 2 : g < 2 ** 21 ? 3 : g < 2 ** 28 ? 4 : 5)

describe('lib/compress byte counts', () => {
  it('dense codecs: the payload size is the FORMAT.md formula and expectedBytes agrees', () => {
    const rng = createRng(31)
    const formulas: Record<string, (d: number) => number> = {
      none: (d) => 8 + 4 * d,
      fp16: (d) => 8 + 2 * d,
      sign: (d) => 12 + Math.ceil(d / 8),
      'qsgd:1': (d) => 16 + Math.ceil(d * 2 / 8),
      'qsgd:2': (d) => 16 + Math.ceil(d * 3 / 8),
      'qsgd:3': (d) => 16 + Math.ceil(d * 3 / 8),
      'qsgd:4': (d) => 16 + Math.ceil(d * 4 / 8),
      'qsgd:16': (d) => 16 + Math.ceil(d * 6 / 8),
      'qsgd:255': (d) => 16 + Math.ceil(d * 9 / 8),
      'qsgd:256': (d) => 16 + Math.ceil(d * 10 / 8),
      'qsgd:65535': (d) => 16 + Math.ceil(d * 17 / 8)
    }
    for (const [spec, formula] of Object.entries(formulas)) {
      for (const d of DIMENSIONS) {
        const bytes = parseCodec(spec).encode(gaussian(d, rng), rng)
        assert.equal(bytes.length, formula(d), `${spec} d = ${d}`)
        assert.equal(expectedBytes(spec, d), formula(d), `${spec} d = ${d}`)
        assert.equal(expectedBytes(`ef(${spec})`, d), formula(d), `ef(${spec}) d = ${d}`)
        assert.equal(maxBytes(spec, d), formula(d), `${spec} d = ${d}`)
      }
    }
  })

  it('randk: 16 + 4k with k = max(1, ceil(f·d)) on the exact decimal', () => {
    const rng = createRng(32)
    for (const [f, num, den] of [['0.001', 1, 1000], ['0.07', 7, 100], ['0.1', 1, 10], ['0.5', 1, 2], ['1', 1, 1]] as const) {
      for (const d of DIMENSIONS) {
        const k = referenceK(num, den, d)
        const bytes = parseCodec(`randk:${f}`).encode(gaussian(d, rng), rng)
        assert.equal(bytes.length, 16 + 4 * k, `randk:${f} d = ${d}`)
        assert.equal(expectedBytes(`randk:${f}`, d), 16 + 4 * k)
      }
    }
  })

  it('k is exact decimal arithmetic: topk:0.07 of 100 entries is 7 (binary floating point says 8)', () => {
    assert.equal(0.07 * 100 > 7, true)
    assert.equal(expectedBytes('randk:0.07', 100), 16 + 4 * 7)
    assert.equal(referenceDecode(parseCodec('topk:0.07').encode(gaussian(100, createRng(1)), createRng(1))).indices?.length, 7)
  })

  it('topk: 12 + 4k + min(varint bytes of the gaps, ceil(d/8)), over several d and f, both index forms seen', () => {
    const rng = createRng(33)
    const forms = new Set<number>()
    for (const [f, num, den] of [['0.001', 1, 1000], ['0.01', 1, 100], ['0.05', 1, 20], ['0.2', 1, 5], ['1', 1, 1]] as const) {
      for (const d of DIMENSIONS) {
        const x = gaussian(d, rng)
        const spec = `topk:${f}`
        const bytes = parseCodec(spec).encode(x, rng)
        const { indices, flags } = referenceDecode(bytes)
        assert.ok(indices !== undefined)
        const k = referenceK(num, den, d)
        assert.equal(indices.length, k)
        const varints = indices.reduce((sum, i, j) => sum + leb(j === 0 ? i : i - indices[j - 1]), 0)
        const bitmap = Math.ceil(d / 8)
        const formula = 12 + 4 * k + Math.min(varints, bitmap)
        assert.equal(bytes.length, formula, `${spec} d = ${d}`)
        assert.equal(expectedBytes(spec, d, { indices }), formula, `${spec} d = ${d}`)
        assert.equal(flags, bitmap < varints ? 1 : 0, `${spec} d = ${d}`)
        assert.ok(maxBytes(spec, d) >= bytes.length)
        forms.add(flags)
      }
    }
    assert.deepEqual([...forms].sort(), [0, 1])
  })

  it('top-1 % of a 101,770-entry model: 1,018 values and gaps of 1 to 2 varint bytes (FACTS.md measured 5,264 to 5,373)', () => {
    const rng = createRng(34)
    const bytes = parseCodec('topk:0.01').encode(gaussian(101_770, rng), rng)
    // 1,018 float32 values and 1,018 varint gaps of 1 to 2 bytes after a 12-byte header
    assert.ok(bytes.length >= 12 + 4 * 1018 + 1018 && bytes.length <= 12 + 4 * 1018 + 2 * 1018, `got ${bytes.length}`)
  })

  it('expectedBytes refuses a topk count without the chosen indices', () => {
    assert.throws(() => expectedBytes('topk:0.1', 100), { name: 'InvalidArgumentError' })
    assert.throws(() => expectedBytes('topk:0.1', 100, { indices: [1, 2] }), { name: 'InvalidArgumentError' })
    assert.throws(() => expectedBytes('none', 0), { name: 'InvalidArgumentError' })
    assert.throws(() => expectedBytes('zip', 10), { name: 'InvalidCodecSpecError' })
  })
})
