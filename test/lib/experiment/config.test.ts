import assert from 'node:assert/strict'
import { algorithmConfig, configNotes, MAX_SIMULATED_PARAMS, resolveExperiment, runExperiment } from '../../../lib/experiment/index.ts'
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
  it('gives the algorithms the run\'s last round as runRound counts it (from 0), so a finished neighbour\'s final model stays mixed', () => {
    assert.equal(algorithmConfig(resolveExperiment({ rounds: 150, sync: 'async' })).finalRound, 149)
    // a run of no round (the commands accept it and end at once) has no last round
    assert.equal(algorithmConfig(resolveExperiment({ rounds: 0, sync: 'async' })).finalRound, undefined)
  })

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

  it('dim null (an older murmur\'s stored agreed config of a training run) loads as the default; with gossip it is refused, naming dim', () => {
    // before: "dim: expected an integer in [1, 100000000], got null" for the training run too
    const stored = { algo: 'dpsgd', dim: null } as unknown as Partial<ExperimentConfig>
    assert.equal(resolveExperiment(stored).dim, 1000)
    assert.equal(refusedField({ algo: 'gossip', dim: null } as unknown as Partial<ExperimentConfig>), 'dim')
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

describe('lib/experiment configNotes', () => {
  const notes = (partial: Partial<ExperimentConfig>): string[] => configNotes(resolveExperiment(partial))

  it('topk:1 and randk:1 (every entry kept) are named as no compression, with none instead, and not as a lossy codec', () => {
    for (const codec of ['topk:1', 'randk:1']) {
      for (const algo of ['dpsgd', 'choco'] as const) {
        const n = notes({ algo, codec })
        assert.equal(n.length, 1, n.join('\n'))
        assert.match(n[0], new RegExp(`^codec ${codec} sends every entry plus its index .*use --codec none$`))
      }
    }
    assert.ok(notes({ algo: 'dpsgd', codec: 'topk:0.99' }).some((l) => /^codec topk:0.99 with dpsgd: .*--algo choco/.test(l)), 'a fraction below 1 is still lossy')
  })

  it('a lossy codec under gossip or D-PSGD is named, with what to use instead; fp16, ef(...), none and CHOCO-SGD are not', () => {
    const [g] = notes({ algo: 'gossip', codec: 'topk:0.1' })
    assert.match(g, /^codec topk:0.1 with gossip: it mixes the decoded model itself, .*gossip agrees on another mean, or never.*; use --codec fp16$/)
    assert.match(notes({ algo: 'dpsgd', codec: 'qsgd:16' })[0], /D-PSGD diverged with randk:0.1 and qsgd:16/)
    for (const codec of ['randk:0.1', 'sign', 'topk:0.01']) assert.equal(notes({ algo: 'dpsgd', codec }).length, 1, codec)
    for (const codec of ['none', 'fp16', 'ef(topk:0.1)', 'ef(sign)']) assert.deepEqual(notes({ algo: 'dpsgd', codec }), [], codec)
    assert.deepEqual(notes({ algo: 'choco', codec: 'topk:0.1' }), [])
  })

  it('what a lossy-codec note offers instead is what converged: never ef() of randk or qsgd, which diverged too, and no ef() for gossip', () => {
    // measured (lib/algorithms codecInstead): D-PSGD with ef(randk:0.1) was NaN by round 48 of the main job, ef(qsgd:16) by round 73
    const offered = (algo: 'gossip' | 'dpsgd', codec: string): string => {
      const n = notes({ algo, codec })
      assert.equal(n.length, 1, `${algo} ${codec}: ${n.join('\n')}`)
      return n[0].slice(n[0].lastIndexOf('; use ') + 6)
    }
    assert.equal(offered('dpsgd', 'randk:0.1'), '--codec fp16 or ef(topk:0.1), or --algo choco --codec randk:0.1 --lr 0.02 (each converged on the main job, 16 peers on a ring, MNIST MLP, and on 8 peers)')
    assert.match(offered('dpsgd', 'qsgd:16'), /^--codec fp16 or ef\(topk:0.1\), or --algo choco --codec qsgd:16 --lr 0.02 /)
    assert.match(offered('dpsgd', 'topk:0.01'), /^--codec fp16 or ef\(topk:0.01\), or --algo choco --codec topk:0.01 --lr 0.02 /)
    assert.match(offered('dpsgd', 'sign'), /^--codec fp16 or ef\(sign\), or --algo choco --codec sign --lr 0.02 /)
    // following the old advice (ef(randk:0.1), ef(qsgd:16)) is itself warned of, offering neither again
    for (const codec of ['ef(randk:0.1)', 'ef(qsgd:16)']) {
      assert.match(notes({ algo: 'dpsgd', codec })[0], new RegExp(`^codec ${codec.replace(/[()]/g, '\\$&')} with dpsgd: .*diverged with randk:0.1 and qsgd:16, and with ef\\(\\) of either`))
      assert.doesNotMatch(offered('dpsgd', codec), /ef\((randk|qsgd)/)
    }
    for (const codec of ['randk:0.1', 'qsgd:16', 'sign', 'ef(topk:0.1)']) assert.equal(offered('gossip', codec), '--codec fp16', codec)
    assert.deepEqual(notes({ algo: 'gossip', codec: 'fp16' }), [])
  })

  it('gamma without CHOCO-SGD and rows without a torus are named as ignored', () => {
    assert.deepEqual(notes({ algo: 'dpsgd', gamma: 0.1 }), ['gamma 0.1 is ignored: it is CHOCO-SGD\'s consensus step (--algo choco), and this run is dpsgd'])
    assert.deepEqual(notes({ algo: 'choco', codec: 'topk:0.1', gamma: 0.1 }), [])
    assert.deepEqual(notes({ peers: 8, topology: 'ring', rows: 2 }), ['rows 2 is ignored: it shapes --topology torus, and this run\'s topology is ring'])
    assert.deepEqual(notes({ peers: 8, topology: 'torus', rows: 2 }), [])
  })

  it('trimmed:B beyond what the topology\'s degree can trim is named, with the B each peer really uses', () => {
    // (a ring's stall under any trimmed:B is another note: aggregate-stall.test.ts)
    const lowered = (partial: Partial<ExperimentConfig>): string[] => notes(partial).filter((n) => / is lowered /.test(n))
    const [ring] = lowered({ peers: 8, topology: 'ring', aggregate: 'trimmed:5' })
    assert.match(ring, /^aggregate trimmed:5 is lowered where a peer has fewer than 10 neighbours: .*ring over 8 peers has degree 2, so every peer trims 1\. /)
    assert.equal(lowered({ peers: 8, topology: 'ring', aggregate: 'trimmed:2' }).length, 1)
    // a ring trims 1 and a complete graph of 8 trims 3: nothing to say
    assert.deepEqual(lowered({ peers: 8, topology: 'ring', aggregate: 'trimmed:1' }), [])
    assert.deepEqual(notes({ peers: 8, topology: 'complete', aggregate: 'trimmed:3' }), [])
    // a star: the centre has 7 neighbours, the leaves 1
    assert.match(notes({ peers: 8, topology: 'star', aggregate: 'trimmed:2' })[0], /star over 8 peers has degrees 1 to 7, so peers trim 0 to 2\./)
    assert.deepEqual(notes({ peers: 8, topology: 'ring', aggregate: 'clip:0.5' }), [])
  })

  it('dim without gossip, training fields with gossip, and staleness without --sync async are named as ignored', () => {
    assert.deepEqual(notes({ algo: 'dpsgd', dim: 50 }), ['dim 50 is ignored: it sizes the vector of --algo gossip; a training run\'s parameters are its model\'s (mlp)'])
    assert.deepEqual(notes({ algo: 'gossip', dim: 50 }), [])
    assert.deepEqual(notes({ algo: 'gossip', model: 'cnn', partition: 'dirichlet:0.1', lr: 0.3 }), ['model, partition, lr are ignored: --algo gossip averages a vector of --dim values and trains nothing'])
    assert.deepEqual(notes({ algo: 'gossip', lr: 0.3 }), ['lr is ignored: --algo gossip averages a vector of --dim values and trains nothing'])
    assert.deepEqual(notes({ staleness: 3 }), ['staleness 3 is ignored: it bounds the age of the models mixed by --sync async, and this run is synchronous'])
    assert.deepEqual(notes({ sync: 'async', staleness: 3 }), [])
    // the defaults say nothing
    assert.deepEqual(notes({}), [])
    assert.deepEqual(notes({ algo: 'gossip' }), [])
  })
})
