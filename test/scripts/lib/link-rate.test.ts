import assert from 'node:assert/strict'
import { checkLinkRate, PEAK_BUCKET_BYTES, SHAPED_GSO_BYTES, tbfArgs, tbfBurstBytes } from '../../../scripts/lib/link-rate.ts'

describe('scripts/lib/link-rate', () => {
  it('checkLinkRate returns the bits a second of a tc rate', () => {
    assert.equal(checkLinkRate('1gbit'), 1e9)
    assert.equal(checkLinkRate('10gbit'), 1e10)
    assert.equal(checkLinkRate('100mbit'), 1e8)
    assert.equal(checkLinkRate('500kbit'), 5e5)
  })

  for (const bad of ['1gbps', '1 gbit', '1G', '7kbit', '', 'gbit']) {
    it(`checkLinkRate(${JSON.stringify(bad)}) is a UsageError naming the option and the allowed forms`, () => {
      assert.throws(() => checkLinkRate(bad, 'link-rate'), (err: Error & { option?: string, allowed?: string }) =>
        err.name === 'UsageError' && err.option === 'link-rate' && err.allowed !== undefined)
    })
  }

  it('tbf\'s bucket holds 10 ms of the rate, and never less than a 64 KiB GSO segment with room (128 KiB)', () => {
    assert.equal(tbfBurstBytes(1e9), 1_250_000)
    assert.equal(tbfBurstBytes(1e10), 12_500_000)
    assert.equal(tbfBurstBytes(1e8), 128 * 1024)
    assert.equal(tbfBurstBytes(8e3), 128 * 1024)
  })

  it('tbfArgs: the rate and its bucket, and a peak rate 1 % above it over one packet of the shaped GSO size', () => {
    assert.deepEqual(tbfArgs('100mbit'), ['rate', '100mbit', 'burst', String(128 * 1024), 'latency', '100ms', 'peakrate', '101000000bit', 'mtu', String(PEAK_BUCKET_BYTES)])
    assert.ok(PEAK_BUCKET_BYTES > SHAPED_GSO_BYTES, 'a whole GSO packet fits the peak bucket')
    assert.throws(() => tbfArgs('100 mbit'), (err: Error) => err.name === 'UsageError')
  })
})
