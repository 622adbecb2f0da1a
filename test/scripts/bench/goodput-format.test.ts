/** The goodput benchmark's table (scripts/bench/goodput.ts formatGoodput): a row built on an impossible time is flagged. */
import assert from 'node:assert/strict'
import { formatGoodput } from '../../../scripts/bench/goodput.ts'
import type { CeilingRow, DenseEquivalentRow, GoodputRow } from '../../../scripts/bench/goodput.ts'

function row (nonPositive: number): GoodputRow {
  return { variant: 'default', floats: 1_000_000, bytes: 4_000_000, gossipMBps: 800, streamMBps: 1000, rawMBps: 4000, ratio: 0.2, ratioMin: 0.1, ratioMax: 0.9, nonPositive }
}

function dense (mode: 'message' | 'stream', nonPositive: number): DenseEquivalentRow {
  return { mode, rounds: mode === 'message' ? 1 : 10, codec: 'topk:0.01', floats: 10_000_000, bytes: 527_909, floatsPerSecond: 3e8, rawFloatsPerSecond: 3e8, ratio: 1, ratioMin: 0.5, ratioMax: 2, nonPositive }
}

function ceiling (floats: number, nonPositive: number): CeilingRow {
  return { floats, bytes: 4 * floats, cipher: 'TLS_AES_256_GCM_SHA384', tlsMBps: 1000, rawMBps: 1250, ratio: 0.8, ratioMin: 0.4, ratioMax: 1.2, gossipRatio: 0.6, nonPositive }
}

describe('scripts/bench/goodput: formatGoodput', () => {
  it('prints one row a variant and size, and no INVALID line when every transfer took a positive time', () => {
    const text = formatGoodput({ repeats: 21, rows: [row(0)], dense: [], ceiling: [] })
    assert.match(text, /^default\s+1,000,000\s+4,000,000\s+800\s+1000\s+4000\s+0\.20 \(0\.10-0\.90\)\s+0\.80$/m)
    assert.doesNotMatch(text, /INVALID/)
  })

  it('flags a row that holds transfers timed at 0 ms or less, with their number, variant and size', () => {
    const text = formatGoodput({ repeats: 21, rows: [row(0), { ...row(3), floats: 10_000_000, bytes: 40_000_000 }], dense: [], ceiling: [] })
    const invalid = text.split('\n').filter((l) => l.startsWith('INVALID'))
    assert.equal(invalid.length, 1)
    assert.match(invalid[0], /3 of the default transfers at 10,000,000 floats/)
  })

  it('flags a dense-equivalent row with measurements timed at 0 ms or less, and only that row', () => {
    const text = formatGoodput({ repeats: 21, rows: [row(0)], dense: [dense('message', 0), dense('stream', 2)], ceiling: [] })
    const invalid = text.split('\n').filter((l) => l.startsWith('INVALID'))
    assert.equal(invalid.length, 1)
    assert.match(invalid[0], /2 measurements of the streamed dense-equivalent rate at 10,000,000 floats/)
  })

  it('prints the encryption ceiling a size, with its suite, and flags only the row with an impossible time', () => {
    const text = formatGoodput({ repeats: 21, rows: [row(0)], dense: [], ceiling: [ceiling(1_000_000, 0), ceiling(10_000_000, 1)] })
    assert.match(text, /TLS 1\.3 \(TLS_AES_256_GCM_SHA384\)/)
    assert.match(text, /^\s+1,000,000\s+4,000,000\s+1000\s+1250\s+0\.80 \(0\.40-1\.20\)\s+0\.60$/m)
    const invalid = text.split('\n').filter((l) => l.startsWith('INVALID'))
    assert.equal(invalid.length, 1)
    assert.match(invalid[0], /1 of the TLS and raw transfers at 10,000,000 floats/)
  })
})
