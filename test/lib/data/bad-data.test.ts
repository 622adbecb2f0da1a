/**
 * Every bad data folder a user can hand to --dataset-dir or --own-data gets a typed error naming the file, before
 * any training: table-driven over the whole-set load and the one-shard load (trainRows, which reads raw image
 * files by position), on seeded random IDX folders.
 */
import assert from 'node:assert/strict'
import { chmodSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { forgetLoadedDatasets, loadDataset, loadOwnData } from '../../../lib/data/index.ts'
import type { LoadDatasetOptions } from '../../../lib/data/index.ts'
import { makeIdx, tempDir } from './idx-fixtures.ts'
import { randomImages, randomLabels, TEST_IMAGES, TEST_LABELS, TRAIN_IMAGES, TRAIN_LABELS, writeIdxFolder } from './idx-folder.ts'
import type { Entry } from './idx-folder.ts'

const cut = (bytes: Uint8Array, drop: number): Uint8Array => bytes.subarray(0, bytes.length - drop)
const withByte = (bytes: Uint8Array, at: number, value: number): Uint8Array => { const b = bytes.slice(); b[at] = value; return b }
const labelsWith = (n: number, at: number, value: number): Uint8Array => withByte(randomLabels(n, 9), 8 + at, value)
const isRoot = process.getuid?.() === 0

interface Case {
  id: string
  overrides: Record<string, Entry>
  /** the error's name; undefined: the folder loads */
  error?: string
  /** the file the message must name */
  file?: string
}

const CASES: Case[] = [
  { id: 'truncated training images', overrides: { [TRAIN_IMAGES]: cut(randomImages(40, 28, 28, 1), 7) }, error: 'InvalidIdxError', file: TRAIN_IMAGES },
  { id: 'truncated training labels', overrides: { [TRAIN_LABELS]: cut(randomLabels(40, 2), 3) }, error: 'InvalidIdxError', file: TRAIN_LABELS },
  { id: 'truncated IDX inside a whole gzip', overrides: { [TRAIN_IMAGES]: null, [`${TRAIN_IMAGES}.gz`]: cut(randomImages(40, 28, 28, 1), 7) }, error: 'InvalidIdxError', file: `${TRAIN_IMAGES}.gz` },
  { id: 'gzip stream cut short', overrides: { [TEST_LABELS]: gzipSync(randomLabels(12, 4)).subarray(0, 20) }, error: 'InvalidIdxError', file: TEST_LABELS },
  { id: 'wrong magic', overrides: { [TRAIN_IMAGES]: withByte(randomImages(40, 28, 28, 1), 0, 1) }, error: 'InvalidIdxError', file: TRAIN_IMAGES },
  { id: 'header dims larger than the file', overrides: { [TRAIN_IMAGES]: withByte(randomImages(40, 28, 28, 1), 7, 41) }, error: 'InvalidIdxError', file: TRAIN_IMAGES },
  { id: 'an empty file', overrides: { [TRAIN_LABELS]: new Uint8Array(0) }, error: 'InvalidIdxError', file: TRAIN_LABELS },
  { id: 'fewer training labels than images', overrides: { [TRAIN_LABELS]: randomLabels(39, 2) }, error: 'InvalidDatasetError', file: TRAIN_LABELS },
  { id: 'more test labels than images', overrides: { [TEST_LABELS]: randomLabels(13, 4) }, error: 'InvalidDatasetError', file: TEST_LABELS },
  { id: 'images with 3 channels (rank 4)', overrides: { [TRAIN_IMAGES]: randomImages(40, 28, 28, 1, 3) }, error: 'InvalidDatasetError', file: TRAIN_IMAGES },
  { id: 'float images', overrides: { [TRAIN_IMAGES]: makeIdx('float', [40, 28, 28], new Float32Array(40 * 784).fill(Number.NaN)) }, error: 'InvalidDatasetError', file: TRAIN_IMAGES },
  { id: 'float labels (NaN)', overrides: { [TRAIN_LABELS]: makeIdx('float', [40], new Float32Array(40).fill(Number.NaN)) }, error: 'InvalidDatasetError', file: TRAIN_LABELS },
  { id: 'a training label of 10', overrides: { [TRAIN_LABELS]: labelsWith(40, 5, 10) }, error: 'InvalidDatasetError', file: TRAIN_LABELS },
  { id: 'a test label of 255', overrides: { [TEST_LABELS]: labelsWith(12, 3, 255) }, error: 'InvalidDatasetError', file: TEST_LABELS },
  { id: 'no training samples', overrides: { [TRAIN_IMAGES]: randomImages(0, 28, 28, 1), [TRAIN_LABELS]: randomLabels(0, 2) }, error: 'InvalidDatasetError', file: TRAIN_IMAGES },
  { id: 'no test samples', overrides: { [TEST_IMAGES]: randomImages(0, 28, 28, 3), [TEST_LABELS]: randomLabels(0, 4) }, error: 'InvalidDatasetError', file: TEST_IMAGES },
  { id: 'images of 0 × 0 pixels', overrides: { [TRAIN_IMAGES]: randomImages(40, 0, 0, 1), [TEST_IMAGES]: randomImages(12, 0, 0, 3) }, error: 'InvalidDatasetError', file: TRAIN_IMAGES },
  { id: 'test images of another size', overrides: { [TEST_IMAGES]: randomImages(12, 32, 32, 3) }, error: 'InvalidDatasetError', file: TEST_IMAGES },
  { id: 'a folder under a file\'s name', overrides: { [TRAIN_LABELS]: 'folder' }, error: 'InvalidDatasetError', file: TRAIN_LABELS },
  { id: 'a missing file', overrides: { [TEST_LABELS]: null }, error: 'DatasetNotFoundError', file: TEST_LABELS },
  { id: 'no test set at all', overrides: { [TEST_IMAGES]: null, [TEST_LABELS]: null }, error: 'DatasetNotFoundError', file: TEST_IMAGES },
  { id: 'raw and .gz copies of different shapes', overrides: { [`${TRAIN_IMAGES}.gz`]: randomImages(40, 20, 20, 5) }, error: 'InvalidDatasetError', file: TRAIN_IMAGES },
  { id: 'raw and .gz copies of the same data', overrides: { [`${TRAIN_IMAGES}.gz`]: randomImages(40, 28, 28, 1) } },
  { id: 'gzipped bytes under the raw name', overrides: { [TRAIN_IMAGES]: gzipSync(randomImages(40, 28, 28, 1)) } },
  { id: 'raw bytes under the .gz name', overrides: { [TRAIN_LABELS]: null } },
  { id: 'fewer samples than a batch', overrides: { [TRAIN_IMAGES]: randomImages(3, 28, 28, 1), [TRAIN_LABELS]: randomLabels(3, 2) } }
]

// a file named .gz that holds raw bytes: written by hand, since writeIdxFolder gzips whatever ends in .gz
function rawUnderGzName (dir: string): void {
  writeFileSync(join(dir, `${TRAIN_LABELS}.gz`), randomLabels(40, 2))
}

/** the whole-set load and one peer's shard (every row, through the by-position reader for raw files) */
const MODES: Array<{ mode: string, opts: LoadDatasetOptions }> = [
  { mode: 'whole set', opts: {} },
  { mode: 'one shard (trainRows)', opts: { trainRows: (labels) => Uint32Array.from(labels.keys()) } }
]

describe('lib/data bad data folders: typed errors naming the file, before any training', () => {
  afterEach(() => { forgetLoadedDatasets() })

  for (const { mode, opts } of MODES) {
    describe(mode, () => {
      for (const c of CASES) {
        it(`${c.id}: ${c.error ?? 'loads'}`, async () => {
          const { dir, cleanup } = tempDir()
          try {
            writeIdxFolder(dir, c.overrides)
            if (c.id === 'raw bytes under the .gz name') rawUnderGzName(dir)
            const load = loadDataset('mnist', { dataDir: dir, ...opts })
            if (c.error === undefined) {
              const data = await load
              assert.ok(data.train.n >= 1 && data.test.n >= 1)
              return
            }
            await assert.rejects(load, (err: Error) => {
              assert.equal(err.name, c.error, `${err.name}: ${err.message}`)
              assert.ok(c.file === undefined || err.message.includes(c.file), `the message names ${c.file ?? ''}: ${err.message}`)
              assert.ok(!err.message.includes('\n'), 'one line')
              return true
            })
          } finally {
            cleanup()
          }
        })
      }
    })
  }

  it('a missing folder, and a file given as the folder: DatasetNotFoundError naming the path', async () => {
    const { dir, cleanup } = tempDir()
    try {
      const missing = join(dir, 'nope')
      await assert.rejects(loadDataset('mnist', { dataDir: missing }), (err: Error) => err.name === 'DatasetNotFoundError' && err.message.includes(missing))
      const file = join(dir, 'a-file')
      writeFileSync(file, 'x')
      await assert.rejects(loadDataset('mnist', { dataDir: file }), (err: Error) => err.name === 'DatasetNotFoundError' && err.message.includes(file))
    } finally {
      cleanup()
    }
  })

  it('an unreadable file or folder: UnreadableDataError naming it (not "missing")', async function () {
    // root reads everything: the permission checks cannot fail for it
    if (isRoot) this.skip()
    const { dir, cleanup } = tempDir()
    try {
      const data = writeIdxFolder(join(dir, 'data'))
      chmodSync(join(data, TRAIN_IMAGES), 0)
      for (const { opts } of MODES) {
        await assert.rejects(loadDataset('mnist', { dataDir: data, ...opts }), (err: Error) => err.name === 'UnreadableDataError' && err.message.includes(TRAIN_IMAGES))
      }
      chmodSync(join(data, TRAIN_IMAGES), 0o644)
      chmodSync(data, 0o600)
      await assert.rejects(loadDataset('mnist', { dataDir: data }), (err: Error) => err.name === 'UnreadableDataError' && err.message.includes(data))
    } finally {
      chmodSync(join(dir, 'data'), 0o755)
      cleanup()
    }
  })

  it('--normalize on images of one value (std 0) gives finite inputs, not NaN', async () => {
    const { dir, cleanup } = tempDir()
    try {
      const flat = (n: number): Uint8Array => makeIdx('ubyte', [n, 28, 28], new Uint8Array(n * 784).fill(7))
      writeIdxFolder(dir, { [TRAIN_IMAGES]: flat(40), [TEST_IMAGES]: flat(12) })
      for (const { opts } of MODES) {
        const data = await loadDataset('mnist', { dataDir: dir, normalize: true, ...opts })
        assert.ok(data.normalization !== undefined && Number.isFinite(data.normalization.mean) && data.normalization.std > 0)
        const table = 'pixels' in data.train ? data.train.table : undefined
        if (table !== undefined) assert.ok(table.every(Number.isFinite))
        else if (!('pixels' in data.train)) assert.ok(data.train.x.every(Number.isFinite))
      }
    } finally {
      cleanup()
    }
  })

  describe('loadOwnData: a peer\'s own folder must fit the run\'s model', () => {
    it('own images of the run\'s size load, as the memoised dataset prepareTraining gets', async () => {
      const { dir, cleanup } = tempDir()
      try {
        writeIdxFolder(dir)
        const own = await loadOwnData('mnist', dir, { normalize: true })
        assert.deepEqual(own.imageShape, [28, 28, 1])
        assert.equal(await loadDataset('mnist', { dataDir: dir, normalize: true }), own)
      } finally {
        cleanup()
      }
    })

    it('own images of another size than the run\'s (32 × 32 for MNIST\'s 28 × 28): InvalidDatasetError naming the file', async () => {
      const { dir, cleanup } = tempDir()
      try {
        writeIdxFolder(dir, {}, { rows: 32, cols: 32 })
        await assert.rejects(loadOwnData('mnist', dir), (err: Error) => err.name === 'InvalidDatasetError' && err.message.includes(TRAIN_IMAGES))
        // the bad folder is not memoised as a good one
        await assert.rejects(loadOwnData('mnist', dir), { name: 'InvalidDatasetError' })
      } finally {
        cleanup()
      }
    })

    it('the run\'s shape comes from its --dataset-dir (gzipped header read alone) when this machine has it, else the standard 28 × 28', async () => {
      const { dir, cleanup } = tempDir()
      try {
        const run = writeIdxFolder(join(dir, 'run'), {
          [TRAIN_IMAGES]: null, [`${TRAIN_IMAGES}.gz`]: randomImages(50, 8, 6, 11)
        }, { rows: 8, cols: 6 })
        const small = writeIdxFolder(join(dir, 'small'), {}, { rows: 8, cols: 6 })
        const standard = writeIdxFolder(join(dir, 'standard'))
        assert.deepEqual((await loadOwnData('mnist', small, { datasetDir: run })).imageShape, [8, 6, 1])
        await assert.rejects(loadOwnData('mnist', standard, { datasetDir: run }), { name: 'InvalidDatasetError' })
        assert.deepEqual((await loadOwnData('fashion-mnist', standard, { datasetDir: join(dir, 'not-here') })).imageShape, [28, 28, 1])
        await assert.rejects(loadOwnData('fashion-mnist', small, { datasetDir: join(dir, 'not-here') }), { name: 'InvalidDatasetError' })
      } finally {
        cleanup()
      }
    })
  })
})
