import assert from 'node:assert/strict'
import v8 from 'node:v8'
import fc from 'fast-check'
import { createRng } from '../../../lib/random/index.ts'
import { createBatcher } from '../../../lib/data/index.ts'
import type { PackedSplit, Split } from '../../../lib/data/index.ts'

const FEATURES = 3

/** Row r holds r + j/10 in feature j and label r mod 7, so a copied row tells which sample it was. */
function labelledSplit (n: number): Split {
  const x = new Float32Array(n * FEATURES)
  for (let r = 0; r < n; r++) for (let j = 0; j < FEATURES; j++) x[r * FEATURES + j] = r + j / 10
  return { n, x, y: Uint8Array.from({ length: n }, (_, r) => r % 7) }
}

/** Run one epoch and return the sample indices in the order they were served. */
function epochOrder (next: (x: Float32Array, y: Uint8Array) => number, batchSize: number, batches: number, split: Split): number[] {
  const xOut = new Float32Array(batchSize * FEATURES)
  const yOut = new Uint8Array(batchSize)
  const served: number[] = []
  for (let b = 0; b < batches; b++) {
    const count = next(xOut, yOut)
    for (let i = 0; i < count; i++) {
      const row = Math.round(xOut[i * FEATURES])
      for (let j = 0; j < FEATURES; j++) assert.equal(xOut[i * FEATURES + j], split.x[row * FEATURES + j])
      assert.equal(yOut[i], split.y[row])
      served.push(row)
    }
  }
  return served
}

function newSpaceUsed (): number {
  const space = v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')
  assert.ok(space !== undefined)
  return space.space_used_size
}

/** Scavenges and young-generation bytes allocated while `work` runs (no GC may hide an allocation). */
function measureAllocation (work: () => void): { collections: number, bytes: number } {
  const profiler = new v8.GCProfiler()
  profiler.start()
  const before = newSpaceUsed()
  work()
  const after = newSpaceUsed()
  return { collections: profiler.stop().statistics.length, bytes: after - before }
}

describe('lib/data batcher', () => {
  const split = labelledSplit(500)
  // a peer's shard: every third sample
  const indices = Uint32Array.from({ length: 167 }, (_, i) => 3 * i)

  it('an epoch visits every index exactly once, ending with a short batch, and the next epoch reshuffles', () => {
    const batcher = createBatcher(split, indices, 20, createRng(1))
    assert.equal(batcher.batchesPerEpoch, 9)
    assert.equal(batcher.epoch, 0)
    const first = epochOrder((x, y) => batcher.next(x, y), 20, 9, split)
    assert.equal(batcher.epoch, 1)
    assert.deepEqual([...first].sort((a, b) => a - b), Array.from(indices))
    const second = epochOrder((x, y) => batcher.next(x, y), 20, 9, split)
    assert.equal(batcher.epoch, 2)
    assert.deepEqual([...second].sort((a, b) => a - b), Array.from(indices))
    assert.notDeepEqual(second, first)
    assert.notDeepEqual(first, Array.from(indices), 'the first epoch is shuffled too')
  })

  it('returns the filled count: full batches, then the remainder of the epoch', () => {
    const batcher = createBatcher(split, indices, 50, createRng(2))
    const x = new Float32Array(50 * FEATURES)
    const y = new Uint8Array(50)
    assert.deepEqual([1, 2, 3, 4, 5].map(() => batcher.next(x, y)), [50, 50, 50, 17, 50])
  })

  it('is deterministic for the generator and leaves the caller\'s indices untouched', () => {
    const copy = indices.slice()
    const a = createBatcher(split, indices, 16, createRng(3))
    const b = createBatcher(split, indices, 16, createRng(3))
    const c = createBatcher(split, indices, 16, createRng(4))
    const run = (batcher: typeof a): number[] => epochOrder((x, y) => batcher.next(x, y), 16, 22, split)
    const orderA = run(a)
    assert.deepEqual(run(b), orderA)
    assert.notDeepEqual(run(c), orderA)
    assert.deepEqual(indices, copy)
  })

  it('allocates nothing per call (no scavenge, no young-generation growth), unlike a subarray copy', () => {
    const wide = { n: 1000, x: new Float32Array(1000 * 50), y: new Uint8Array(1000) }
    const batcher = createBatcher(wide, Uint32Array.from({ length: 777 }, (_, i) => i), 32, createRng(5))
    const xOut = new Float32Array(32 * 50)
    const yOut = new Uint8Array(32)
    for (let i = 0; i < 3000; i++) batcher.next(xOut, yOut) // let the optimiser settle first
    const calls = 20_000
    // the best of three: a scavenge that the test's earlier garbage (mocha's, fast-check's) makes due during one
    // measurement is not the batcher's; a batcher that allocates per call would trigger one in every measurement
    const attempts = [0, 1, 2].map(() => measureAllocation(() => { for (let i = 0; i < calls; i++) batcher.next(xOut, yOut) }))
    const measured = attempts.reduce((a, b) => (b.collections < a.collections || (b.collections === a.collections && b.bytes < a.bytes) ? b : a))
    assert.equal(measured.collections, 0, 'a garbage collection ran, so something was allocated')
    assert.ok(measured.bytes < 64 * 1024, `${measured.bytes} bytes allocated over ${calls} calls`)
    // the same measurement sees the garbage of a row copy through subarray views
    const control = measureAllocation(() => {
      for (let i = 0; i < calls; i++) for (let r = 0; r < 32; r++) xOut.set(wide.x.subarray(r * 50, r * 50 + 50), r * 50)
    })
    assert.ok(control.collections > 0 || control.bytes > 1024 * 1024, 'the measurement cannot see allocation')
  })

  it('a packed split (bytes and a table) serves the same batches, bit for bit, as its float twin', () => {
    const n = 200
    const pixels = Uint8Array.from({ length: n * FEATURES }, (_, i) => (i * 37) % 256)
    const table = Float32Array.from({ length: 256 }, (_, v) => (v / 255 - 0.1307) / 0.3081)
    const y = Uint8Array.from({ length: n }, (_, r) => r % 10)
    const packedSplit: PackedSplit = { n, features: FEATURES, pixels, table, y }
    const floatSplit: Split = { n, x: Float32Array.from(pixels, (p) => table[p]), y }
    const rows = Uint32Array.from({ length: 90 }, (_, i) => 2 * i + 1)
    const a = createBatcher(packedSplit, rows, 16, createRng(9))
    const b = createBatcher(floatSplit, rows, 16, createRng(9))
    const xa = new Float32Array(16 * FEATURES)
    const xb = new Float32Array(16 * FEATURES)
    const ya = new Uint8Array(16)
    const yb = new Uint8Array(16)
    for (let k = 0; k < 20; k++) {
      assert.equal(a.next(xa, ya), b.next(xb, yb))
      assert.deepEqual(xa, xb)
      assert.deepEqual(ya, yb)
    }
    assert.throws(() => createBatcher({ ...packedSplit, table: new Float32Array(255) }, rows, 16, createRng(1)), { name: 'InvalidDataOptionsError' })
  })

  it('skip(k) then next serves what k calls of next then one more would, across epochs and short batches', () => {
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 60 }), fc.integer({ min: 1, max: 25 }), fc.array(fc.integer({ min: 0, max: 40 }), { minLength: 1, maxLength: 4 }), fc.integer({ min: 0, max: 1000 }),
      (count, batchSize, skips, seed) => {
        const ids = Uint32Array.from({ length: count }, (_, k) => (k * 7) % split.n)
        const skipped = createBatcher(split, ids, batchSize, createRng(seed))
        const read = createBatcher(split, ids, batchSize, createRng(seed))
        const xa = new Float32Array(batchSize * FEATURES)
        const ya = new Uint8Array(batchSize)
        const xb = new Float32Array(batchSize * FEATURES)
        const yb = new Uint8Array(batchSize)
        for (const k of skips) {
          skipped.skip(k)
          for (let s = 0; s < k; s++) read.next(xb, yb)
          assert.equal(skipped.epoch, read.epoch)
          const served = skipped.next(xa, ya)
          assert.equal(served, read.next(xb, yb))
          assert.deepEqual(xa.subarray(0, served * FEATURES), xb.subarray(0, served * FEATURES))
          assert.deepEqual(ya.subarray(0, served), yb.subarray(0, served))
        }
      }), { seed: 11, numRuns: 200 })
  })

  it('skips a million batches in well under a second (no row is copied)', () => {
    const batcher = createBatcher(split, indices, 4, createRng(8))
    const t0 = performance.now()
    batcher.skip(1_000_000)
    assert.ok(performance.now() - t0 < 1000, `skip took ${performance.now() - t0} ms`)
    assert.equal(batcher.epoch, Math.ceil(1_000_000 / batcher.batchesPerEpoch))
  })

  it('rejects bad arguments and small buffers with InvalidDataOptionsError', () => {
    const rng = createRng(6)
    assert.throws(() => createBatcher(split, indices, 0, rng), { name: 'InvalidDataOptionsError' })
    assert.throws(() => createBatcher(split, new Uint32Array(0), 8, rng), { name: 'InvalidDataOptionsError' })
    assert.throws(() => createBatcher(split, Uint32Array.from([1, 500]), 8, rng), { name: 'InvalidDataOptionsError' })
    assert.throws(() => createBatcher({ n: 2, x: new Float32Array(5), y: new Uint8Array(2) }, Uint32Array.from([0]), 1, rng), { name: 'InvalidDataOptionsError' })
    const batcher = createBatcher(split, indices, 8, rng)
    assert.throws(() => batcher.next(new Float32Array(8 * FEATURES - 1), new Uint8Array(8)), { name: 'InvalidDataOptionsError' })
    assert.throws(() => batcher.next(new Float32Array(8 * FEATURES), new Uint8Array(7)), { name: 'InvalidDataOptionsError' })
    for (const bad of [-1, 1.5, Number.NaN, 2 ** 53]) assert.throws(() => batcher.skip(bad), { name: 'InvalidDataOptionsError' })
  })
})
