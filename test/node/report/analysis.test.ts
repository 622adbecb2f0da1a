import assert from 'node:assert/strict'
import { bytesPerRound, measureContraction, parseMetrics, timeBreakdown } from '../../../node/report/index.ts'
import type { RoundRow } from '../../../node/report/index.ts'

function row (round: number, fields: Partial<RoundRow> = {}): RoundRow {
  return {
    round, trainLoss: null, accuracy: null, peerAccuracyMin: null, peerAccuracyMean: null, consensusDistance: null,
    bytesThisRound: null, bytesSent: null, lambda2: null, online: null, computeMs: null, commMs: null, roundMs: null, ...fields
  }
}

describe('node/report analysis', () => {
  it('measures the per-round contraction of a geometric consensus curve as lambda2²', () => {
    const l2 = 0.8
    const rows = Array.from({ length: 30 }, (_, i) => row(i + 1, { consensusDistance: 5 * Math.pow(l2 * l2, i + 1), lambda2: l2 }))
    const c = measureContraction(rows, null)
    assert.equal(c.points.length, 29)
    for (const p of c.points) {
      assert.ok(Math.abs(p.measured - l2 * l2) < 1e-12, String(p.measured))
      assert.ok(Math.abs(p.predicted - l2 * l2) < 1e-12)
    }
    assert.ok(c.fit !== null && c.fit.relativeError !== null && c.fit.relativeError < 1e-9)
    assert.equal(c.belowFloor, 0)
  })

  it('takes the k-th root between records k rounds apart, and uses the fallback lambda2 when none is recorded', () => {
    const q = 0.5
    const rows = [5, 10, 15, 20].map((r) => row(r, { consensusDistance: Math.pow(q, r) }))
    const c = measureContraction(rows, Math.sqrt(q))
    assert.equal(c.points.length, 3)
    for (const p of c.points) assert.ok(Math.abs(p.measured - q) < 1e-12 && Math.abs(p.predicted - q) < 1e-12)
    assert.deepEqual(measureContraction(rows, null).points, [], 'no lambda2 at all: nothing to compare against')
  })

  it('leaves out records below float32 round-off (1e-11 of the first distance)', () => {
    const rows = Array.from({ length: 40 }, (_, i) => row(i + 1, { consensusDistance: Math.max(1e-14, Math.pow(0.1, i)), lambda2: Math.sqrt(0.1) }))
    const c = measureContraction(rows, null)
    assert.ok(c.belowFloor > 0)
    for (const p of c.points) assert.ok(Math.abs(p.measured - 0.1) < 1e-9, 'no point from the flattened tail')
  })

  it('parses metrics.jsonl: skips torn and non-record lines, keeps the last record of a round, nulls absent fields', () => {
    const text = [
      JSON.stringify({ round: 2, consensusDistance: 0.5, accuracy: null }),
      JSON.stringify({ round: 1, consensusDistance: 1, bytesThisRound: 10 }),
      '[1, 2]',
      JSON.stringify({ round: 2, consensusDistance: 0.25, wallMs: 7 }),
      '{"round": 3, "consensusDist'
    ].join('\n')
    const { rows, skipped } = parseMetrics(text)
    assert.equal(skipped, 2)
    assert.deepEqual(rows.map((r) => r.round), [1, 2])
    assert.equal(rows[1].consensusDistance, 0.25)
    assert.equal(rows[1].roundMs, 7)
    assert.equal(rows[0].accuracy, null)
    assert.equal(rows[0].lambda2, null)
  })

  it('parses metrics.jsonl: names bad lines by number, tells a torn last line from bad lines elsewhere, drops rows out of range', () => {
    const text = [
      JSON.stringify({ round: 1, accuracy: 0.5, bytesThisRound: 10 }),
      JSON.stringify({ round: 2, accuracy: 7 }),
      'garbage',
      JSON.stringify({ round: 3, bytesSent: -1 }),
      '{"round": 4, "consensusDistance": 1e999}', // JSON.parse reads it as Infinity
      JSON.stringify({ round: 5.5 }),
      JSON.stringify({ round: 6, accuracy: '0.5' }),
      JSON.stringify({ round: 7, accuracy: 1, lambda2: 1 + 1e-12, trainLoss: null }),
      '{"round": 8, "acc'
    ].join('\n')
    const parsed = parseMetrics(text)
    assert.deepEqual(parsed.rows.map((r) => r.round), [1, 7])
    assert.equal(parsed.lines, 9)
    assert.equal(parsed.skipped, 7)
    assert.deepEqual(parsed.tornLast, { line: 9, reason: 'cut short' })
    assert.deepEqual(parsed.notRecords.map((s) => s.line), [3, 9])
    assert.deepEqual(parsed.refused.map((s) => s.line), [2, 4, 5, 6, 7])
    assert.match(parsed.refused[0].reason, /accuracy 7 is outside \[0, 1\]/)
    assert.match(parsed.refused[1].reason, /bytesSent -1 is negative/)
    assert.match(parsed.refused[2].reason, /consensusDistance is Infinity, not a finite number/)
    assert.match(parsed.refused[3].reason, /round 5.5 is not a non-negative integer/)
    assert.match(parsed.refused[4].reason, /accuracy is "0.5", not a number/)
    // the same bad last line followed by a newline was written whole: a bad line, not a torn one
    const whole = parseMetrics(text + '\n')
    assert.equal(whole.tornLast, null)
    assert.deepEqual(whole.notRecords.map((s) => s.line), [3, 9])
  })

  it('splits round time by writer and derives bytes per round from cumulative bytes when needed', () => {
    const sim = timeBreakdown([row(1, { computeMs: 2, commMs: 5, roundMs: 30, online: 8 })], 'sim')
    assert.deepEqual(sim[0].parts.map((p) => p.ms), [16, 14])
    // computeMs is a peer's local steps, encoding and mixing (lib/algorithms RoundReport): mixing is not in the rest
    assert.deepEqual(sim[0].parts.map((p) => p.label), ['local steps, coding and mixing, all peers', 'exchange and bookkeeping'])
    const cluster = timeBreakdown([row(1, { computeMs: 20, commMs: 50, roundMs: 100 })], 'cluster')
    assert.deepEqual(cluster[0].parts.map((p) => p.ms), [20, 50, 30])
    assert.deepEqual(timeBreakdown([row(1)], 'sim'), [])
    const bytes = bytesPerRound([row(1, { bytesSent: 10 }), row(2, { bytesSent: 25 }), row(4, { bytesSent: 40 }), row(5, { bytesThisRound: 3 })])
    assert.deepEqual(bytes, [{ round: 2, bytes: 15 }, { round: 5, bytes: 3 }])
  })
})
