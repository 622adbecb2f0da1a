import assert from 'node:assert/strict'
import fc from 'fast-check'
import { readJsonObject } from '../../../lib/protocol/index.ts'

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s)

describe('lib/protocol readJsonObject (the first checks of JSON gossipsub messages)', () => {
  it('returns the object of valid UTF-8 JSON within the bound', () => {
    const r = readJsonObject(bytes('{"v":1,"id":"x"}'), 64)
    assert.ok(r.ok)
    assert.deepEqual(r.object, { v: 1, id: 'x' })
  })

  it('names each fault: size (empty or over the bound, before parsing), json (bad UTF-8 or syntax), shape (not an object)', () => {
    const cases: Array<[Uint8Array, number, string]> = [
      [new Uint8Array(0), 64, 'size'],
      [bytes('{"a":"' + 'x'.repeat(100) + '"}'), 64, 'size'],
      [Uint8Array.from([0x7b, 0xff, 0x7d]), 64, 'json'],
      [bytes('{"a":'), 64, 'json'],
      [bytes('[1,2]'), 64, 'shape'],
      [bytes('null'), 64, 'shape'],
      [bytes('"text"'), 64, 'shape']
    ]
    for (const [input, max, fault] of cases) {
      const r = readJsonObject(input, max)
      assert.equal(r.ok, false)
      if (!r.ok) assert.equal(r.fault, fault, new TextDecoder().decode(input))
    }
  })

  it('never throws on arbitrary bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (b) => {
      const r = readJsonObject(b, 128)
      return r.ok ? typeof r.object === 'object' : ['size', 'json', 'shape'].includes(r.fault)
    }), { seed: 7, numRuns: 2000 })
  })
})
