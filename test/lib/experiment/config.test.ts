import assert from 'node:assert/strict'
import { MAX_SIMULATED_PARAMS, resolveExperiment, runExperiment } from '../../../lib/experiment/index.ts'
import type { ExperimentConfig } from '../../../lib/experiment/index.ts'

function refusedField (partial: Partial<ExperimentConfig>): string {
  try {
    resolveExperiment(partial)
  } catch (err: any) {
    assert.equal(err.name, 'InvalidExperimentConfigError', err.message)
    return err.field
  }
  return assert.fail(`${JSON.stringify(partial)} accepted`)
}

describe('lib/experiment resolveExperiment', () => {
  it('refuses up front what lib/algorithms would refuse when the peers are built, naming the field', () => {
    const cases: Array<{ partial: Partial<ExperimentConfig>, field: string }> = [
      { partial: { lr: 0 }, field: 'lr' },
      { partial: { algo: 'gossip', order: 'cta' }, field: 'order' },
      { partial: { algo: 'choco', codec: 'ef(topk:0.1)' }, field: 'codec' },
      { partial: { gamma: 0 }, field: 'gamma' }
    ]
    for (const c of cases) assert.equal(refusedField(c.partial), c.field, JSON.stringify(c.partial))
    assert.equal(resolveExperiment({ lr: 1e-6 }).lr, 1e-6)
  })
})

describe('lib/experiment runExperiment', () => {
  it('refuses more than MAX_SIMULATED_PARAMS parameters over all peers before building them', async () => {
    const peers = 16
    const dim = Math.floor(MAX_SIMULATED_PARAMS / peers) + 1
    let started = false
    await assert.rejects(runExperiment({ algo: 'gossip', peers, dim, rounds: 1 }, { onStart: () => { started = true } }),
      (err: any) => err.name === 'InvalidExperimentConfigError' && err.field === 'peers' && /limit of 1,073,741,824/.test(err.message))
    assert.equal(started, false)
  })
})
