import assert from 'node:assert/strict'
import fc from 'fast-check'
import { decodeSyncBody, encodeSyncBody, syncBodyBytes } from '../../../lib/protocol/index.ts'

function errorWith (name: string, reason: string) {
  return (e: Error & { reason?: string }) => e.name === name && e.reason === reason
}

describe('lib/protocol sync body', () => {
  it('round-trips finite parameters bit for bit (−0 and subnormals included), with and without state (fast-check)', () => {
    fc.assert(fc.property(
      fc.float32Array({ minLength: 1, maxLength: 200, noDefaultInfinity: true, noNaN: true }), fc.option(fc.uint8Array({ minLength: 1, maxLength: 50 }), { nil: undefined }),
      (params, state) => {
        const bytes = encodeSyncBody({ params, state })
        assert.equal(bytes.length, syncBodyBytes(params.length, state?.length ?? 0))
        const got = decodeSyncBody(bytes, params.length)
        assert.deepEqual(new Uint32Array(got.params.slice().buffer), new Uint32Array(params.slice().buffer))
        assert.deepEqual(got.state, state)
      }), { seed: 5, numRuns: 200 })
  })

  it('reads a body at an unaligned offset', () => {
    const params = Float32Array.from([1.5, -2, 3e-8])
    const bytes = encodeSyncBody({ params })
    const shifted = new Uint8Array(bytes.length + 1).subarray(1)
    shifted.set(bytes)
    assert.deepEqual(decodeSyncBody(shifted).params, params)
  })

  it('refuses bodies whose fields do not add up', () => {
    const good = encodeSyncBody({ params: new Float32Array(4), state: new Uint8Array(3) })
    const v = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset)
    const cases: Array<[string, Uint8Array]> = [
      ['short', good.subarray(0, 7)],
      ['dimension 0', (() => { const b = good.slice(); v(b).setUint32(0, 0, true); return b })()],
      ['dimension too large', (() => { const b = good.slice(); v(b).setUint32(0, 0xffffffff, true); return b })()],
      ['state too long', (() => { const b = good.slice(); v(b).setUint32(4, 4, true); return b })()],
      ['trailing byte', Uint8Array.from([...good, 0])],
      ['NaN parameter', (() => { const b = good.slice(); v(b).setFloat32(8 + 4, Number.NaN, true); return b })()],
      ['infinite parameter', (() => { const b = good.slice(); v(b).setFloat32(8 + 12, Number.POSITIVE_INFINITY, true); return b })()]
    ]
    for (const [id, bytes] of cases) assert.throws(() => decodeSyncBody(bytes), errorWith('InvalidFrameError', 'body'), id)
    assert.throws(() => decodeSyncBody(good, 5), errorWith('InvalidFrameError', 'body'))
    assert.throws(() => encodeSyncBody({ params: new Float32Array(0) }), { name: 'InvalidProtocolArgumentError' })
  })
})
