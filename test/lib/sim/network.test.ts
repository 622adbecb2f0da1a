import assert from 'node:assert/strict'
import { SimNetwork } from '../../../lib/sim/index.ts'
import { ring } from '../../../topologies/index.ts'

const signal = new AbortController().signal
const msg = (i: number): Uint8Array => Uint8Array.of(i)

describe('lib/sim SimNetwork', () => {
  it('delivers each message to the current neighbours, in neighbour order, with the sender degree', async () => {
    const net = new SimNetwork(4, { topology: ring(4), seed: 1 })
    net.beginRound(0)
    const got = await Promise.all([0, 1, 2, 3].map((i) => net.exchange(i).round(0, msg(i), { signal })))
    assert.deepEqual(got[0].map((m) => [m.from.id, m.degree, m.payload[0]]), [['p1', 2, 1], ['p3', 2, 3]])
    assert.deepEqual(net.exchange(2).neighbours().map((p) => p.id), ['p1', 'p3'])
    assert.equal(net.exchange(0).maxDegree!(), 2)
  })

  it('an offline peer is not waited for; drops are seeded per (round, sender, receiver)', async () => {
    const run = async (seed: number): Promise<string> => {
      const net = new SimNetwork(6, { topology: ring(6), seed, dropProbability: 0.3, offlineProbability: 0.3 })
      const trace: string[] = []
      for (let r = 0; r < 8; r++) {
        const online = net.beginRound(r)
        // run the peers in reverse order: the outcome must not depend on it
        const ids = [5, 4, 3, 2, 1, 0].filter((i) => online[i] === 1)
        const got = await Promise.all(ids.map((i) => net.exchange(i).round(r, msg(i), { signal })))
        trace.push(ids.map((i, k) => `${i}:${got[k].map((m) => m.from.id).join(',')}`).join(' '))
      }
      return trace.join('|')
    }
    const a = await run(3)
    assert.equal(a, await run(3))
    assert.notEqual(a, await run(4))
  })

  it('refuses use out of lockstep with SimulationOrderError; an abort rejects a waiting peer', async () => {
    const net = new SimNetwork(3, { topology: ring(3), seed: 1 })
    net.beginRound(0)
    await assert.rejects(net.exchange(0).round(1, msg(0), { signal }), (err: Error) => err.name === 'SimulationOrderError')
    const ac = new AbortController()
    const waiting = net.exchange(0).round(0, msg(0), { signal: ac.signal })
    await assert.rejects(net.exchange(0).round(0, msg(0), { signal }), (err: Error) => err.name === 'SimulationOrderError')
    ac.abort(new Error('stop'))
    await assert.rejects(waiting, /stop/)
    assert.throws(() => net.beginRound(0), (err: Error) => err.name === 'SimulationOrderError')
    assert.throws(() => new SimNetwork(3, { topology: ring(3), seed: 1, dropProbability: 1 }), (err: Error) => err.name === 'InvalidSimulationError')
  })
})
