import assert from 'node:assert/strict'
import fc from 'fast-check'
import { createAlgorithm } from '../../../lib/algorithms/index.ts'
import type { AlgorithmConfig, Exchange, PeerAlgorithm, Received } from '../../../lib/algorithms/index.ts'
import { createRng } from '../../../lib/random/index.ts'
import { runSimulation } from '../../../lib/sim/index.ts'
import { ring } from '../../../topologies/index.ts'
import { relDist, splitProblem } from '../sim/helpers.ts'

/** the round-`round` message of a gossip peer holding `value` everywhere (degree 2) */
async function messageOf (id: string, round: number, value: number): Promise<Received> {
  const sender = createAlgorithm({ algo: 'gossip' }, { x0: new Float32Array(4).fill(value), rng: createRng(1) })
  sender.importState({ ...sender.exportState(), round })
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

const rowSum = (row: { self: number, neighbours: Array<{ weight: number }> }): number => row.self + row.neighbours.reduce((s, n) => s + n.weight, 0)

describe('lib/algorithms: asynchronous mixing (sync: async), staleness in the receiver\'s rounds', () => {
  it('mixes a neighbour\'s message however far behind its sender\'s round is, with the full W_ij', async () => {
    const peer = await peerAt(500, { sync: 'async', staleness: 0 })
    // a was last at round 7 and b at 600: both new to this peer, so both mixed (ring, Metropolis: 1/3 each)
    const report = await peer.runRound(500, exchange([await messageOf('a', 7, 3), await messageOf('b', 600, 6)]))
    assert.deepEqual(report.row.neighbours.map((n) => n.id), ['a', 'b'])
    assert.equal(report.rejected.outOfStep, 0)
    for (const v of peer.params) assert.ok(Math.abs(v - 3) < 1e-6, `${v}`)
  })

  it('mixes the same message in the round it first arrives and `staleness` rounds after, then gives its weight to self', async () => {
    const peer = await peerAt(50, { sync: 'async', staleness: 2 })
    const held = [await messageOf('a', 3, 3)]
    const mixed: number[] = []
    for (let r = 50; r < 56; r++) {
      const rep = await peer.runRound(r, exchange(held))
      assert.ok(Math.abs(rowSum(rep.row) - 1) < 1e-12, `round ${r}: the row sums to ${rowSum(rep.row)}`)
      mixed.push(rep.row.neighbours.length)
      if (rep.row.neighbours.length === 0) {
        assert.equal(rep.row.self, 1)
        assert.equal(rep.rejected.outOfStep, 1, `round ${r}: the aged-out message is counted`)
      }
    }
    assert.deepEqual(mixed, [1, 1, 1, 0, 0, 0])
  })

  it('a neighbour 3× slower (a new message every 3 rounds, ever further behind in rounds) stays mixed in every round with staleness ≥ 2', async () => {
    const run = async (staleness: number): Promise<number[]> => {
      const peer = await peerAt(0, { sync: 'async', staleness })
      const counts: number[] = []
      let fromA = await messageOf('a', 0, 1)
      for (let r = 0; r < 60; r++) {
        if (r % 3 === 0) fromA = await messageOf('a', r / 3, 1)
        const rep = await peer.runRound(r, exchange([fromA, await messageOf('b', r, 1)]))
        counts.push(rep.row.neighbours.length)
      }
      return counts
    }
    assert.ok((await run(2)).every((c) => c === 2), 'with staleness 2 both neighbours are mixed every round')
    // the bound still bites: with staleness 1 the slow neighbour's message is too old every third round
    const tight = await run(1)
    assert.deepEqual(tight.filter((c) => c === 1).length, 20)
  })

  it('a message of the run\'s last round (finalRound) never ages out: a neighbour that finished first stays mixed until this peer finishes', async () => {
    // a run of 150 rounds: runRound counts 0 to 149
    const peer = await peerAt(120, { sync: 'async', staleness: 2, finalRound: 149 })
    // a finished the run (its round-149 message is its final model); b left at round 66 and its model ages out
    const held = [await messageOf('a', 149, 3), await messageOf('b', 66, 6)]
    const mixed: string[][] = []
    for (let r = 120; r < 149; r++) {
      const rep = await peer.runRound(r, exchange(held))
      assert.ok(Math.abs(rowSum(rep.row) - 1) < 1e-12)
      mixed.push(rep.row.neighbours.map((n) => n.id))
    }
    assert.deepEqual(mixed.slice(0, 3), [['a', 'b'], ['a', 'b'], ['a', 'b']])
    assert.ok(mixed.slice(3).every((ids) => ids.length === 1 && ids[0] === 'a'), JSON.stringify(mixed.slice(3)))
    // without finalRound the same final model ages out like any other
    const plain = await peerAt(120, { sync: 'async', staleness: 2 })
    let last: string[] = []
    for (let r = 120; r < 130; r++) last = (await plain.runRound(r, exchange(held))).row.neighbours.map((n) => n.id)
    assert.deepEqual(last, [])
  })

  it('a message of another round than the last one seen is new, even a lower round (a sender restarted from a checkpoint)', async () => {
    const peer = await peerAt(10, { sync: 'async', staleness: 1 })
    const m40 = [await messageOf('a', 40, 3)]
    assert.equal((await peer.runRound(10, exchange(m40))).row.neighbours.length, 1)
    assert.equal((await peer.runRound(11, exchange(m40))).row.neighbours.length, 1)
    assert.equal((await peer.runRound(12, exchange(m40))).row.neighbours.length, 0)
    assert.equal((await peer.runRound(13, exchange([await messageOf('a', 35, 3)]))).row.neighbours.length, 1)
  })

  it('law: each row is stochastic and a neighbour is mixed exactly while its message is at most `staleness` rounds old', async () => {
    const values = [await messageOf('a', 0, 1), await messageOf('a', 1, 1), await messageOf('b', 0, 2), await messageOf('b', 1, 2)]
    await fc.assert(fc.asyncProperty(
      fc.integer({ min: 0, max: 4 }),
      fc.array(fc.record({ a: fc.integer({ min: -1, max: 1 }), b: fc.integer({ min: -1, max: 1 }) }), { minLength: 1, maxLength: 12 }),
      async (staleness, rounds) => {
        const peer = await peerAt(0, { sync: 'async', staleness })
        // reference: per neighbour, the sender round last handed over and the round it was first handed over
        const seen = new Map<string, { round: number, since: number }>()
        for (let r = 0; r < rounds.length; r++) {
          const handed: Received[] = []
          const expected: string[] = []
          for (const [id, pick, offset] of [['a', rounds[r].a, 0], ['b', rounds[r].b, 2]] as const) {
            if (pick < 0) continue
            handed.push(values[offset + pick])
            const s = seen.get(id)
            if (s === undefined || s.round !== pick) seen.set(id, { round: pick, since: r })
            if (r - seen.get(id)!.since <= staleness) expected.push(id)
          }
          const rep = await peer.runRound(r, exchange(handed))
          assert.deepEqual(rep.row.neighbours.map((n) => n.id), expected)
          assert.ok(Math.abs(rowSum(rep.row) - 1) < 1e-12 && rep.row.self >= 0)
        }
      }), { seed: 7, numRuns: 150 })
  })

  it('synchronous mode mixes only messages of the round itself', async () => {
    const peer = await peerAt(10, {})
    const report = await peer.runRound(10, exchange([await messageOf('a', 9, 3), await messageOf('b', 11, 3)]))
    assert.equal(report.row.neighbours.length, 0)
    assert.equal(report.rejected.outOfStep, 2)
  })

  it('in lockstep (the simulator, every message fresh) async mixes exactly what sync mixes: the same parameters bit for bit', async () => {
    const problem = splitProblem(6, 8, 30, 2)
    const common = { peers: 6, topology: ring(6), objective: problem.objective(8), x0: () => new Float32Array(8), rounds: 40, seed: 3 }
    const sync = await runSimulation({ ...common, algorithm: { algo: 'dpsgd', lr: 0.02 } })
    const async = await runSimulation({ ...common, algorithm: { algo: 'dpsgd', lr: 0.02, sync: 'async', staleness: 0 } })
    for (let i = 0; i < 6; i++) assert.deepEqual(async.simulation.peers[i].params, sync.simulation.peers[i].params)
  })
})

/**
 * Three D-PSGD peers on a ring (every pair linked), peer 2 running one round for every `period` of the others',
 * over an in-memory board holding each peer's newest message (what node/exchange/latest.ts hands over).
 */
async function slowPeerRun (staleness: number, period: number, ticks: number): Promise<{ params: Float32Array[], xStar: Float32Array }> {
  const n = 3
  const problem = splitProblem(n, 6, 30, 5)
  const board = new Map<string, Received>()
  const ids = ['p0', 'p1', 'p2']
  const peers = ids.map((id, i) => createAlgorithm({ algo: 'dpsgd', lr: 0.01, sync: 'async', staleness }, {
    x0: new Float32Array(problem.features), objective: problem.objective()(i, createRng(i)), rng: createRng(10 + i)
  }))
  const exchangeOf = (i: number): Exchange => ({
    neighbours: () => ids.filter((_, j) => j !== i).map((id) => ({ id })),
    round: async (r, outgoing) => {
      board.set(ids[i], { from: { id: ids[i] }, degree: 2, payload: outgoing.slice() })
      return ids.filter((_, j) => j !== i).flatMap((id) => board.get(id) ?? [])
    }
  })
  const next = [0, 0, 0]
  for (let t = 0; t < ticks; t++) {
    for (let i = 0; i < n; i++) {
      if (i === 2 && t % period !== 0) continue
      await peers[i].runRound(next[i]++, exchangeOf(i))
    }
  }
  return { params: peers.map((p) => p.params), xStar: problem.xStar }
}

describe('lib/algorithms: asynchronous D-PSGD with a peer 3× slower (full-batch least squares, distinct data per peer)', () => {
  it('mixing each neighbour\'s newest model every round reaches the optimum of all the data, mixing each message once weights the slow peer\'s data less', async () => {
    const newest = await slowPeerRun(2, 3, 3000)
    const once = await slowPeerRun(0, 3, 3000)
    const errNewest = Math.max(...newest.params.map((x) => relDist(x, newest.xStar)))
    const errOnce = Math.max(...once.params.map((x) => relDist(x, once.xStar)))
    assert.ok(errNewest < 1e-3, `staleness 2: worst peer ‖x_i − x*‖/‖x*‖ = ${errNewest}`)
    assert.ok(errOnce > 10 * errNewest, `staleness 0: ${errOnce} against ${errNewest} with staleness 2`)
  })
})
