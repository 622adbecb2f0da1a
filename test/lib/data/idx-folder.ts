/**
 * Seeded MNIST-style folders for the bad-data tests (not a test file itself): the four standard IDX files of
 * small random images and labels, any of which a test replaces, removes or turns into a folder.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { createRng } from '../../../lib/random/index.ts'
import { makeIdx } from './idx-fixtures.ts'

export const TRAIN_IMAGES = 'train-images-idx3-ubyte'
export const TRAIN_LABELS = 'train-labels-idx1-ubyte'
export const TEST_IMAGES = 't10k-images-idx3-ubyte'
export const TEST_LABELS = 't10k-labels-idx1-ubyte'

/** IDX bytes of n seeded random images of rows × cols (× channels when given, a rank-4 file) */
export function randomImages (n: number, rows: number, cols: number, seed: number, channels?: number): Uint8Array {
  const rng = createRng(seed)
  const count = n * rows * cols * (channels ?? 1)
  const pixels = new Uint8Array(count)
  for (let i = 0; i < count; i++) pixels[i] = rng.int(256)
  return makeIdx('ubyte', channels === undefined ? [n, rows, cols] : [n, rows, cols, channels], pixels)
}

/** IDX bytes of n seeded random labels in [0, classes) */
export function randomLabels (n: number, seed: number, classes = 10): Uint8Array {
  const rng = createRng(seed)
  const labels = new Uint8Array(n)
  for (let i = 0; i < n; i++) labels[i] = rng.int(classes)
  return makeIdx('ubyte', [n], labels)
}

/** what to put under a file name: bytes (gzipped when the name ends in .gz), nothing, or a folder of that name */
export type Entry = Uint8Array | null | 'folder'

/**
 * Write an MNIST-style folder into dir: `train` training and `test` test samples of rows × cols images (default
 * 40 and 12 of 28 × 28), raw, with `overrides` by file name (a name ending in .gz is written gzipped; null
 * removes the standard file).
 */
export function writeIdxFolder (dir: string, overrides: Record<string, Entry> = {}, opts: { train?: number, test?: number, rows?: number, cols?: number, seed?: number } = {}): string {
  const { train = 40, test = 12, rows = 28, cols = 28, seed = 1 } = opts
  mkdirSync(dir, { recursive: true })
  const files: Record<string, Entry> = {
    [TRAIN_IMAGES]: randomImages(train, rows, cols, seed),
    [TRAIN_LABELS]: randomLabels(train, seed + 1),
    [TEST_IMAGES]: randomImages(test, rows, cols, seed + 2),
    [TEST_LABELS]: randomLabels(test, seed + 3),
    ...overrides
  }
  for (const [name, entry] of Object.entries(files)) {
    if (entry === null) continue
    if (entry === 'folder') mkdirSync(join(dir, name))
    else writeFileSync(join(dir, name), name.endsWith('.gz') ? gzipSync(entry) : entry)
  }
  return dir
}
