/**
 * Reading part of an uncompressed IDX image file: its header, a histogram of every pixel (streamed in
 * bounded chunks) and chosen rows (positioned reads). A network peer needs the pixel statistics of the whole
 * training set but only its own shard's rows; reading the 47 MB MNIST file whole just to keep 3 MB of it
 * was most of a peer's peak memory. Gzipped files cannot be read by position: callers fall back to parseIdx.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs'
import { InvalidDatasetError, InvalidIdxError } from './errors.ts'

/** the type bytes of the IDX format (idx.ts): another is not an IDX file at all */
const IDX_TYPES = new Set([0x08, 0x09, 0x0b, 0x0c, 0x0d, 0x0e])

/** bytes a streamed pass reads at a time */
const CHUNK_BYTES = 1 << 20

export interface IdxImageFile {
  path: string
  /** images in the file */
  n: number
  rows: number
  cols: number
  /** byte offset of the first pixel */
  dataOffset: number
}

/**
 * The header of a raw ubyte IDX file of shape [n, rows, cols], checking that the file holds exactly that
 * much; null when the file is gzipped (it cannot be read by position).
 */
export function openIdxImages (path: string): IdxImageFile | null {
  const fd = openSync(path, 'r')
  try {
    const head = new Uint8Array(16)
    const got = readSync(fd, head, 0, 16, 0)
    if (got >= 2 && head[0] === 0x1f && head[1] === 0x8b) return null
    const magic = [...head.subarray(0, Math.min(got, 4))].map((b) => b.toString(16).padStart(2, '0')).join(' ')
    if (got < 4 || head[0] !== 0 || head[1] !== 0 || !IDX_TYPES.has(head[2])) throw new InvalidIdxError(`${path}: expected an IDX file (magic 00 00 <type> <rank>), got ${got < 4 ? `${got} bytes` : magic}`)
    // an IDX file, but not of images: the same InvalidDatasetError as the whole-file reader's
    if (head[2] !== 0x08 || head[3] !== 3) {
      throw new InvalidDatasetError(`${path}: expected ubyte images of shape [n, rows, cols] (magic 00 00 08 03), got magic ${magic}`)
    }
    if (got < 16) throw new InvalidIdxError(`${path}: expected a 16-byte IDX image header, got ${got} bytes`)
    const view = new DataView(head.buffer)
    const n = view.getUint32(4, false)
    const rows = view.getUint32(8, false)
    const cols = view.getUint32(12, false)
    const expected = 16 + n * rows * cols
    const size = fstatSync(fd).size
    if (size !== expected) throw new InvalidIdxError(`${path}: dimensions [${n}, ${rows}, ${cols}] need ${expected} bytes, the file has ${size}`)
    return { path, n, rows, cols, dataOffset: 16 }
  } finally {
    closeSync(fd)
  }
}

/** counts[v] = number of pixels of value v over the whole file, reading CHUNK_BYTES at a time */
export function pixelHistogram (file: IdxImageFile): Uint32Array {
  const counts = new Uint32Array(256)
  const buf = new Uint8Array(CHUNK_BYTES)
  const total = file.n * file.rows * file.cols
  const fd = openSync(file.path, 'r')
  try {
    for (let done = 0; done < total;) {
      const got = readSync(fd, buf, 0, Math.min(CHUNK_BYTES, total - done), file.dataOffset + done)
      if (got <= 0) throw new InvalidIdxError(`${file.path}: file ended after ${done} of ${total} pixels`)
      for (let i = 0; i < got; i++) counts[buf[i]]++
      done += got
    }
  } finally {
    closeSync(fd)
  }
  return counts
}

/** The pixels of `indices` (in that order), packed row after row; an index outside the file throws InvalidIdxError. */
export function readImageRows (file: IdxImageFile, indices: Uint32Array): Uint8Array {
  const size = file.rows * file.cols
  const out = new Uint8Array(indices.length * size)
  const fd = openSync(file.path, 'r')
  try {
    for (let j = 0; j < indices.length; j++) {
      const r = indices[j]
      if (r >= file.n) throw new InvalidIdxError(`${file.path}: row ${r} is outside its ${file.n} images`)
      const got = readSync(fd, out, j * size, size, file.dataOffset + r * size)
      if (got !== size) throw new InvalidIdxError(`${file.path}: short read of row ${r}: ${got} of ${size} bytes`)
    }
  } finally {
    closeSync(fd)
  }
  return out
}
