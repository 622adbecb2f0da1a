import assert from 'node:assert/strict'
import { gzipSync } from 'node:zlib'
import { parseIdx, readIdxFile, isGzip } from '../../../lib/data/index.ts'
import { makeIdx, tempDir, writeIdx } from './idx-fixtures.ts'

describe('lib/data IDX reader', () => {
  it('decodes every IDX type big-endian with its dimensions', () => {
    const cases = [
      { type: 'ubyte', values: [0, 1, 127, 128, 255, 7] },
      { type: 'sbyte', values: [-128, -1, 0, 1, 127, 5] },
      { type: 'short', values: [-32768, -2, 0, 258, 32767, 1000] },
      { type: 'int', values: [-2147483648, -70000, 0, 65536, 2147483647, 1] },
      { type: 'float', values: [-1.5, 0, 0.25, 3.5, 1e-3, -2e5] },
      { type: 'double', values: [Math.PI, -Math.E, 0, 1e-300, 1e300, -0.1] }
    ] as const
    for (const { type, values } of cases) {
      const parsed = parseIdx(makeIdx(type, [2, 3], values))
      assert.equal(parsed.type, type)
      assert.deepEqual(parsed.dims, [2, 3])
      assert.equal(parsed.data.length, 6)
      const expected = type === 'float' ? values.map(Math.fround) : values
      assert.deepEqual(Array.from(parsed.data), expected, type)
    }
  })

  it('returns a copy, not a view of the input bytes', () => {
    const bytes = makeIdx('ubyte', [4], [1, 2, 3, 4])
    const parsed = parseIdx(bytes)
    bytes.fill(9)
    assert.deepEqual(Array.from(parsed.data), [1, 2, 3, 4])
  })

  it('gives the same result from gzip and raw files', async () => {
    const { dir, cleanup } = tempDir()
    try {
      const values = Array.from({ length: 5 * 4 * 3 }, (_, i) => (i * 37) % 256)
      const bytes = makeIdx('ubyte', [5, 4, 3], values)
      const raw = await readIdxFile(writeIdx(dir, 'images-idx3-ubyte', bytes))
      const gz = await readIdxFile(writeIdx(dir, 'images-idx3-ubyte.gz', bytes))
      assert.ok(isGzip(gzipSync(bytes)) && !isGzip(bytes))
      assert.deepEqual(gz, raw)
      assert.deepEqual(Array.from(raw.data), values)
    } finally {
      cleanup()
    }
  })

  it('rejects malformed input with InvalidIdxError', () => {
    const good = makeIdx('ubyte', [2, 2], [1, 2, 3, 4])
    const withByte = (at: number, value: number): Uint8Array => { const b = good.slice(); b[at] = value; return b }
    const overflow = makeIdx('ubyte', [0xffffffff, 0xffffffff], [])
    const table: Array<{ id: string, input: Uint8Array, maxBytes?: number }> = [
      { id: 'empty', input: new Uint8Array(0) },
      { id: 'shorter than the magic', input: good.subarray(0, 3) },
      { id: 'bad magic byte 0', input: withByte(0, 1) },
      { id: 'bad magic byte 1', input: withByte(1, 8) },
      { id: 'unknown type 0x0a', input: withByte(2, 0x0a) },
      { id: 'unknown type 0xff', input: withByte(2, 0xff) },
      { id: 'rank 0', input: withByte(3, 0) },
      { id: 'rank 200', input: withByte(3, 200) },
      { id: 'truncated header', input: good.subarray(0, 10) },
      { id: 'truncated data', input: good.subarray(0, good.length - 1) },
      { id: 'extra bytes', input: Uint8Array.from([...good, 0]) },
      { id: 'dims overflow', input: overflow },
      { id: 'dims over the byte limit', input: makeIdx('double', [100, 100], []), maxBytes: 1000 },
      { id: 'int dims product smaller than the data', input: makeIdx('int', [3], [1, 2, 3, 4]) },
      { id: 'broken gzip', input: Uint8Array.from([0x1f, 0x8b, 8, 0, 1, 2, 3, 4, 5]) },
      { id: 'gzip of a malformed IDX', input: gzipSync(withByte(2, 0x0a)) },
      { id: 'gzip bomb over the limit', input: gzipSync(makeIdx('ubyte', [100_000], new Uint8Array(100_000))), maxBytes: 10_000 }
    ]
    for (const { id, input, maxBytes } of table) {
      assert.throws(() => parseIdx(input, maxBytes === undefined ? {} : { maxBytes }), { name: 'InvalidIdxError' }, id)
    }
  })

  it('readIdxFile names the file in its errors and refuses files over the size limit', async () => {
    const { dir, cleanup } = tempDir()
    try {
      const path = writeIdx(dir, 'bad.gz', makeIdx('ubyte', [3], [1, 2]))
      await assert.rejects(readIdxFile(path), (err: Error) => err.name === 'InvalidIdxError' && err.message.includes(path))
      const big = writeIdx(dir, 'big-idx1-ubyte', makeIdx('ubyte', [50_000], new Uint8Array(50_000)))
      assert.equal((await readIdxFile(big)).data.length, 50_000)
      await assert.rejects(readIdxFile(big, { maxBytes: 10_000 }), { name: 'InvalidIdxError' })
    } finally {
      cleanup()
    }
  })
})
