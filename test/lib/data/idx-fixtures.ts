/** Builders of IDX bytes for the lib/data tests (not a test file itself). */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'

export const TYPE_CODES = { ubyte: 0x08, sbyte: 0x09, short: 0x0b, int: 0x0c, float: 0x0d, double: 0x0e } as const
const SIZES = { ubyte: 1, sbyte: 1, short: 2, int: 4, float: 4, double: 8 } as const

/** IDX bytes of `values` (big-endian, as the format prescribes) with the given dims. */
export function makeIdx (type: keyof typeof TYPE_CODES, dims: number[], values: ArrayLike<number>): Uint8Array {
  const header = 4 + 4 * dims.length
  const out = new Uint8Array(header + values.length * SIZES[type])
  const view = new DataView(out.buffer)
  out[2] = TYPE_CODES[type]
  out[3] = dims.length
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false))
  for (let i = 0; i < values.length; i++) {
    const at = header + i * SIZES[type]
    switch (type) {
      case 'ubyte': view.setUint8(at, values[i]); break
      case 'sbyte': view.setInt8(at, values[i]); break
      case 'short': view.setInt16(at, values[i], false); break
      case 'int': view.setInt32(at, values[i], false); break
      case 'float': view.setFloat32(at, values[i], false); break
      case 'double': view.setFloat64(at, values[i], false); break
    }
  }
  return out
}

/** A temporary folder removed by the returned cleanup function. */
export function tempDir (): { dir: string, cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'murmur-data-'))
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) }
}

/** Write bytes to dir/name, gzipped when name ends in .gz; returns the path. */
export function writeIdx (dir: string, name: string, bytes: Uint8Array): string {
  const path = join(dir, name)
  writeFileSync(path, name.endsWith('.gz') ? gzipSync(bytes) : bytes)
  return path
}
