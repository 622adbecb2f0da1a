import assert from 'node:assert/strict'
import { MAX_LINKS, MAX_SUMMARY_BYTES, SKETCH_SIZE, decodeSummary, encodeSummary, summarize, telemetryTopic } from '../../../node/telemetry/index.ts'
import type { RoundSummary } from '../../../node/telemetry/index.ts'
import type { PeerRecord } from '../../../node/peer/index.ts'

const ID = '12D3KooWP4EQMJUHBhyru8qhZpEgbY1t3ha41b21KqM2GwNmC3cF'
const NB = (i: number): string => `12D3KooWNeighbour${String(i).padStart(35, '0')}`
const values = Float32Array.from({ length: SKETCH_SIZE }, (_, i) => Math.sin(i) * 1e3)
const good: RoundSummary = {
  v: 1, id: ID, slot: 2, round: 40, members: 4, degree: 2, trainLoss: 0.31, accuracy: 0.93, accuracyRound: 40, lambda2: 0.5,
  bytesSent: 1_000_000, bytesThisRound: 25_000, received: 2, missing: 0, rejected: 0,
  computeMs: 12.5, commMs: 30, waitMs: 0, roundMs: 44, time: 1_712_345_678_901,
  links: [{ id: NB(1), in: 500_000, out: 500_000 }, { id: NB(2), in: 499_000, out: 500_000 }],
  sketch: { seed: 123456789, values }
}
const enc = (o: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(o))
const wire = (s: RoundSummary): Record<string, unknown> => JSON.parse(new TextDecoder().decode(encodeSummary(s)))

describe('node/telemetry round summary', () => {
  it('round-trips, with and without a sketch and an accuracy', () => {
    for (const s of [good, { ...good, sketch: null }, { ...good, accuracy: null, accuracyRound: null, trainLoss: null, lambda2: null }]) {
      const d = decodeSummary(encodeSummary(s))
      assert.ok(d.ok, d.ok ? '' : d.detail)
      assert.deepEqual(d.value, s)
    }
  })

  it('stays under its bound with the most links and long ids, and is compact for a ring', () => {
    const links = Array.from({ length: MAX_LINKS }, (_, i) => ({ id: 'x'.repeat(60) + i, in: 2 ** 40, out: 2 ** 40 }))
    assert.ok(encodeSummary({ ...good, links, members: 64, degree: 32 }).length <= MAX_SUMMARY_BYTES)
    assert.ok(encodeSummary(good).length < 1500, `a ring peer's summary is ${encodeSummary(good).length} bytes`)
    assert.throws(() => encodeSummary({ ...good, links: [...links, ...links] }), { name: 'SummaryTooLargeError' })
    assert.throws(() => encodeSummary({ ...good, sketch: { seed: 1, values: new Float32Array(3) } }), { name: 'InvalidSketchError' })
  })

  it('names the topic after the run and the format version', () => {
    assert.equal(telemetryTopic('run-a'), 'murmur/run-a/telemetry/1')
  })

  const w = wire(good)
  const nanSketch = new Uint8Array(SKETCH_SIZE * 4)
  new DataView(nanSketch.buffer).setFloat32(8, NaN, true)
  const bad: Array<{ id: string, input: Uint8Array, fault: string }> = [
    { id: 'empty', input: new Uint8Array(0), fault: 'size' },
    { id: 'over the bound', input: enc({ ...w, pad: 'x'.repeat(MAX_SUMMARY_BYTES) }), fault: 'size' },
    { id: 'not JSON', input: new TextEncoder().encode('{"v":1,'), fault: 'json' },
    { id: 'invalid UTF-8', input: new Uint8Array([0x7b, 0xff, 0x7d]), fault: 'json' },
    { id: 'an array', input: enc([w]), fault: 'shape' },
    { id: 'version 2', input: enc({ ...w, v: 2 }), fault: 'version' },
    { id: 'empty id', input: enc({ ...w, id: '' }), fault: 'id' },
    { id: 'negative slot', input: enc({ ...w, slot: -1 }), fault: 'slot' },
    { id: 'fractional round', input: enc({ ...w, round: 1.5 }), fault: 'round' },
    { id: 'no members', input: enc({ ...w, members: 0 }), fault: 'members' },
    { id: 'degree ≥ members', input: enc({ ...w, degree: 4 }), fault: 'degree' },
    { id: 'loss a string', input: enc({ ...w, trainLoss: '0.3' }), fault: 'train-loss' },
    // an observer averages thousands of losses: a finite but huge one would overflow the mean
    { id: 'loss 1e31', input: enc({ ...w, trainLoss: 1e31 }), fault: 'train-loss' },
    { id: 'loss -1e308', input: enc({ ...w, trainLoss: -1e308 }), fault: 'train-loss' },
    { id: 'accuracy above 1', input: enc({ ...w, accuracy: 1.5 }), fault: 'accuracy' },
    { id: 'accuracy without its round', input: enc({ ...w, accuracyRound: null }), fault: 'accuracy' },
    { id: 'accuracy from the future', input: enc({ ...w, accuracyRound: 41 }), fault: 'accuracy' },
    { id: 'lambda2 negative', input: enc({ ...w, lambda2: -0.1 }), fault: 'lambda2' },
    { id: 'bytes negative', input: enc({ ...w, bytesSent: -5 }), fault: 'bytes' },
    { id: 'missing a count', input: enc({ ...w, received: undefined }), fault: 'counts' },
    { id: 'time negative', input: enc({ ...w, commMs: -1 }), fault: 'times' },
    { id: 'links not triples', input: enc({ ...w, links: [[NB(1), 1]] }), fault: 'links' },
    { id: 'too many links', input: enc({ ...w, links: Array.from({ length: MAX_LINKS + 1 }, (_, i) => [NB(i), 1, 1]) }), fault: 'links' },
    { id: 'sketch too short', input: enc({ ...w, sketch: { seed: 1, data: Buffer.alloc(8).toString('base64') } }), fault: 'sketch' },
    { id: 'sketch not base64', input: enc({ ...w, sketch: { seed: 1, data: '!!!!' } }), fault: 'sketch' },
    { id: 'sketch with NaN', input: enc({ ...w, sketch: { seed: 1, data: Buffer.from(nanSketch).toString('base64') } }), fault: 'sketch' },
    { id: 'sketch seed above u32', input: enc({ ...w, sketch: { ...(w.sketch as object), seed: 2 ** 32 } }), fault: 'sketch' }
  ]
  for (const t of bad) {
    it(`rejects ${t.id} as '${t.fault}'`, () => {
      const d = decodeSummary(t.input)
      assert.equal(d.ok, false)
      if (!d.ok) assert.equal(d.fault, t.fault)
    })
  }

  it('summarises a PeerRecord: NaN loss as null, rejections summed, the latest accuracy carried', () => {
    const record: PeerRecord = {
      peerId: ID, slot: 1, round: 7, trainLoss: NaN, accuracy: null, testLoss: null, bytesSent: 100, bytesThisRound: 10,
      traffic: { [NB(1)]: { in: 5, out: 6 } }, members: 3, neighbours: [NB(1)], received: 1, missing: 0, stale: 0,
      rejected: { malformed: 2, 'out-of-step': 1 }, exchangeRejected: {}, row: { self: 0.5, neighbours: [{ id: NB(1), weight: 0.5 }] },
      rowSum: 1, lambda2: 0.25, computeMs: 1, commMs: 2, waitMs: 0, roundMs: 3, elapsedMs: 10, time: 1000, skipped: 0
    }
    const s = summarize(record, 0.9, 5, null)
    assert.equal(s.trainLoss, null)
    assert.equal(s.rejected, 3)
    assert.deepEqual([s.accuracy, s.accuracyRound, s.degree, s.members], [0.9, 5, 1, 3])
    assert.deepEqual(s.links, [{ id: NB(1), in: 5, out: 6 }])
    assert.ok(decodeSummary(encodeSummary(s)).ok)
  })
})
