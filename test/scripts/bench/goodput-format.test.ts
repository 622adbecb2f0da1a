/** The goodput benchmark's table (scripts/bench/goodput.ts formatGoodput): a row built on an impossible time is flagged. */
import assert from 'node:assert/strict'
import { formatGoodput } from '../../../scripts/bench/goodput.ts'
import type { DenseEquivalentRow, GoodputRow } from '../../../scripts/bench/goodput.ts'

function row (nonPositive: number): GoodputRow {
  return { variant: 'default', floats: 1_000_000, bytes: 4_000_000, gossipMBps: 800, streamMBps: 1000, rawMBps: 4000, ratio: 0.2, ratioMin: 0.1, ratioMax: 0.9, nonPositive }
}

function dense (mode: 'message' | 'stream', nonPositive: number): DenseEquivalentRow {
  return { mode, rounds: mode === 'message' ? 1 : 10, codec: 'topk:0.01', floats: 10_000_000, bytes: 527_909, floatsPerSecond: 3e8, rawFloatsPerSecond: 3e8, ratio: 1, ratioMin: 0.5, ratioMax: 2, nonPositive }
}

describe('scripts/bench/goodput: formatGoodput', () => {
  it('prints one row a variant and size, and no INVALID line when every transfer took a positive time', () => {
    const text = formatGoodput({ repeats: 21, rows: [row(0)], dense: [] })
    assert.match(text, /^default\s+1,000,000\s+4,000,000\s+800\s+1000\s+4000\s+0\.20 \(0\.10-0\.90\)\s+0\.80$/m)
    assert.doesNotMatch(text, /INVALID/)
  })

  it('flags a row that holds transfers timed at 0 ms or less, with their number, variant and size', () => {
    const text = formatGoodput({ repeats: 21, rows: [row(0), { ...row(3), floats: 10_000_000, bytes: 40_000_000 }], dense: [] })
    const invalid = text.split('\n').filter((l) => l.startsWith('INVALID'))
    assert.equal(invalid.length, 1)
    assert.match(invalid[0], /3 of the default transfers at 10,000,000 floats/)
  })

  it('flags a dense-equivalent row with measurements timed at 0 ms or less, and only that row', () => {
    const text = formatGoodput({ repeats: 21, rows: [row(0)], dense: [dense('message', 0), dense('stream', 2)] })
    const invalid = text.split('\n').filter((l) => l.startsWith('INVALID'))
    assert.equal(invalid.length, 1)
    assert.match(invalid[0], /2 measurements of the streamed dense-equivalent rate at 10,000,000 floats/)
  })
})
