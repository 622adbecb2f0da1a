import assert from 'node:assert/strict'
import { createAlgorithm } from '../../../lib/algorithms/index.ts'
import type { AlgorithmConfig, Exchange, PeerAlgorithm, Received } from '../../../lib/algorithms/index.ts'
import { createRng } from '../../../lib/random/index.ts'

/** the round-`round` message of a gossip peer holding `value` everywhere (degree 2) */
async function messageOf (id: string, round: number, value: number): Promise<Received> {
  const sender = createAlgorithm({ algo: 'gossip' }, { x0: new Float32Array(4).fill(value), rng: createRng(1) })
  let payload: Uint8Array | undefined
  await sender.runRound(round, { neighbours: () => [], round: async (_r, out) => { payload = out.slice(); return [] } })
  return { from: { id }, degree: 2, payload: payload! }
}

/** a peer on a ring (neighbours a and b) whose exchange hands over `messages` whatever the round */
function exchange (messages: Received[]): Exchange {
  return { neighbours: () => [{ id: 'a' }, { id: 'b' }], round: async () => messages }
}

async function peerAt (round: number, config: Partial<AlgorithmConfig>): Promise<PeerAlgorithm> {
  const peer = createAlgorithm({ algo: 'gossip', ...config } as AlgorithmConfig, { x0: new Float32Array(4), rng: createRng(2) })
  peer.importState({ ...peer.exportState(), round })
  return peer
}

describe('lib/algorithms: asynchronous mixing (sync: async)', () => {
  it('mixes each neighbour\'s newest message up to `staleness` rounds behind (and any ahead); an older one gives its weight to self', async () => {
    const peer = await peerAt(10, { sync: 'async', staleness: 3 })
    const report = await peer.runRound(10, exchange([await messageOf('a', 7, 3), await messageOf('b', 6, 30)]))
    // ring, Metropolis: 1/3 each; b (4 rounds behind) is dropped: x = 2/3·0 + 1/3·3
    assert.deepEqual(report.row.neighbours.map((n) => n.id), ['a'])
    assert.ok(Math.abs(report.row.self + report.row.neighbours[0].weight - 1) < 1e-12, 'the row sums to 1')
    assert.equal(report.rejected.outOfStep, 1)
    for (const v of peer.params) assert.ok(Math.abs(v - 1) < 1e-6, `${v}`)

    const ahead = await peerAt(10, { sync: 'async', staleness: 0 })
    const rep2 = await ahead.runRound(10, exchange([await messageOf('a', 15, 3), await messageOf('b', 10, 6)]))
    assert.equal(rep2.row.neighbours.length, 2)
    for (const v of ahead.params) assert.ok(Math.abs(v - 3) < 1e-6, `${v}`)
  })

  it('the same message may be mixed in consecutive rounds while it is fresh enough, then no longer', async () => {
    const peer = await peerAt(5, { sync: 'async', staleness: 1 })
    const held = [await messageOf('a', 5, 3)]
    assert.equal((await peer.runRound(5, exchange(held))).row.neighbours.length, 1)
    assert.equal((await peer.runRound(6, exchange(held))).row.neighbours.length, 1)
    const late = await peer.runRound(7, exchange(held))
    assert.equal(late.row.neighbours.length, 0)
    assert.equal(late.row.self, 1)
  })

  it('synchronous mode mixes only messages of the round itself', async () => {
    const peer = await peerAt(10, {})
    const report = await peer.runRound(10, exchange([await messageOf('a', 9, 3), await messageOf('b', 11, 3)]))
    assert.equal(report.row.neighbours.length, 0)
    assert.equal(report.rejected.outOfStep, 2)
  })
})
