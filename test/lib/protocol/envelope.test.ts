import assert from 'node:assert/strict'
import {
  decodeEnvelopeHeader, writeEnvelopeHeader, runIdHash, crc32, ENVELOPE_HEADER_BYTES, RUN_HASH_BYTES
} from '../../../lib/protocol/index.ts'
import type { EnvelopeHeader } from '../../../lib/protocol/index.ts'
import { RUN } from './helpers.ts'

function header (over: Partial<EnvelopeHeader> = {}): EnvelopeHeader {
  return { type: 'gossip', runHash: RUN, round: 12, degree: 4, index: 1, count: 3, totalLength: 250, offset: 100, checksum: 0xdeadbeef, ...over }
}

function bytesOf (h: EnvelopeHeader): Uint8Array {
  const b = new Uint8Array(ENVELOPE_HEADER_BYTES)
  writeEnvelopeHeader(b, 0, h)
  return b
}

describe('lib/protocol envelope header', () => {
  it('writes the documented layout (offsets of docs/PROTOCOL.md)', () => {
    const b = bytesOf(header())
    const v = new DataView(b.buffer)
    assert.deepEqual([b[0], b[1], b[2], b[3]], [0x6d, 0x77, 1, 1])
    assert.deepEqual(b.subarray(4, 12), RUN)
    assert.deepEqual([12, 16, 20, 24, 28, 32, 36].map((o) => v.getUint32(o, true)), [12, 4, 1, 3, 250, 100, 0xdeadbeef])
  })

  it('decodes what it writes', () => {
    const h = header()
    const got = decodeEnvelopeHeader(bytesOf(h), 100)
    assert.deepEqual({ ...got, runHash: Uint8Array.from(got.runHash) }, h)
  })

  it('hashes run ids to 8 bytes of SHA-256, different for different runs', () => {
    assert.equal(runIdHash('a').length, RUN_HASH_BYTES)
    // SHA-256('abc') = ba7816bf 8f01cfea ...
    assert.deepEqual(Array.from(runIdHash('abc')), [0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea])
    assert.notDeepEqual(runIdHash('run-1'), runIdHash('run-2'))
  })

  it('checksums with CRC-32/ISO-HDLC (check value of docs/PROTOCOL.md), continuable chunk by chunk', () => {
    const text = new TextEncoder().encode('123456789')
    assert.equal(crc32(text), 0xcbf43926)
    assert.equal(crc32(text.subarray(4), crc32(text.subarray(0, 4))), 0xcbf43926)
    assert.equal(crc32(new Uint8Array(0)), 0)
  })

  const cases: Array<{ id: string, edit: (b: Uint8Array, v: DataView) => void, chunk: number, name: string, reason: string }> = [
    { id: 'first magic byte', edit: (b) => { b[0] = 0x6e }, chunk: 100, name: 'InvalidFrameError', reason: 'magic' },
    { id: 'second magic byte', edit: (b) => { b[1] = 0 }, chunk: 100, name: 'InvalidFrameError', reason: 'magic' },
    { id: 'version 2', edit: (b) => { b[2] = 2 }, chunk: 100, name: 'UnsupportedVersionError', reason: 'version' },
    { id: 'type 0', edit: (b) => { b[3] = 0 }, chunk: 100, name: 'InvalidFrameError', reason: 'type' },
    { id: 'type 4', edit: (b) => { b[3] = 4 }, chunk: 100, name: 'InvalidFrameError', reason: 'type' },
    { id: 'count 0', edit: (_b, v) => { v.setUint32(24, 0, true) }, chunk: 100, name: 'InvalidFrameError', reason: 'field' },
    { id: 'more chunks than bytes', edit: (_b, v) => { v.setUint32(24, 251, true) }, chunk: 100, name: 'InvalidFrameError', reason: 'field' },
    { id: 'index = count', edit: (_b, v) => { v.setUint32(20, 3, true) }, chunk: 100, name: 'InvalidFrameError', reason: 'field' },
    { id: 'chunk past the end', edit: (_b, v) => { v.setUint32(32, 200, true) }, chunk: 100, name: 'InvalidFrameError', reason: 'field' },
    { id: 'offset near 2^32', edit: (_b, v) => { v.setUint32(32, 0xffffffff, true) }, chunk: 100, name: 'InvalidFrameError', reason: 'field' },
    { id: 'last chunk short of the end', edit: (_b, v) => { v.setUint32(20, 2, true) }, chunk: 100, name: 'InvalidFrameError', reason: 'field' },
    { id: 'empty middle chunk', edit: () => {}, chunk: 0, name: 'InvalidFrameError', reason: 'field' },
    { id: 'empty last chunk of a non-empty payload', edit: (_b, v) => { v.setUint32(20, 2, true); v.setUint32(32, 250, true) }, chunk: 0, name: 'InvalidFrameError', reason: 'field' },
    { id: 'first chunk not at 0', edit: (_b, v) => { v.setUint32(20, 0, true) }, chunk: 100, name: 'InvalidFrameError', reason: 'field' },
    { id: 'gossip degree 0', edit: (_b, v) => { v.setUint32(16, 0, true) }, chunk: 100, name: 'InvalidFrameError', reason: 'field' },
    { id: 'sync request with a payload', edit: (b) => { b[3] = 2 }, chunk: 100, name: 'InvalidFrameError', reason: 'field' }
  ]
  for (const c of cases) {
    it(`refuses ${c.id} with ${c.name} (${c.reason})`, () => {
      const b = bytesOf(header())
      c.edit(b, new DataView(b.buffer))
      assert.throws(() => decodeEnvelopeHeader(b, c.chunk), (e: Error & { reason?: string }) => e.name === c.name && e.reason === c.reason)
    })
  }

  it('refuses a frame shorter than the header', () => {
    assert.throws(() => decodeEnvelopeHeader(new Uint8Array(39), 0), { name: 'InvalidFrameError' })
  })

  it('refuses to write fields outside u32 or a run hash of the wrong size', () => {
    const b = new Uint8Array(ENVELOPE_HEADER_BYTES)
    assert.throws(() => writeEnvelopeHeader(b, 0, header({ round: -1 })), { name: 'InvalidProtocolArgumentError' })
    assert.throws(() => writeEnvelopeHeader(b, 0, header({ degree: 2 ** 32 })), { name: 'InvalidProtocolArgumentError' })
    assert.throws(() => writeEnvelopeHeader(b, 0, header({ round: 1.5 })), { name: 'InvalidProtocolArgumentError' })
    assert.throws(() => writeEnvelopeHeader(b, 0, header({ runHash: new Uint8Array(7) })), { name: 'InvalidProtocolArgumentError' })
  })
})
