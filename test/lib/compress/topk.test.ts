import assert from 'node:assert/strict'
import { parseCodec } from '../../../lib/compress/index.ts'
import { createRng } from '../../../lib/random/index.ts'
import type { Rng } from '../../../lib/random/index.ts'
import { gaussian } from './helpers.ts'
import { referenceDecode } from './reference.ts'

/** The specification by sorting: |x| descending, index ascending on ties, first k, in index order. */
function topkBySort (x: Float32Array, k: number): number[] {
  const order = Array.from(x, (_, i) => i).sort((a, b) => Math.abs(x[b]) - Math.abs(x[a]) || a - b)
  return order.slice(0, k).sort((a, b) => a - b)
}

function chosenIndices (spec: string, x: Float32Array, rng: Rng): number[] {
  const payload = referenceDecode(parseCodec(spec).encode(x, rng))
  assert.ok(payload.indices !== undefined)
  return payload.indices
}

describe('lib/compress top-k selection', () => {
  it('picks exactly the k largest magnitudes of random vectors (compared with a full sort)', () => {
    const rng = createRng(21)
    for (const d of [1, 2, 10, 257, 5000]) {
      for (const f of ['0.001', '0.01', '0.1', '0.5', '1']) {
        const x = gaussian(d, rng, 10 ** (rng.int(6) - 3))
        const k = Math.max(1, Math.ceil(Number(f) * d - 1e-9))
        assert.deepEqual(chosenIndices(`topk:${f}`, x, rng), topkBySort(x, k), `d = ${d}, f = ${f}`)
      }
    }
  })

  it('breaks ties towards the lower index, whatever the sign', () => {
    const rng = createRng(22)
    for (let trial = 0; trial < 30; trial++) {
      const d = 50 + rng.int(200)
      const x = new Float32Array(d)
      for (let i = 0; i < d; i++) x[i] = rng.int(7) - 3 // magnitudes 0..3, many ties
      for (const f of ['0.05', '0.2', '0.5']) {
        const k = Math.max(1, Math.ceil(Number(f) * d - 1e-9))
        assert.deepEqual(chosenIndices(`topk:${f}`, x, rng), topkBySort(x, k), `trial ${trial}, f = ${f}`)
      }
    }
  })

  it('separates magnitudes that differ only in the lowest mantissa bits (all three radix passes)', () => {
    const rng = createRng(23)
    const d = 3000
    const x = new Float32Array(d)
    const bits = new Uint32Array(x.buffer)
    // one exponent, mantissas spread over the low 12 bits: the top histogram sees a single bin
    for (let i = 0; i < d; i++) bits[i] = 0x3f800000 | rng.int(4096) | ((rng.int(2)) << 31)
    for (const k of ['0.001', '0.013', '0.3']) {
      const kk = Math.ceil(Number(k) * d - 1e-9)
      assert.deepEqual(chosenIndices(`topk:${k}`, x, rng), topkBySort(x, kk), `f = ${k}`)
    }
  })

  it('handles all-equal, all-zero, signed zeros, subnormals and the float32 extremes', () => {
    const rng = createRng(24)
    const cases: Array<[string, Float32Array]> = [
      ['all equal', new Float32Array(100).fill(-2.5)],
      ['all zero', new Float32Array(100)],
      ['signed zeros', Float32Array.from({ length: 64 }, (_, i) => (i % 3 === 0 ? -0 : 0))],
      ['subnormals', Float32Array.from({ length: 64 }, (_, i) => (i - 32) * 1e-45)],
      ['extremes', Float32Array.from({ length: 64 }, (_, i) => (i % 2 === 0 ? 1 : -1) * 3.4e38 / (1 + (i % 5)))]
    ]
    for (const [name, x] of cases) {
      const k = Math.ceil(0.1 * x.length)
      assert.deepEqual(chosenIndices('topk:0.1', x, rng), topkBySort(x, k), name)
    }
  })

  it('chooses the bitmap exactly when it is smaller than the varints, and varints on a tie', () => {
    const rng = createRng(25)
    const flagOf = (spec: string, x: Float32Array): number => parseCodec(spec).encode(x, rng)[2]
    assert.equal(flagOf('topk:0.5', gaussian(1000, rng)), 1) // 125 bitmap bytes < ≥ 500 varint bytes
    assert.equal(flagOf('topk:0.01', gaussian(1000, rng)), 0) // 10 varints of ≤ 2 bytes < 125
    assert.equal(flagOf('topk:0.1', gaussian(8, rng)), 0) // k = 1: one varint byte = one bitmap byte
    assert.equal(flagOf('topk:0.25', gaussian(8, rng)), 1) // k = 2: two varint bytes > one bitmap byte
  })

  it('keeps 10,000 of 1,000,000 entries at 1 %, every kept magnitude at least every dropped one', () => {
    const rng = createRng(26)
    const d = 1_000_000
    const x = gaussian(d, rng)
    const codec = parseCodec('topk:0.01')
    const y = codec.decode(codec.encode(x, rng), d)
    let kept = 0
    let minKept = Infinity
    let maxDropped = 0
    for (let i = 0; i < d; i++) {
      if (y[i] !== 0) { kept++; minKept = Math.min(minKept, Math.abs(x[i])) } else maxDropped = Math.max(maxDropped, Math.abs(x[i]))
    }
    assert.equal(kept, 10_000)
    assert.ok(minKept >= maxDropped)
  })
})
