/**
 * IDX reader (the format of the MNIST files, http://yann.lecun.com/exdb/mnist/): a 4-byte magic
 * 0x00 0x00 <type> <rank>, then <rank> big-endian uint32 dimensions, then the values big-endian, row-major.
 * Input may be gzipped (detected by the gzip magic 1f 8b). Nothing in the input is trusted: every
 * length is checked before anything is allocated from it.
 */
import { open, readFile, stat } from 'node:fs/promises'
import { constants as zlib, gunzipSync } from 'node:zlib'
import { InvalidIdxError } from './errors.ts'
import { MAX_IDX_BYTES, MAX_IDX_DIMS } from './constants.ts'

export type IdxType = 'ubyte' | 'sbyte' | 'short' | 'int' | 'float' | 'double'
export type IdxData = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array

export interface IdxArray {
  type: IdxType
  /** e.g. [60000, 28, 28] */
  dims: number[]
  /** the values, row-major, in a fresh buffer (never a view of the input) */
  data: IdxData
}

/** What an IDX header says: the type and dimensions of the values that follow. */
export interface IdxHeader {
  type: IdxType
  dims: number[]
}

export interface ParseIdxOptions {
  /** largest payload accepted after decompression, in bytes; default 1 GiB */
  maxBytes?: number
}

interface TypeInfo { type: IdxType, size: number }

const TYPES: ReadonlyMap<number, TypeInfo> = new Map([
  [0x08, { type: 'ubyte', size: 1 }],
  [0x09, { type: 'sbyte', size: 1 }],
  [0x0b, { type: 'short', size: 2 }],
  [0x0c, { type: 'int', size: 4 }],
  [0x0d, { type: 'float', size: 4 }],
  [0x0e, { type: 'double', size: 8 }]
])

/** True when the bytes start with the gzip magic number (RFC 1952, section 2.3.1). */
export function isGzip (bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b
}

/** Parse IDX bytes, raw or gzipped. Throws InvalidIdxError saying what was wrong. */
export function parseIdx (bytes: Uint8Array, opts: ParseIdxOptions = {}): IdxArray {
  const maxBytes = opts.maxBytes ?? MAX_IDX_BYTES
  const raw = isGzip(bytes) ? gunzip(bytes, maxBytes) : bytes
  const { type, dims, size, length: header } = parseHeader(raw)
  let count = 1
  for (let i = 0; i < dims.length; i++) {
    count *= dims[i]
    // checked after every factor so the product stays an exact integer (< 2^53) and nothing huge is allocated
    if (count * size > maxBytes) {
      throw new InvalidIdxError(`dimensions [${dims.slice(0, i + 1).join(', ')}${i + 1 < dims.length ? ', ...' : ''}] of ${type} exceed the limit of ${maxBytes} bytes`)
    }
  }
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength)
  const expected = header + count * size
  if (raw.length < expected) {
    throw new InvalidIdxError(`truncated: dimensions [${dims.join(', ')}] of ${type} need ${expected} bytes, got ${raw.length}`)
  }
  if (raw.length > expected) {
    throw new InvalidIdxError(`${raw.length - expected} extra bytes after dimensions [${dims.join(', ')}] of ${type} (${expected} bytes expected)`)
  }
  return { type, dims, data: decodeValues(raw, view, header, count, type) }
}

/** Read and parse one IDX file (raw or .gz); InvalidIdxError messages are prefixed with the path. */
export async function readIdxFile (path: string, opts: ParseIdxOptions = {}): Promise<IdxArray> {
  const maxBytes = opts.maxBytes ?? MAX_IDX_BYTES
  // refuse an oversized file before reading it; gzip can make a file at most slightly larger than its payload
  const size = (await stat(path)).size
  if (size > maxBytes * 1.01 + 4096) throw new InvalidIdxError(`${path}: file of ${size} bytes exceeds the limit of ${maxBytes} bytes`)
  const bytes = await readFile(path)
  try {
    return parseIdx(bytes, opts)
  } catch (err) {
    if (err instanceof InvalidIdxError) throw new InvalidIdxError(`${path}: ${err.message}`)
    throw err
  }
}

function gunzip (bytes: Uint8Array, maxBytes: number): Uint8Array {
  try {
    return gunzipSync(bytes, { maxOutputLength: maxBytes + 4 + 4 * MAX_IDX_DIMS })
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new InvalidIdxError(`gzip data decompresses to more than the limit of ${maxBytes} bytes`)
    }
    // Z_BUF_ERROR "unexpected end of file" is a download cut short; other codes, bytes that are not deflate data
    throw new InvalidIdxError(`broken gzip data (${(err as Error).message}): the file is cut short or damaged`)
  }
}

/** compressed bytes read to find a gzipped file's header; the gzip header and the first deflate block fit easily */
const GZIP_HEAD_BYTES = 1 << 14

/**
 * The type and dimensions of an IDX file (raw or .gz) from its first bytes alone: a gzipped file is inflated only
 * as far as those bytes go. For a shape check on a file too large to read just for that. Throws InvalidIdxError
 * (prefixed with the path) on a header that is not IDX.
 */
export async function readIdxHeader (path: string): Promise<IdxHeader> {
  const size = 4 + 4 * MAX_IDX_DIMS
  const file = await open(path, 'r')
  let head: Uint8Array
  try {
    const buf = new Uint8Array(GZIP_HEAD_BYTES)
    const { bytesRead } = await file.read(buf, 0, buf.length, 0)
    head = buf.subarray(0, bytesRead)
  } finally {
    await file.close()
  }
  try {
    if (isGzip(head)) {
      try {
        // Z_SYNC_FLUSH: return what the bytes read so far inflate to, instead of failing on the stream's missing end
        head = gunzipSync(head, { finishFlush: zlib.Z_SYNC_FLUSH, maxOutputLength: 1032 * GZIP_HEAD_BYTES })
      } catch (err) {
        throw new InvalidIdxError(`broken gzip data (${(err as Error).message}): the file is damaged`)
      }
    }
    return parseHeader(head.subarray(0, size))
  } catch (err) {
    if (err instanceof InvalidIdxError) throw new InvalidIdxError(`${path}: ${err.message}`)
    throw err
  }
}

function parseHeader (raw: Uint8Array): IdxHeader & { size: number, length: number } {
  if (raw.length < 4) throw new InvalidIdxError(`expected at least a 4-byte IDX header, got ${raw.length} bytes`)
  if (raw[0] !== 0 || raw[1] !== 0) {
    throw new InvalidIdxError(`expected IDX magic 0x00 0x00 <type> <rank>, got 0x${hex(raw[0])} 0x${hex(raw[1])}`)
  }
  const info = TYPES.get(raw[2])
  if (info === undefined) {
    throw new InvalidIdxError(`expected IDX type 0x08, 0x09, 0x0b, 0x0c, 0x0d or 0x0e, got 0x${hex(raw[2])}`)
  }
  const rank = raw[3]
  if (rank < 1 || rank > MAX_IDX_DIMS) throw new InvalidIdxError(`expected 1 to ${MAX_IDX_DIMS} dimensions, got ${rank}`)
  const header = 4 + 4 * rank
  if (raw.length < header) {
    throw new InvalidIdxError(`truncated header: ${rank} dimensions need ${header} bytes, got ${raw.length}`)
  }
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength)
  const dims: number[] = []
  for (let i = 0; i < rank; i++) dims.push(view.getUint32(4 + 4 * i, false))
  return { type: info.type, dims, size: info.size, length: header }
}

function decodeValues (raw: Uint8Array, view: DataView, start: number, count: number, type: IdxType): IdxData {
  switch (type) {
    // new Uint8Array(view) copies; Buffer#slice would not (it returns a view of a possibly pooled buffer)
    case 'ubyte': return new Uint8Array(raw.subarray(start, start + count))
    case 'sbyte': return new Int8Array(new Uint8Array(raw.subarray(start, start + count)).buffer)
    case 'short': {
      const out = new Int16Array(count)
      for (let i = 0; i < count; i++) out[i] = view.getInt16(start + 2 * i, false)
      return out
    }
    case 'int': {
      const out = new Int32Array(count)
      for (let i = 0; i < count; i++) out[i] = view.getInt32(start + 4 * i, false)
      return out
    }
    case 'float': {
      const out = new Float32Array(count)
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(start + 4 * i, false)
      return out
    }
    case 'double': {
      const out = new Float64Array(count)
      for (let i = 0; i < count; i++) out[i] = view.getFloat64(start + 8 * i, false)
      return out
    }
  }
}

function hex (b: number): string {
  return b.toString(16).padStart(2, '0')
}
