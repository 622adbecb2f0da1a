import assert from 'node:assert/strict'
import { createPeerMetrics } from '../../../node/metrics/index.ts'
import type { PeerMetrics } from '../../../node/metrics/index.ts'
import type { PeerRecord } from '../../../node/peer/index.ts'

const ID = '12D3KooWP4EQMJUHBhyru8qhZpEgbY1t3ha41b21KqM2GwNmC3cF'
const A = '12D3KooWAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'

/** gauges fed by a measurement: before the first one there is nothing to report, and 0 would read as a value */
const MEASURED = ['murmur_train_loss', 'murmur_test_accuracy', 'murmur_test_loss', 'murmur_members', 'murmur_degree', 'murmur_spectral_gap', 'murmur_lambda2']

/** a round without evaluation (accuracy and test loss null), as most rounds are */
function record (round: number, over: Partial<PeerRecord> = {}): PeerRecord {
  return {
    peerId: ID, slot: 0, round, trainLoss: 0.7, accuracy: null, testLoss: null, bytesSent: 10 * round, bytesThisRound: 10,
    traffic: { [A]: { in: 5 * round, out: 10 * round } }, members: 2, neighbours: [A], received: 1, missing: 0, stale: 0,
    rejected: {}, exchangeRejected: {}, row: { self: 0.5, neighbours: [{ id: A, weight: 0.5 }] }, rowSum: 1, lambda2: 0,
    computeMs: 1, commMs: 1, waitMs: 0, roundMs: 2, elapsedMs: 2 * round, time: 1000 * round, skipped: 0, ...over
  }
}

/** the sample lines of `name` (no HELP/TYPE comments, no _bucket/_sum suffixes) */
function samples (text: string, name: string): string[] {
  return text.split('\n').filter((l) => l.startsWith(name + '{') || l.startsWith(name + ' '))
}

describe('node/metrics: a gauge nothing has measured yet is absent, not 0', () => {
  let metrics: PeerMetrics
  beforeEach(() => {
    metrics = createPeerMetrics({ processMetrics: false })
    metrics.identify({ peerId: ID, slot: 0, runId: 'run-u' })
  })

  it('before the first round: no sample for the measured gauges, their HELP and TYPE lines kept; rounds completed is 0', async () => {
    const text = await metrics.registry.metrics()
    for (const name of MEASURED) {
      assert.deepEqual(samples(text, name), [], `${name} has a sample before any measurement`)
      assert.ok(text.includes(`# HELP ${name} `), `${name} keeps its HELP line`)
      assert.ok(text.includes(`# TYPE ${name} gauge`), `${name} keeps its TYPE line`)
    }
    assert.deepEqual(samples(text, 'murmur_round'), ['murmur_round{run="run-u",peer="' + ID + '"} 0'], 'no round completed is a true 0')
  })

  it('rounds without an evaluation leave the test accuracy and test loss absent; the first evaluation sets them and they stay', async () => {
    metrics.record(record(1))
    metrics.record(record(2))
    let text = await metrics.registry.metrics()
    assert.deepEqual(samples(text, 'murmur_test_accuracy'), [])
    assert.deepEqual(samples(text, 'murmur_test_loss'), [])
    assert.equal(samples(text, 'murmur_train_loss').length, 1, 'the training loss was measured')
    assert.equal(samples(text, 'murmur_members').length, 1)
    assert.equal(samples(text, 'murmur_degree').length, 1)
    assert.deepEqual(samples(text, 'murmur_spectral_gap'), ['murmur_spectral_gap{run="run-u",peer="' + ID + '"} 1'])

    metrics.record(record(3, { accuracy: 0.25, testLoss: 1.5 }))
    metrics.record(record(4))
    text = await metrics.registry.metrics()
    assert.deepEqual(samples(text, 'murmur_test_accuracy'), ['murmur_test_accuracy{run="run-u",peer="' + ID + '"} 0.25'], 'the latest evaluation stays until the next')
    assert.deepEqual(samples(text, 'murmur_test_loss'), ['murmur_test_loss{run="run-u",peer="' + ID + '"} 1.5'])
  })

  it('a measured 0 is exported as 0', async () => {
    metrics.record(record(1, { accuracy: 0, testLoss: 0, trainLoss: 0 }))
    const text = await metrics.registry.metrics()
    for (const name of ['murmur_test_accuracy', 'murmur_test_loss', 'murmur_train_loss']) assert.deepEqual(samples(text, name), [`${name}{run="run-u",peer="${ID}"} 0`])
  })

  it('gossip (no local steps: a non-finite training loss) and an unknown lambda2 leave those gauges absent', async () => {
    metrics.record(record(1, { trainLoss: NaN, lambda2: NaN }))
    const text = await metrics.registry.metrics()
    for (const name of ['murmur_train_loss', 'murmur_spectral_gap', 'murmur_lambda2']) assert.deepEqual(samples(text, name), [], name)
    assert.equal(samples(text, 'murmur_members').length, 1)
  })
})
