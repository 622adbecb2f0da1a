import assert from 'node:assert/strict'
import { agreedConfig, configDiff, configHash, EXPERIMENT_DEFAULTS, formatConfigDiff, legacyConfigHash, MODEL_DIM_HINT, resolveRunConfig, withModelDim } from '../../../lib/experiment/index.ts'

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

  it('dim is agreed for every algorithm: gossip\'s --dim, a training run\'s model parameter count (withModelDim)', () => {
    const gossip = { ...base, algo: 'gossip' as const }
    assert.notEqual(configHash({ ...gossip, dim: 500 }), configHash({ ...gossip, dim: 1000 }))
    assert.deepEqual(configDiff(agreedConfig({ ...gossip, dim: 1000 }), agreedConfig({ ...gossip, dim: 500 })), [{ field: 'dim', ours: 1000, theirs: 500 }])
    assert.equal(withModelDim({ ...gossip, dim: 500 }, 7850).dim, 500, 'gossip keeps its own dim')
    // before: a training run's dim was null in the agreed config, so models of 101770 and 79510 parameters hashed alike
    const mlp784 = withModelDim(base, 101770)
    const mlp625 = withModelDim(base, 79510)
    assert.equal(agreedConfig(mlp784).dim, 101770)
    assert.notEqual(configHash(mlp784), configHash(mlp625))
    assert.equal(configHash(withModelDim({ ...base, dim: 500 }, 101770)), configHash(mlp784), 'a training run\'s --dim is replaced by its model\'s count')
  })

  it('a training run\'s dim difference carries the likely cause; gossip\'s, or one beside another algorithm, does not', () => {
    const d = configDiff(agreedConfig(withModelDim(base, 101770)), agreedConfig(withModelDim(base, 79510)))
    assert.deepEqual(d, [{ field: 'dim', ours: 101770, theirs: 79510, hint: MODEL_DIM_HINT }])
    assert.equal(formatConfigDiff(d), `dim: ours 101770, theirs 79510 (${MODEL_DIM_HINT})`)
    assert.match(MODEL_DIM_HINT, /--dataset-dir/)
    const gossip = { ...base, algo: 'gossip' as const }
    assert.equal(configDiff(agreedConfig({ ...gossip, dim: 1000 }), agreedConfig({ ...gossip, dim: 500 }))[0].hint, undefined)
    const algo = configDiff(agreedConfig(withModelDim(base, 101770)), agreedConfig({ ...gossip, dim: 1000 }))
    assert.deepEqual(algo.map((x) => [x.field, x.hint]), [['algo', undefined], ['dim', undefined]])
  })

  it('legacyConfigHash is the hash of an older murmur (a training run\'s dim null); gossip\'s hash did not change', () => {
    const sized = withModelDim(base, 101770)
    assert.equal(legacyConfigHash(sized), configHash({ ...sized, dim: null } as unknown as typeof sized))
    assert.notEqual(legacyConfigHash(sized), configHash(sized))
    const gossip = { ...base, algo: 'gossip' as const, dim: 500 }
    assert.equal(legacyConfigHash(gossip), configHash(gossip))
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
