import assert from 'node:assert/strict'
import { parseLinkRate, runNetnsCluster } from '../../scripts/netns-cluster.ts'

describe('scripts/netns-cluster: --link-rate', () => {
  const cases: Array<[string, number | undefined]> = [
    ['1gbit', 1e9],
    ['100mbit', 1e8],
    ['2.5gbit', 2.5e9],
    ['500kbit', 5e5],
    ['8kbit', 8e3],
    ['7kbit', undefined], // below one byte a millisecond: tbf cannot shape it usefully
    ['100', undefined],
    ['100mbps', undefined],
    ['1 gbit', undefined],
    ['-1gbit', undefined],
    ['', undefined]
  ]
  for (const [rate, bits] of cases) {
    it(`parses ${JSON.stringify(rate)} as ${String(bits)} bit/s`, () => {
      assert.equal(parseLinkRate(rate), bits)
    })
  }

  it('a bad rate is a UsageError naming --link-rate, before any namespace is made', async () => {
    await assert.rejects(runNetnsCluster(['--peers', '2', '--link-rate', '100mbps'], { out: () => {}, err: () => {} }),
      (err: Error & { option?: string }) => err.name === 'UsageError' && err.option === 'link-rate')
  })
})
