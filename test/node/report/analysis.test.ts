import assert from 'node:assert/strict'
import { bytesPerRound, measureContraction, parseMetrics, timeBreakdown } from '../../../node/report/index.ts'
import type { RoundRow } from '../../../node/report/index.ts'

function row (round: number, fields: Partial<RoundRow> = {}): RoundRow {
  return {
    round, trainLoss: null, accuracy: null, peerAccuracyMin: null, peerAccuracyMean: null, consensusDistance: null,
    bytesThisRound: null, bytesSent: null, lambda2: null, online: null, snapshots: null, computeMs: null, commMs: null, roundMs: null, ...fields
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

  it('a cluster gossip run already at float32 round-off on its first snapshot gives no contraction, and says from which round', () => {
    // murmur cluster --peers 4 --algo gossip --dim 50: lambda2² = 1/9 a round, 20 rounds between snapshots, so the
    // first snapshot is at round-off (8.6e-14) and the next ones at 0; the first record is no scale for the floor
    const l2 = 1 / 3
    const ring4 = [20, 40, 60, 80].map((round, i) => row(round, { consensusDistance: i === 0 ? 8.6e-14 : 0, lambda2: l2 }))
    const c = measureContraction(ring4, null, { dim: 50 })
    assert.equal(c.fit, null)
    assert.deepEqual(c.points, [])
    assert.equal(c.floorRound, 20)
    assert.equal(c.belowFloor, 4)
    // 8 peers: a flat plateau from 1.7e-12 to 6.1e-13 is round-off wobble, not a contraction of 0.44 a round
    const plateau = [1.7e-12, 1.1e-12, 8.0e-13, 6.9e-13, 6.1e-13, 6.1e-13].map((d, i) => row(20 * (i + 1), { consensusDistance: d, lambda2: 0.749 }))
    const p = measureContraction(plateau, null, { dim: 50 })
    assert.equal(p.fit, null)
    assert.equal(p.floorRound, 20)
    // without a known dimension the floor still counts one coordinate: 1e-12 is round-off for any model
    assert.equal(measureContraction(plateau, null).fit, null)
  })

  it('measures a cluster\'s per-round rate from snapshots 20 rounds apart while they are above the absolute floor', () => {
    const q = 0.6
    // 50 × 0.6^r is above 1e-10 × 50 up to round 45: the records of rounds 20 and 40 count, later ones are round-off
    const rows = [20, 40, 60, 80, 100].map((round) => row(round, { consensusDistance: 50 * Math.pow(q, round), lambda2: Math.sqrt(q) }))
    const c = measureContraction(rows, null, { dim: 50 })
    assert.ok(c.fit !== null && Math.abs(c.fit.rate - q) < 1e-9, String(c.fit?.rate))
    assert.deepEqual([c.fit.from, c.fit.to], [20, 40])
    assert.equal(c.floorRound, 60)
    assert.equal(c.belowFloor, 3)
  })

  it('takes a lambda2² below 1e-12 (a 3-peer ring: 0 up to eigensolver round-off) as 0, with no relative error', () => {
    const rows = [1, 2, 3].map((round) => row(round, { consensusDistance: 0.01 + 0.001 * round, lambda2: 1.7554e-17 }))
    const c = measureContraction(rows, null)
    assert.ok(c.fit !== null)
    assert.equal(c.fit.predicted, 0)
    assert.equal(c.fit.relativeError, null)
    for (const p of c.points) assert.equal(p.predicted, 0)
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
