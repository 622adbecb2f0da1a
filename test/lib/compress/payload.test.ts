import assert from 'node:assert/strict'
import { parseCodec } from '../../../lib/compress/index.ts'
import { createRng } from '../../../lib/random/index.ts'
import { ALL_SPECS, assertThrowsNamed, gaussian, thrown } from './helpers.ts'

const D = 21

/** x with its two largest magnitudes at 3 and 10: topk:0.1 of 21 entries keeps k = 3 → 3, 10 and 17 */
function sparseInput (): Float32Array {
  const x = new Float32Array(D).fill(0.01)
  x[3] = 5
  x[10] = -4
  x[17] = 3
  return x
}

function encoded (spec: string, x: Float32Array = gaussian(D, createRng(41))): Uint8Array {
  return parseCodec(spec).encode(x, createRng(42))
}

function edit (bytes: Uint8Array, change: (b: Uint8Array, view: DataView) => void): Uint8Array {
  const copy = Uint8Array.from(bytes)
  change(copy, new DataView(copy.buffer))
  return copy
}

function splice (bytes: Uint8Array, at: number, replacement: number[]): Uint8Array {
  return Uint8Array.from([...bytes.subarray(0, at), ...replacement])
}

interface Case { id: string, spec: string, payload: () => Uint8Array, reason: string }

const cases: Case[] = []
for (const spec of ALL_SPECS) {
  cases.push(
    { id: 'empty', spec, payload: () => new Uint8Array(0), reason: 'length' },
    { id: 'header cut to 7 bytes', spec, payload: () => encoded(spec).subarray(0, 7), reason: 'length' },
    { id: 'tag of another codec', spec, payload: () => edit(encoded(spec), (b) => { b[0] = b[0] === 1 ? 2 : 1 }), reason: 'tag' },
    { id: 'version 2', spec, payload: () => edit(encoded(spec), (b) => { b[1] = 2 }), reason: 'version' },
    { id: 'unknown flag bit', spec, payload: () => edit(encoded(spec), (b) => { b[2] |= 0x80 }), reason: 'flags' },
    { id: 'reserved byte set', spec, payload: () => edit(encoded(spec), (b) => { b[3] = 1 }), reason: 'flags' },
    { id: 'dimension d + 1', spec, payload: () => edit(encoded(spec), (_, v) => { v.setUint32(4, D + 1, true) }), reason: 'dimension' },
    { id: 'dimension 2^32 - 1', spec, payload: () => edit(encoded(spec), (_, v) => { v.setUint32(4, 0xffffffff, true) }), reason: 'dimension' },
    { id: 'one byte short', spec, payload: () => encoded(spec).subarray(0, encoded(spec).length - 1), reason: 'length' },
    { id: 'one byte long', spec, payload: () => Uint8Array.from([...encoded(spec), 0]), reason: 'length' }
  )
}

const nan = (at: number) => (b: Uint8Array, v: DataView) => { v.setFloat32(at, NaN, true) }
const inf = (at: number) => (b: Uint8Array, v: DataView) => { v.setFloat32(at, -Infinity, true) }
cases.push(
  { id: 'NaN value', spec: 'none', payload: () => edit(encoded('none'), nan(8 + 4 * 5)), reason: 'non-finite' },
  { id: 'Infinity value', spec: 'none', payload: () => edit(encoded('none'), inf(8 + 4 * 20)), reason: 'non-finite' },
  { id: 'half Infinity', spec: 'fp16', payload: () => edit(encoded('fp16'), (_, v) => { v.setUint16(8 + 2 * 3, 0x7c00, true) }), reason: 'non-finite' },
  { id: 'half NaN', spec: 'fp16', payload: () => edit(encoded('fp16'), (_, v) => { v.setUint16(8 + 2 * 20, 0xfe01, true) }), reason: 'non-finite' },
  { id: 'NaN norm', spec: 'qsgd:4', payload: () => edit(encoded('qsgd:4'), nan(8)), reason: 'non-finite' },
  { id: 'negative norm', spec: 'qsgd:4', payload: () => edit(encoded('qsgd:4'), (_, v) => { v.setFloat32(8, -1, true) }), reason: 'value' },
  { id: 's differs from the spec', spec: 'qsgd:4', payload: () => edit(encoded('qsgd:4'), (_, v) => { v.setUint32(12, 5, true) }), reason: 'parameter' },
  // qsgd:4 packs 4 bits (level in bits 1..3): code 0xb is level 5
  { id: 'level above s', spec: 'qsgd:4', payload: () => edit(encoded('qsgd:4'), (b) => { b[16] = (b[16] & 0xf0) | 0x0b }), reason: 'level' },
  // 21 entries of 4 bits end mid-byte: the high nibble of the last byte is padding
  { id: 'qsgd padding bits set', spec: 'qsgd:4', payload: () => edit(encoded('qsgd:4'), (b) => { b[b.length - 1] |= 0x80 }), reason: 'value' },
  { id: 'NaN scale', spec: 'sign', payload: () => edit(encoded('sign'), nan(8)), reason: 'non-finite' },
  { id: 'Infinity scale', spec: 'sign', payload: () => edit(encoded('sign'), inf(8)), reason: 'non-finite' },
  { id: 'negative scale', spec: 'sign', payload: () => edit(encoded('sign'), (_, v) => { v.setFloat32(8, -0.5, true) }), reason: 'value' },
  { id: 'sign padding bits set', spec: 'sign', payload: () => edit(encoded('sign'), (b) => { b[b.length - 1] |= 0x40 }), reason: 'value' },
  { id: 'k differs', spec: 'randk:0.25', payload: () => edit(encoded('randk:0.25'), (_, v) => { v.setUint32(12, 5, true) }), reason: 'parameter' },
  { id: 'NaN value', spec: 'randk:0.25', payload: () => edit(encoded('randk:0.25'), nan(16)), reason: 'non-finite' },
  // topk:0.1 of 21 → k = 3: values at 12..24, varint gaps 3, 7, 7 at 24, 25, 26
  { id: 'k differs', spec: 'topk:0.1', payload: () => edit(encoded('topk:0.1', sparseInput()), (_, v) => { v.setUint32(8, 2, true) }), reason: 'parameter' },
  { id: 'NaN value', spec: 'topk:0.1', payload: () => edit(encoded('topk:0.1', sparseInput()), nan(16)), reason: 'non-finite' },
  { id: 'duplicate index (gap 0)', spec: 'topk:0.1', payload: () => edit(encoded('topk:0.1', sparseInput()), (b) => { b[25] = 0 }), reason: 'index' },
  { id: 'index = d', spec: 'topk:0.1', payload: () => edit(encoded('topk:0.1', sparseInput()), (b) => { b[26] = 11 }), reason: 'index' },
  { id: 'first index huge', spec: 'topk:0.1', payload: () => splice(encoded('topk:0.1', sparseInput()), 24, [0xff, 0xff, 0xff, 0xff, 0x0f, 7, 7]), reason: 'index' },
  { id: 'varint above 2^32 - 1', spec: 'topk:0.1', payload: () => splice(encoded('topk:0.1', sparseInput()), 24, [0xff, 0xff, 0xff, 0xff, 0x1f, 7, 7]), reason: 'varint' },
  { id: 'varint of 6 bytes', spec: 'topk:0.1', payload: () => splice(encoded('topk:0.1', sparseInput()), 24, [0x83, 0x80, 0x80, 0x80, 0x80, 0x00, 7]), reason: 'varint' },
  { id: 'overlong varint', spec: 'topk:0.1', payload: () => splice(encoded('topk:0.1', sparseInput()), 24, [0x83, 0x00, 7, 7]), reason: 'varint' },
  { id: 'varints end early', spec: 'topk:0.1', payload: () => splice(encoded('topk:0.1', sparseInput()), 24, [3, 7, 0x87]), reason: 'length' },
  { id: 'bytes after the last varint', spec: 'topk:0.1', payload: () => splice(encoded('topk:0.1', sparseInput()), 24, [3, 7, 7, 1]), reason: 'length' },
  // topk:0.6 of 21 → k = 13 with a 3-byte bitmap at 12 + 52 = 64
  { id: 'bitmap popcount k - 1', spec: 'topk:0.6', payload: () => edit(encoded('topk:0.6'), (b) => { const m = b[64] & -b[64]; b[64] ^= m === 0 ? 0 : m }), reason: 'index' },
  { id: 'bitmap popcount k + 1', spec: 'topk:0.6', payload: () => edit(encoded('topk:0.6'), (b) => { b[64] = 0xff; b[65] = 0xff; b[66] = 0x1f }), reason: 'index' },
  { id: 'bitmap padding bit set', spec: 'topk:0.6', payload: () => edit(encoded('topk:0.6'), (b) => { b[66] |= 0x20 }), reason: 'index' }
)

describe('lib/compress decode validation (table of malformed payloads)', () => {
  for (const c of cases) {
    it(`${c.spec}: ${c.id} → InvalidPayloadError(${c.reason})`, () => {
      const codec = parseCodec(c.spec)
      const payload = c.payload()
      assertThrowsNamed(() => codec.decode(payload, D), 'InvalidPayloadError', c.reason)
      const out = new Float32Array(D).fill(7)
      assertThrowsNamed(() => codec.addDecoded(payload, D, out, 1), 'InvalidPayloadError', c.reason)
      assertThrowsNamed(() => codec.decodeInto(payload, D, out), 'InvalidPayloadError', c.reason)
      assert.ok(out.every((v) => v === 7), 'out was written before the payload was validated')
    })
  }

  it('checks the caller\'s arguments before allocating: bad d, wrong out length, non-finite alpha', () => {
    const codec = parseCodec('none')
    const payload = encoded('none')
    for (const d of [0, -1, 1.5, NaN, 2 ** 32, Infinity]) assertThrowsNamed(() => codec.decode(payload, d), 'InvalidArgumentError')
    assertThrowsNamed(() => codec.decodeInto(payload, D, new Float32Array(D - 1)), 'InvalidArgumentError')
    assertThrowsNamed(() => codec.addDecoded(payload, D, new Float32Array(D), NaN), 'InvalidArgumentError')
  })

  it('refuses before allocating anything from d: a 2^32 − 1 caller d meets a small payload', () => {
    const huge = 0xffffffff
    for (const spec of ALL_SPECS) {
      const codec = parseCodec(spec)
      assertThrowsNamed(() => codec.decode(encoded(spec), huge), 'InvalidPayloadError', 'dimension')
      // the header agrees with the huge d, the body is far too short for it (top-k: k disagrees first)
      const claims = edit(encoded(spec), (_, v) => { v.setUint32(4, huge, true) })
      const err = thrown(() => codec.decode(claims, huge))
      assert.equal(err.name, 'InvalidPayloadError', `${spec}: ${err.message}`)
      assert.ok(['length', 'parameter'].includes((err as Error & { reason: string }).reason), `${spec}: ${err.message}`)
    }
  })

  it('a payload of another codec is refused by tag, and a non-Uint8Array by length', () => {
    const err = thrown(() => parseCodec('sign').decode(encoded('qsgd:16'), D))
    assert.equal(err.name, 'InvalidPayloadError')
    assertThrowsNamed(() => parseCodec('none').decode('not bytes' as unknown as Uint8Array, D), 'InvalidPayloadError', 'length')
  })

  it('the fixtures above are valid before they are broken', () => {
    for (const spec of [...ALL_SPECS, 'qsgd:4']) assert.equal(parseCodec(spec).decode(encoded(spec), D).length, D)
    const y = parseCodec('topk:0.1').decode(encoded('topk:0.1', sparseInput()), D)
    assert.deepEqual([3, 10, 17].map((i) => y[i]), [5, -4, 3])
    assert.equal(encoded('topk:0.6')[2], 1)
    assert.equal(encoded('topk:0.6').length, 67)
  })
})
