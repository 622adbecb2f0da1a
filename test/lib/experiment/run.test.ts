import assert from 'node:assert/strict'
import { runExperiment, RunDivergedError } from '../../../lib/experiment/index.ts'
import { NonFiniteModelError } from '../../../lib/algorithms/index.ts'
import type { MetricsRecord } from '../../../lib/experiment/index.ts'

describe('lib/experiment runExperiment: a diverging run', function () {
  this.timeout(10_000)

  it('names the round the model broke in the numbering of metrics.jsonl (rounds completed), after its last finite record', async () => {
    const records: MetricsRecord[] = []
    let error: any
    try {
      // a step size far too large: the MLP's parameters overflow to ±Infinity within a few dozen rounds (seeded)
      await runExperiment({ peers: 2, model: 'mlp:16', lr: 1000, batch: 8, rounds: 200, evalEvery: 0, seed: 1, backend: 'cpu' }, {
        onRound: (rec) => { records.push(rec) }
      })
    } catch (err) {
      error = err
    }
    assert.ok(error !== undefined, 'the run diverges')
    assert.equal(error.name, 'RunDivergedError')
    assert.ok(error instanceof NonFiniteModelError, 'still a NonFiniteModelError for callers that catch that')
    const last = records[records.length - 1].round
    assert.ok(last > 0)
    // the protocol round (from 0) of the failing round is the number of rounds the metrics hold
    assert.equal(error.round, last)
    assert.match(error.message, new RegExp(`^the run diverged in round ${last + 1} \\(the metrics hold rounds 1 to ${last}\\): the peer's own parameters are not finite`))
    // the summary of the rounds before it, for the caller to keep
    assert.ok(error instanceof RunDivergedError)
    const summary = error.summary
    assert.equal(summary.rounds, last)
    assert.equal(summary.diverged?.round, last + 1)
    assert.match(summary.diverged?.reason ?? '', /^the peer's own parameters are not finite/)
    assert.equal(summary.bytesSent, records[records.length - 1].bytesSent)
    assert.equal(summary.consensusDistance, records[records.length - 1].consensusDistance)
  })

  it('reports diverged: null in the summary of a run that ends', async () => {
    const summary = await runExperiment({ peers: 2, model: 'mlp:16', batch: 8, rounds: 2, evalEvery: 0, seed: 1, backend: 'cpu' })
    assert.equal(summary.diverged, null)
    assert.equal(summary.rounds, 2)
  })
})
