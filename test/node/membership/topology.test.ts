import assert from 'node:assert/strict'
import { buildGraph, buildMemberGraph, memberNeighbours } from '../../../topologies/index.ts'
import { memberTopology } from '../../../node/membership/index.ts'

const members = [{ id: 'peer-c', slot: 0 }, { id: 'peer-a', slot: 2 }, { id: 'peer-d', slot: 1 }, { id: 'peer-b', slot: 3 }]

describe('node/membership topology of a round', () => {
  it("order 'id' is topologies' buildMemberGraph over the member ids", () => {
    const t = memberTopology(3, members, 'ring', 9, 'peer-a')
    const mg = buildMemberGraph(members.map((m) => m.id), 'ring', 9)
    assert.deepEqual(t.ids, mg.ids)
    assert.deepEqual(t.graph, mg.graph)
    assert.deepEqual(t.neighbours(), memberNeighbours(mg, 'peer-a'))
    assert.equal(t.round, 3)
  })

  it("order 'slot' numbers members by slot, so the graph is the simulator's buildGraph(spec, n, seed)", () => {
    for (const spec of ['ring', 'erdos-renyi:0.6', 'regular:2']) {
      const t = memberTopology(0, members, spec, 5, 'peer-c', { order: 'slot' })
      assert.deepEqual(t.ids, ['peer-c', 'peer-d', 'peer-a', 'peer-b'])
      const sim = buildGraph(spec, 4, { seed: 5 })
      assert.deepEqual(t.graph, sim)
      for (let i = 0; i < 4; i++) assert.deepEqual(t.neighbours(t.ids[i]), sim.adjacency[i].map((j) => t.ids[j]))
    }
  })

  it('neighbours of a non-member throws InvalidTopologyError in both orders', () => {
    for (const order of ['id', 'slot'] as const) {
      const t = memberTopology(0, members, 'ring', 0, 'peer-a', { order })
      assert.throws(() => t.neighbours('peer-z'), (err: Error) => err.name === 'InvalidTopologyError')
    }
  })
})
