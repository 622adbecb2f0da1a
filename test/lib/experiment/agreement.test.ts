import assert from 'node:assert/strict'
import { agreedConfig, configDiff, configHash, EXPERIMENT_DEFAULTS, formatConfigDiff, resolveRunConfig } from '../../../lib/experiment/index.ts'

const base = { ...EXPERIMENT_DEFAULTS, runId: 'r1', roundDeadlineMs: 5000 }

describe('lib/experiment agreement', () => {
  it('hash depends on agreed fields only, and on each of them', () => {
    const h = configHash(base)
    assert.match(h, /^[0-9a-f]{64}$/)
    assert.equal(configHash({ ...base, backend: 'cpu', evalLimit: 7, datasetDir: '/x' }), h, 'per-peer fields do not change it')
    assert.notEqual(configHash({ ...base, lr: 0.1 }), h)
    assert.notEqual(configHash({ ...base, runId: 'r2' }), h)
    assert.notEqual(configHash({ ...base, gamma: 0.1 }), h, 'an optional field set vs absent differs')
  })

  it('gossip peers must agree on dim (the vectors they average); for training runs dim is unused and not agreed', () => {
    const gossip = { ...base, algo: 'gossip' as const }
    assert.notEqual(configHash({ ...gossip, dim: 500 }), configHash({ ...gossip, dim: 1000 }))
    assert.deepEqual(configDiff(agreedConfig({ ...gossip, dim: 1000 }), agreedConfig({ ...gossip, dim: 500 })), [{ field: 'dim', ours: 1000, theirs: 500 }])
    assert.equal(configHash({ ...base, dim: 500 }), configHash({ ...base, dim: 1000 }), 'dpsgd: dim does not count')
    assert.equal(agreedConfig({ ...base, dim: 500 }).dim, null)
  })

  it('a codec or topology spelled differently is the same config: resolved to its canonical text before hashing', () => {
    const a = resolveRunConfig({ codec: 'ef(topk:0.010)', topology: 'erdos-renyi:0.50', runId: 'r1' })
    const b = resolveRunConfig({ codec: 'ef(topk:0.01)', topology: 'erdos-renyi:0.5', runId: 'r1' })
    assert.equal(a.codec, 'ef(topk:0.01)')
    assert.equal(a.topology, 'erdos-renyi:0.5')
    assert.equal(configHash(a), configHash(b))
    assert.notEqual(configHash(resolveRunConfig({ codec: 'topk:0.02', runId: 'r1' })), configHash(resolveRunConfig({ codec: 'topk:0.01', runId: 'r1' })))
  })

  it('diff names exactly the differing fields with both values', () => {
    const d = configDiff(agreedConfig(base), agreedConfig({ ...base, lr: 0.1, codec: 'topk:0.01', backend: 'cpu' }))
    assert.deepEqual(d.map((x) => x.field), ['codec', 'lr'])
    assert.match(formatConfigDiff(d), /lr: ours 0\.05, theirs 0\.1/)
    assert.deepEqual(configDiff(agreedConfig(base), agreedConfig(base)), [])
  })
})
