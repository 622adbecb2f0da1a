import assert from 'node:assert/strict'
import fc from 'fast-check'
import { RadixScratch, radixSortU32 } from '../../../lib/compress/sort.ts'

const RUN = { seed: 0x736f7274, numRuns: 200 }

describe('lib/compress radixSortU32', () => {
  it('sorts the first n keys like a numeric sort and leaves the rest alone, for any key bound (fast-check)', () => {
    const bounds = fc.constantFrom(0, 1, 2047, 2048, 4_194_303, 4_194_304, 0xffffffff)
    fc.assert(fc.property(bounds, fc.array(fc.nat(), { maxLength: 300 }), fc.nat({ max: 5 }), (bound, raw, extra) => {
      const keys = Uint32Array.from(raw, (v) => bound === 0 ? 0 : v % (bound + 1))
      const n = Math.max(0, keys.length - extra)
      const expected = [...Array.from(keys.subarray(0, n)).sort((a, b) => a - b), ...keys.subarray(n)]
      radixSortU32(keys, n, bound, new RadixScratch())
      assert.deepEqual(Array.from(keys), expected)
    }), RUN)
  })

  it('reuses one scratch across sizes, smaller after larger', () => {
    const scratch = new RadixScratch()
    for (const n of [1000, 10, 5000, 3]) {
      const keys = Uint32Array.from({ length: n }, (_, i) => (i * 2654435761) >>> 0)
      const expected = Array.from(keys).sort((a, b) => a - b)
      radixSortU32(keys, n, 0xffffffff, scratch)
      assert.deepEqual(Array.from(keys), expected)
    }
  })
})
