import assert from 'node:assert/strict'
import { configNotes, experimentTopology, resolveExperiment, runExperiment } from '../../../lib/experiment/index.ts'
import type { ExperimentConfig } from '../../../lib/experiment/index.ts'
import { createAggregator } from '../../../lib/algorithms/index.ts'
import { mixingMatrix } from '../../../topologies/index.ts'

const notes = (partial: Partial<ExperimentConfig>): string[] => configNotes(resolveExperiment(partial))
const stalls = (partial: Partial<ExperimentConfig>): string[] => notes(partial).filter((n) => / stalls /.test(n))

describe('lib/experiment configNotes: a robust aggregate the topology keeps from consensus', function () {
  this.timeout(20_000)

  it('trimmed:B on a ring, torus or hypercube names the two groups it never pulls together, with what to use instead', () => {
    const [ring] = stalls({ peers: 8, topology: 'ring', aggregate: 'trimmed:1' })
    assert.match(ring, /^aggregate trimmed:1 stalls consensus on ring over 8 peers: the peers split into two groups \(peers 0, 1 and the other 6\) in which no peer has more neighbours in the other group than it trims at each end, /)
    assert.match(ring, /; use --aggregate mean or clip:auto .*, or a topology without such a split \(--topology exponential with trimmed:1\)$/)
    assert.equal(stalls({ peers: 8, topology: 'ring', aggregate: 'trimmed:1', algo: 'choco', codec: 'topk:0.1' }).length, 1, 'CHOCO-SGD mixes its copies with it too')
    // gossip: clip:auto stalls as well, so it is not offered
    assert.match(stalls({ peers: 8, topology: 'ring', aggregate: 'trimmed:1', algo: 'gossip' })[0], /; use --aggregate mean, or a topology/)
    // a torus's two bands of rows, a hypercube's two halves; the even and odd peers of the exponential graph for trimmed:2
    assert.match(stalls({ peers: 16, topology: 'torus', aggregate: 'trimmed:1' })[0], /\(peers 0, 1, 2, 3, 4, 5, … \(8\) and the other 8\)/)
    assert.match(stalls({ peers: 16, topology: 'hypercube', aggregate: 'trimmed:1' })[0], /\(peers 0, 1, 2, 3, 4, 5, … \(8\) and the other 8\)/)
    assert.match(stalls({ peers: 16, topology: 'exponential', aggregate: 'trimmed:2' })[0], /\(peers 0, 2, 4, 6, 8, 10, … \(8\) and the other 8\)/)
    assert.match(stalls({ peers: 4096, topology: 'ring', aggregate: 'trimmed:1' })[0], /\(peers 0, 1 and the other 4094\)/)
  })

  it('no note where every split leaves some peer more neighbours across than it sets aside, or nothing is set aside', () => {
    const none: Array<Partial<ExperimentConfig>> = [
      { peers: 16, topology: 'exponential', aggregate: 'trimmed:1' }, // 7 neighbours, at least 2 across any split of those looked for
      { peers: 8, topology: 'complete', aggregate: 'trimmed:3' },
      { peers: 3, topology: 'ring', aggregate: 'trimmed:1' }, // a ring of 3 is complete
      { peers: 8, topology: 'star', aggregate: 'trimmed:2' }, // the leaves trim nothing
      { peers: 8, topology: 'ring', aggregate: 'trimmed:0' },
      { peers: 8, topology: 'ring', aggregate: 'mean' },
      { peers: 8, topology: 'ring', aggregate: 'clip:0.5' },
      { peers: 64, topology: 'complete', aggregate: 'trimmed:1' }
    ]
    for (const partial of none) assert.deepEqual(stalls(partial), [], JSON.stringify(partial))
  })

  it('clip:auto is noted for gossip only: training on a ring was not slowed by it', () => {
    assert.deepEqual(notes({ peers: 8, topology: 'ring', aggregate: 'clip:auto' }), [])
    assert.deepEqual(notes({ peers: 8, topology: 'ring', aggregate: 'clip:auto', algo: 'choco', codec: 'topk:0.1' }), [])
    const [g] = notes({ peers: 8, topology: 'ring', aggregate: 'clip:auto', algo: 'gossip' })
    assert.match(g, /^aggregate clip:auto stalls gossip on ring over 8 peers: the peers split into two groups \(peers 0, 1 and the other 6\) in which no peer has more neighbours in the other group than it clips /)
    // exponential: 7 neighbours of weight 1/8, a quarter of 7/8 covers 2 of them, and the odd peers are 2 of each even one's
    assert.match(notes({ peers: 16, topology: 'exponential', aggregate: 'clip:auto', algo: 'gossip' })[0], /\(peers 0, 2, 4, 6, 8, 10, … \(8\)/)
    assert.deepEqual(notes({ peers: 16, topology: 'regular:4', aggregate: 'clip:auto', algo: 'gossip' }), [])
  })

  it('the groups a note names are a fixed point of the rule: each agreeing on its own model, no peer moves', () => {
    const cases: Array<{ spec: string, topology: string, peers: number, algo: 'dpsgd' | 'gossip', first: (i: number) => boolean }> = [
      { spec: 'trimmed:1', topology: 'ring', peers: 8, algo: 'dpsgd', first: (i) => i < 2 },
      { spec: 'clip:auto', topology: 'ring', peers: 8, algo: 'gossip', first: (i) => i < 2 },
      { spec: 'trimmed:1', topology: 'torus', peers: 16, algo: 'dpsgd', first: (i) => i < 8 },
      { spec: 'clip:auto', topology: 'exponential', peers: 16, algo: 'gossip', first: (i) => i % 2 === 0 }
    ]
    for (const { spec, topology, peers, algo, first } of cases) {
      const config = resolveExperiment({ peers, topology, aggregate: spec, algo })
      const group = Array.from({ length: peers }, (_, i) => i).filter(first)
      const note = configNotes(config).find((n) => / stalls /.test(n)) ?? assert.fail(`${spec} on ${topology}: no note`)
      assert.ok(note.includes(`(peers ${group.slice(0, 6).join(', ')}`), note)
      const g = experimentTopology(config).graph
      const W = mixingMatrix(g, config.weights)
      const x = Array.from({ length: peers }, (_, i) => Float32Array.of(first(i) ? 1 : 0, first(i) ? -2 : 3))
      const aggregator = createAggregator(spec)
      for (let i = 0; i < peers; i++) {
        const out = new Float32Array(2)
        const nb = g.adjacency[i]
        assert.ok(aggregator.combine(out, x[i], W.data[i * peers + i], nb.map((j) => W.data[i * peers + j]), nb.map((j) => x[j])))
        assert.deepEqual([...out], [...x[i]], `${spec} on ${topology}: peer ${i} moved`)
      }
      // and under mean they do move
      const mean = createAggregator('mean')
      const out = new Float32Array(2)
      const nb = g.adjacency[group[0]]
      mean.combine(out, x[group[0]], W.data[group[0] * peers + group[0]], nb.map((j) => W.data[group[0] * peers + j]), nb.map((j) => x[j]))
      assert.notDeepEqual([...out], [...x[group[0]]])
    }
  })

  it('measured: gossip on a ring of 8 stays apart under trimmed:1 and clip:auto, and agrees under mean', async () => {
    const distance = async (aggregate: string): Promise<number> =>
      (await runExperiment({ algo: 'gossip', peers: 8, topology: 'ring', dim: 100, rounds: 60, seed: 1, aggregate })).consensusDistance
    assert.ok(await distance('mean') < 1e-6)
    assert.ok(await distance('trimmed:1') > 1)
    assert.ok(await distance('clip:auto') > 1e-3)
  })
})
