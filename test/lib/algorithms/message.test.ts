import assert from 'node:assert/strict'
import fc from 'fast-check'
import { RawFrame, decodeFrame, encodeFrame } from '../../../lib/algorithms/index.ts'
import type { FrameFields } from '../../../lib/algorithms/index.ts'

const FC = { seed: 77, numRuns: 150 }
const isNamed = (...names: string[]) => (err: Error) => names.includes(err.name)

const fieldsArb = fc.record({
  kind: fc.constantFrom('model' as const, 'delta' as const, 'full' as const),
  round: fc.nat({ max: 0xffffffff }),
  base: fc.nat({ max: 0xffffffff }),
  resync: fc.array(fc.string({ minLength: 1, maxLength: 20, unit: 'grapheme' }), { maxLength: 4 })
})

function valid (): Uint8Array {
  return encodeFrame({ kind: 'delta', encoding: 'codec', round: 5, base: 4, dim: 3, resync: ['p1'] }, new Uint8Array([1, 2, 3, 4, 5]))
}

describe('lib/algorithms message frames', () => {
  it('decode(encode(fields, payload)) gives the fields and payload back (codec and raw encodings)', () => {
    fc.assert(fc.property(fieldsArb, fc.uint8Array({ maxLength: 64 }), fc.integer({ min: 1, max: 16 }), (f, payload, dim) => {
      const codecFrame = decodeFrame(encodeFrame({ ...f, encoding: 'codec', dim }, payload))
      assert.deepEqual({ ...codecFrame, payload: [...codecFrame.payload] }, { ...f, encoding: 'codec', dim, payload: [...payload] })
      const raw = new Uint8Array(4 * dim).map((_, k) => payload[k % Math.max(1, payload.length)] ?? k)
      const rawFrame = decodeFrame(encodeFrame({ ...f, encoding: 'raw', dim }, raw))
      assert.deepEqual([...rawFrame.payload], [...raw])
      assert.equal(rawFrame.payload.byteOffset % 4, 0, 'raw payloads are 4-aligned within the frame')
    }), FC)
  })

  it('RawFrame seals around its live values without copying; with resync ids it equals encodeFrame', () => {
    const f = new RawFrame(5)
    f.values.set([1, 2, 3, 4, 5])
    const bytes = f.seal({ kind: 'model', round: 9, base: 0, resync: [] })
    assert.equal(bytes.buffer, f.values.buffer)
    const decoded = decodeFrame(bytes)
    assert.deepEqual([...new Float32Array(decoded.payload.slice().buffer)], [1, 2, 3, 4, 5])
    const withIds = f.seal({ kind: 'full', round: 9, base: 3, resync: ['a', 'bé'] })
    assert.deepEqual(withIds, encodeFrame({ kind: 'full', encoding: 'raw', round: 9, base: 3, dim: 5, resync: ['a', 'bé'] }, new Uint8Array(f.values.buffer, f.values.byteOffset, 20)))
  })

  it('every truncation and every extension of a valid frame is refused with InvalidMessageError', () => {
    const bytes = valid()
    for (let len = 0; len < bytes.length; len++) assert.throws(() => decodeFrame(bytes.subarray(0, len)), isNamed('InvalidMessageError'), `length ${len}`)
    const longer = new Uint8Array(bytes.length + 1); longer.set(bytes)
    assert.throws(() => decodeFrame(longer), isNamed('InvalidMessageError'))
  })

  it('table of malformed headers: each is refused with its named error', () => {
    const cases: Array<{ id: string, patch: (b: Uint8Array, v: DataView) => void, expected: string }> = [
      { id: 'bad magic', patch: (b) => { b[0] = 0 }, expected: 'InvalidMessageError' },
      { id: 'future version', patch: (b) => { b[1] = 2 }, expected: 'UnsupportedMessageVersionError' },
      { id: 'unknown kind', patch: (b) => { b[2] = 3 }, expected: 'InvalidMessageError' },
      { id: 'unknown encoding', patch: (b) => { b[3] = 2 }, expected: 'InvalidMessageError' },
      { id: 'raw with wrong payload length', patch: (b) => { b[3] = 0 }, expected: 'InvalidMessageError' },
      { id: 'dimension 0', patch: (_b, v) => { v.setUint32(12, 0, true) }, expected: 'InvalidMessageError' },
      { id: 'dimension above the bound', patch: (_b, v) => { v.setUint32(12, 0xffffffff, true) }, expected: 'InvalidMessageError' },
      { id: 'payload length past the end', patch: (_b, v) => { v.setUint32(16, 1000, true) }, expected: 'InvalidMessageError' },
      { id: 'more resync ids than bytes', patch: (_b, v) => { v.setUint16(20, 2, true) }, expected: 'InvalidMessageError' },
      { id: 'too many resync ids', patch: (_b, v) => { v.setUint16(20, 60000, true) }, expected: 'InvalidMessageError' },
      { id: 'reserved field set', patch: (_b, v) => { v.setUint16(22, 1, true) }, expected: 'InvalidMessageError' },
      { id: 'empty id', patch: (b) => { b[24 + 5] = 0 }, expected: 'InvalidMessageError' },
      { id: 'id length past the end', patch: (b) => { b[24 + 5] = 9 }, expected: 'InvalidMessageError' },
      { id: 'id not UTF-8', patch: (b) => { b[24 + 6] = 0xff }, expected: 'InvalidMessageError' }
    ]
    for (const c of cases) {
      const b = valid()
      c.patch(b, new DataView(b.buffer))
      assert.throws(() => decodeFrame(b), isNamed(c.expected), c.id)
    }
    assert.throws(() => decodeFrame('nope' as unknown as Uint8Array), isNamed('InvalidMessageError'))
  })

  it('random bytes either decode or throw one of the named errors, never anything else', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 80 }), fc.boolean(), (bytes, withHeader) => {
      if (withHeader && bytes.length >= 2) { bytes[0] = 0x6d; bytes[1] = 1 }
      try { decodeFrame(bytes) } catch (err) { assert.ok(isNamed('InvalidMessageError', 'UnsupportedMessageVersionError')(err as Error), (err as Error).name) }
    }), { ...FC, numRuns: 500 })
  })

  it('encodeFrame refuses fields it cannot represent', () => {
    const base: FrameFields = { kind: 'model', encoding: 'codec', round: 0, base: 0, dim: 1, resync: [] }
    for (const f of [{ ...base, round: -1 }, { ...base, round: 2 ** 32 }, { ...base, dim: 0 }, { ...base, resync: [''] }, { ...base, resync: ['x'.repeat(256)] }]) {
      assert.throws(() => encodeFrame(f, new Uint8Array(0)), isNamed('InvalidMessageError'))
    }
    assert.throws(() => encodeFrame({ ...base, encoding: 'raw', dim: 2 }, new Uint8Array(4)), isNamed('InvalidMessageError'))
  })
})
