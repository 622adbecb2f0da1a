import assert from 'node:assert/strict'
import { configNotes, experimentTopology, resolveExperiment, runExperiment } from '../../../lib/experiment/index.ts'
import type { ExperimentInfo } from '../../../lib/experiment/index.ts'
import { memberTopology } from '../../../node/membership/index.ts'
import { localRow, maxDegree, mixingMatrix, WEIGHT_SCHEMES } from '../../../topologies/index.ts'
import type { Graph } from '../../../topologies/index.ts'

/** The specs a run takes, including those with no graph on some n (torus on a prime, hypercube off powers of two, ...). */
const SPECS = ['ring', 'torus', 'torus:2x3', 'torus:1x4', 'hypercube', 'regular:0', 'regular:1', 'regular:2', 'regular:3', 'regular:4', 'regular:6',
  'erdos-renyi:0.3', 'erdos-renyi:0.05', 'exponential', 'complete', 'star']

/**
 * W as the network's peers realise it in their first round: member i mixes its neighbours in the round's member
 * graph (slots 0..n−1, node/membership memberTopology with order 'slot', as node/peer/peer.ts asks), each weighted
 * from its own and the neighbour's degree (topologies localRow; the degree travels with each message).
 */
function networkW (g: Graph, ids: readonly string[], neighbours: (id: string) => string[], index: ReadonlyMap<string, number>, scheme: string): Float64Array {
  const n = g.n
  const W = new Float64Array(n * n)
  const dMax = maxDegree(g)
  for (const id of ids) {
    const i = index.get(id) as number
    const nb = neighbours(id).map((j) => index.get(j) as number)
    const row = localRow(scheme as never, g.adjacency[i].length, nb.map((j) => g.adjacency[j].length), dMax)
    W[i * n + i] = row.self
    nb.forEach((j, k) => { W[i * n + j] = row.neighbours[k] })
  }
  return W
}

describe('lib/experiment experimentTopology: the simulator mixes over the graph a network run builds', () => {
  it('for n = 1..16, every spec, seed and rows: the same graph, the same note and the same W (every weight scheme) as the network\'s first round', () => {
    let fallbacks = 0
    for (const topology of SPECS) {
      for (let n = 1; n <= 16; n++) {
        for (const seed of [1, 7]) {
          for (const rows of topology === 'torus' ? [undefined, 2, 3] : [undefined]) {
            const what = `${topology} n ${n} seed ${seed} rows ${String(rows)}`
            const sim = experimentTopology({ topology, peers: n, seed, rows })
            // slots 0..n−1 under ids whose code-unit order is not the slots' order, handed over shuffled
            const members = Array.from({ length: n }, (_, slot) => ({ id: `peer-${String.fromCharCode(122 - slot)}`, slot }))
            members.reverse()
            const net = memberTopology(0, members, topology, seed, members[0].id, { rows, order: 'slot' })
            assert.deepEqual(net.ids, Array.from({ length: n }, (_, slot) => `peer-${String.fromCharCode(122 - slot)}`), `${what}: node i is slot i`)
            assert.deepEqual(sim.graph, net.graph, `${what}: graph`)
            assert.equal(sim.note, net.note, `${what}: note`)
            if (sim.note !== undefined) fallbacks++
            for (const scheme of WEIGHT_SCHEMES) {
              assert.deepEqual(mixingMatrix(sim.graph, scheme).data, networkW(net.graph, net.ids, net.neighbours, net.index, scheme), `${what}: W ${scheme}`)
            }
          }
        }
      }
    }
    assert.ok(fallbacks > 50, `the sizes the specs have no graph for are covered (${fallbacks} fallbacks)`)
  })

  it('a run on a size its topology has no graph for runs the nearest graph and reports its note (a torus on 2, a hypercube on 3, regular:3 on 2)', async function () {
    this.timeout(10_000)
    const cases: Array<[string, number, RegExp]> = [
      ['torus', 2, /^2 is prime: a ring \(torus 1x2\)$/],
      ['hypercube', 3, /the incomplete hypercube on 3 nodes$/],
      ['regular:3', 2, /^regular:3 on 2 nodes: complete$/]
    ]
    for (const [topology, peers, note] of cases) {
      let info: ExperimentInfo | undefined
      const summary = await runExperiment({ algo: 'gossip', dim: 8, topology, peers, rounds: 3, seed: 1, evalEvery: 0 }, { onStart: (i) => { info = i } })
      assert.equal(summary.rounds, 3, topology)
      assert.match(info?.topologyNote ?? '', note, topology)
      assert.ok(Math.abs((info?.lambda2 ?? NaN) - (topology === 'hypercube' ? 2 / 3 : 0)) < 1e-12, `${topology}: lambda2 of the graph run, ${String(info?.lambda2)}`)
    }
    let plain: ExperimentInfo | undefined
    await runExperiment({ algo: 'gossip', dim: 8, topology: 'torus', peers: 4, rounds: 1, seed: 1, evalEvery: 0 }, { onStart: (i) => { plain = i } })
    assert.equal(plain?.topologyNote, undefined, 'no note where the spec has its own graph')
  })

  it('configNotes judges trimmed aggregation on the graph the run builds, also a fallback one', () => {
    // hypercube on 3: the incomplete hypercube 1 – 0 – 2, whose ends have one neighbour and trim nothing
    const notes = configNotes(resolveExperiment({ topology: 'hypercube', peers: 3, algo: 'dpsgd', aggregate: 'trimmed:1' }))
    assert.ok(notes.some((n) => /aggregate trimmed:1 is lowered/.test(n) && /degrees 1 to 2/.test(n)), notes.join('\n'))
  })

  it('a config\'s unknown topology lists the forms a run takes, not the edge list it refuses', () => {
    assert.throws(() => resolveExperiment({ topology: 'Ring' }), (err: Error) => {
      assert.equal(err.name, 'InvalidExperimentConfigError')
      assert.doesNotMatch(err.message, /file:PATH/)
      assert.match(err.message, /hypercube/)
      return true
    })
  })
})
