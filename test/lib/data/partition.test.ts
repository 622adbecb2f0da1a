import assert from 'node:assert/strict'
import fc from 'fast-check'
import { createRng } from '../../../lib/random/index.ts'
import { parsePartitionSpec, parseShard, partition, partitionStats, shardOf } from '../../../lib/data/index.ts'

/** `perClass` samples of each of `classes` labels, interleaved (0, 1, ..., 0, 1, ...) so order carries no class. */
function balancedLabels (classes: number, perClass: number): Uint8Array {
  return Uint8Array.from({ length: classes * perClass }, (_, i) => i % classes)
}

function randomLabels (n: number, classes: number, seed: number): Uint8Array {
  const rng = createRng(seed)
  return Uint8Array.from({ length: n }, () => rng.int(classes))
}

/** Every index in [0, n) appears in exactly one part, and each part is strictly increasing. */
function assertExactCover (parts: Uint32Array[], n: number): void {
  const seen = new Uint8Array(n)
  for (const part of parts) {
    for (let j = 0; j < part.length; j++) {
      assert.ok(part[j] < n, `index ${part[j]} out of range`)
      assert.equal(seen[part[j]], 0, `index ${part[j]} assigned twice`)
      seen[part[j]] = 1
      if (j > 0) assert.ok(part[j] > part[j - 1], 'part not increasing')
    }
  }
  assert.equal(seen.indexOf(0), -1, 'some index assigned to no peer')
}

describe('lib/data partitions', () => {
  it('assigns every sample to exactly one non-empty peer, for every spec and seed (property)', () => {
    const specs = ['iid', 'dirichlet:0.05', 'dirichlet:0.5', 'dirichlet:1', 'dirichlet:100', 'shards:1', 'shards:2', 'shards:3']
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 400 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 30 }),
      fc.constantFrom(...specs), fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 1000 }),
      (nWanted, classes, peersWanted, spec, seed, labelSeed) => {
        const k = spec.startsWith('shards:') ? Number(spec.slice(7)) : 1
        const n = Math.max(nWanted, k)
        const peers = Math.max(1, Math.min(peersWanted, Math.floor(n / k)))
        const labels = randomLabels(n, classes, labelSeed)
        const parts = partition(labels, peers, spec, seed)
        assert.equal(parts.length, peers)
        assertExactCover(parts, n)
        for (const part of parts) assert.ok(part.length >= 1, `${spec}: empty peer`)
      }), { numRuns: 300, seed: 42 })
  })

  it('is deterministic in (labels, peers, spec, seed) and changes with the seed', () => {
    const labels = randomLabels(2000, 10, 1)
    for (const spec of ['iid', 'dirichlet:0.3', 'shards:2']) {
      assert.deepEqual(partition(labels, 16, spec, 7), partition(labels, 16, spec, 7), spec)
      assert.notDeepEqual(partition(labels, 16, spec, 7), partition(labels, 16, spec, 8), spec)
    }
    // the spec is canonicalised before seeding: the same alpha written two ways is the same split
    assert.deepEqual(partition(labels, 16, 'dirichlet:.5', 3), partition(labels, 16, 'dirichlet:0.50', 3))
  })

  it('iid: sizes differ by at most one and classes follow the global mix', () => {
    const labels = randomLabels(1003, 10, 2)
    for (const peers of [1, 3, 10, 17, 1003]) {
      const sizes = partition(labels, peers, 'iid', 5).map((p) => p.length)
      assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `${peers} peers: sizes ${sizes.join(',')}`)
    }
    const big = balancedLabels(10, 1000)
    assert.ok(partitionStats(big, partition(big, 10, 'iid', 1), 10).skew < 0.05)
  })

  it('dirichlet: label skew grows as alpha shrinks (100 > 1 > 0.1), over several seeds', () => {
    const labels = balancedLabels(10, 600)
    for (const seed of [1, 2, 3]) {
      const skew = [100, 1, 0.1].map((alpha) => partitionStats(labels, partition(labels, 20, `dirichlet:${alpha}`, seed), 10).skew)
      assert.ok(skew[0] < skew[1] && skew[1] < skew[2], `seed ${seed}: skews ${skew.join(', ')}`)
      assert.ok(skew[0] < 0.1 && skew[2] > 0.5, `seed ${seed}: skews ${skew.join(', ')}`)
    }
  })

  it('dirichlet: a tiny alpha over many peers still leaves no peer empty', () => {
    const labels = balancedLabels(10, 50)
    const parts = partition(labels, 200, 'dirichlet:0.01', 9)
    assertExactCover(parts, labels.length)
    assert.ok(parts.every((p) => p.length >= 1))
  })

  it('shards:2: each peer gets two shards of two distinct classes when shards divide the classes', () => {
    // 10 classes × 100 = 1000 samples, 25 peers → 50 shards of 20, five single-class shards per class
    const labels = balancedLabels(10, 100)
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      const stats = partitionStats(labels, partition(labels, 25, 'shards:2', seed), 10)
      assert.deepEqual(Array.from(stats.sizes), new Array(25).fill(40))
      assert.deepEqual(Array.from(stats.classesPerPeer), new Array(25).fill(2), `seed ${seed}`)
    }
    const one = partitionStats(labels, partition(labels, 10, 'shards:1', 1), 10)
    assert.deepEqual(Array.from(one.classesPerPeer), new Array(10).fill(1))
  })

  it('partitionStats: sizes, histogram, classes per peer and total-variation skew', () => {
    const labels = Uint8Array.from([0, 0, 1, 1, 2, 2])
    const split = partitionStats(labels, [Uint32Array.from([0, 1]), Uint32Array.from([2, 3, 4, 5])], 3)
    assert.deepEqual(Array.from(split.sizes), [2, 4])
    assert.deepEqual(Array.from(split.histogram), [2, 0, 0, /* peer 1 */ 0, 2, 2])
    assert.deepEqual(Array.from(split.classesPerPeer), [1, 2])
    // peer 0: ½(|1 − ⅓| + ⅓ + ⅓) = ⅔; peer 1: ½(⅓ + |½ − ⅓| + |½ − ⅓|) = ⅓; mean ½
    assert.ok(Math.abs(split.skew - 0.5) < 1e-12, `skew ${split.skew}`)
    const even = partitionStats(labels, [Uint32Array.from([0, 2, 4]), Uint32Array.from([1, 3, 5])], 3)
    assert.equal(even.skew, 0)
  })

  it('rejects bad specs with InvalidPartitionSpecError', () => {
    const labels = balancedLabels(2, 10)
    for (const spec of ['', 'IID', 'iid:1', 'random', 'dirichlet', 'dirichlet:', 'dirichlet:0', 'dirichlet:-1', 'dirichlet:abc',
      'dirichlet:Infinity', 'dirichlet:NaN', 'shards', 'shards:0', 'shards:1.5', 'shards:-2', 'shards:0x2', 'shards:2:3']) {
      assert.throws(() => partition(labels, 2, spec, 1), { name: 'InvalidPartitionSpecError' }, spec)
      assert.throws(() => parsePartitionSpec(spec), { name: 'InvalidPartitionSpecError' }, spec)
    }
    assert.deepEqual(parsePartitionSpec(' dirichlet:1e-1 '), { kind: 'dirichlet', alpha: 0.1 })
  })

  it('rejects more peers than samples (or than shards allow) with InvalidDataOptionsError', () => {
    const labels = balancedLabels(2, 10)
    assert.throws(() => partition(labels, 21, 'iid', 1), { name: 'InvalidDataOptionsError' })
    assert.throws(() => partition(labels, 0, 'iid', 1), { name: 'InvalidDataOptionsError' })
    assert.throws(() => partition(labels, 2.5, 'iid', 1), { name: 'InvalidDataOptionsError' })
    assert.throws(() => partition(labels, 11, 'shards:2', 1), { name: 'InvalidDataOptionsError' })
    assert.equal(partition(labels, 10, 'shards:2', 1).length, 10)
  })

  it('parseShard reads 0-based i/n and shardOf returns that peer\'s part', () => {
    assert.deepEqual(parseShard('3/16'), { index: 3, count: 16 })
    assert.deepEqual(parseShard(' 0 / 1 '), { index: 0, count: 1 })
    for (const bad of ['16/16', '3', '3/', '/16', 'a/b', '-1/4', '1/0', '1.5/4', '3/16/2']) {
      assert.throws(() => parseShard(bad), { name: 'InvalidShardSpecError' }, bad)
    }
    const labels = randomLabels(500, 10, 4)
    const all = partition(labels, 16, 'dirichlet:0.5', 11)
    const { index, count } = parseShard('3/16')
    assert.deepEqual(shardOf(labels, count, 'dirichlet:0.5', 11, index), all[3])
    assert.throws(() => shardOf(labels, 16, 'iid', 1, 16), { name: 'InvalidDataOptionsError' })
  })
})
