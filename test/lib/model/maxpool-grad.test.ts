import assert from 'node:assert/strict'
import fc from 'fast-check'
import { maxPool2Grad } from '../../../lib/model/layers.ts'

/** 2x2 stride-2 max-pooling of x [n, h, w, c] in plain JS (the reference for y) */
function pool (x: Float32Array, n: number, h: number, w: number, c: number): Float32Array {
  const ph = Math.floor(h / 2)
  const pw = Math.floor(w / 2)
  const y = new Float32Array(n * ph * pw * c)
  let o = 0
  for (let b = 0; b < n; b++) for (let i = 0; i < ph; i++) for (let j = 0; j < pw; j++) for (let k = 0; k < c; k++, o++) {
    const at = (r: number, s: number): number => x[((b * h + 2 * i + r) * w + 2 * j + s) * c + k]
    y[o] = Math.max(at(0, 0), at(0, 1), at(1, 0), at(1, 1))
  }
  return y
}

describe('lib/model maxPool2Grad (the pooling gradient as a JS loop)', () => {
  it('each window passes its dy on whole: the tied maxima share it, everything else (and dropped odd edges) gets 0', () => {
    fc.assert(fc.property(
      fc.record({ n: fc.integer({ min: 1, max: 3 }), h: fc.integer({ min: 2, max: 7 }), w: fc.integer({ min: 2, max: 7 }), c: fc.integer({ min: 1, max: 3 }) }),
      fc.integer({ min: 0, max: 2 ** 31 - 1 }),
      ({ n, h, w, c }, seed) => {
        // few distinct values, so ties are common
        let s = seed
        const next = (): number => { s = (s * 1103515245 + 12345) % 2 ** 31; return s }
        const x = Float32Array.from({ length: n * h * w * c }, () => (next() % 3) - 1)
        const y = pool(x, n, h, w, c)
        const dy = Float32Array.from({ length: y.length }, () => (next() % 1000) / 7 - 50)
        const dx = maxPool2Grad(x, y, dy, n, h, w, c)
        const ph = Math.floor(h / 2)
        const pw = Math.floor(w / 2)
        let o = 0
        const covered = new Uint8Array(dx.length)
        for (let b = 0; b < n; b++) for (let i = 0; i < ph; i++) for (let j = 0; j < pw; j++) for (let k = 0; k < c; k++, o++) {
          const idx = [0, 1].flatMap((r) => [0, 1].map((q) => ((b * h + 2 * i + r) * w + 2 * j + q) * c + k))
          const hits = idx.filter((a) => x[a] === y[o])
          assert.ok(hits.length >= 1)
          for (const a of idx) {
            covered[a] = 1
            assert.equal(dx[a], x[a] === y[o] ? Math.fround(dy[o] / hits.length) : 0)
          }
        }
        for (let a = 0; a < dx.length; a++) if (covered[a] === 0) assert.equal(dx[a], 0, 'an input outside every window')
      }), { seed: 42, numRuns: 200 })
  })

  it('a window holding NaN (no input equals its maximum) gets NaN throughout, as the tensor-op rule gave', () => {
    const x = Float32Array.of(1, NaN, 0, 2)
    const dx = maxPool2Grad(x, Float32Array.of(NaN), Float32Array.of(3), 1, 2, 2, 1)
    assert.ok(Array.from(dx).every(Number.isNaN))
  })
})
