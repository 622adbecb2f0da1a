import assert from 'node:assert/strict'
import { createAlgorithm, decodeFrame, resolveConfig } from '../../../lib/algorithms/index.ts'
import type { AlgorithmConfig, Exchange, LocalObjective, Received } from '../../../lib/algorithms/index.ts'
import { createRng } from '../../../lib/random/index.ts'

/** f(x) = ½‖x‖²: ∇f(x) = x; logs its calls in `events` */
function quadratic (dim: number, events: string[]): LocalObjective {
  return {
    dim,
    gradient (x, grad) {
      events.push('gradient')
      grad.set(x)
      return 0
    }
  }
}

/** one neighbour ('q', degree 1) whose model is `theirs`; logs the call and what was sent */
function exchangeWith (theirs: Float32Array, events: string[], sent: Float32Array[], fail?: Error): Exchange {
  return {
    neighbours: () => [{ id: 'q' }],
    async round (r, outgoing) {
      events.push('round')
      const frame = decodeFrame(outgoing)
      sent.push(new Float32Array(frame.payload.slice().buffer, 0, frame.dim))
      if (fail !== undefined) throw fail
      const msg = createAlgorithm({ algo: 'gossip' }, { x0: theirs, rng: createRng(1) })
      let payload: Uint8Array | undefined
      await msg.runRound(r, { neighbours: () => [], round: async (_r, out) => { payload = out.slice(); return [] } })
      return [{ from: { id: 'q' }, degree: 1, payload: payload! }] satisfies Received[]
    }
  }
}

describe('lib/algorithms: overlap', () => {
  it('sends x_i before the local steps run, then mixes: x ← y + Σ_j W_ij (x_j − x_i)', async () => {
    const events: string[] = []
    const sent: Float32Array[] = []
    const x0 = Float32Array.from([1, 2])
    const peer = createAlgorithm({ algo: 'dpsgd', lr: 0.5, overlap: true }, { x0, objective: quadratic(2, events), rng: createRng(1) })
    const report = await peer.runRound(0, exchangeWith(Float32Array.from([3, 6]), events, sent))
    assert.deepEqual(events, ['round', 'gradient'])
    assert.deepEqual([...sent[0]], [1, 2]) // the model the round starts from, not the stepped one
    // two peers of degree 1, Metropolis: W = ½. y = x − 0.5·x = [0.5, 1]; x' = y + ½([3, 6] − [1, 2]) = [1.5, 3]
    assert.deepEqual([...peer.params], [1.5, 3])
    assert.equal(report.row.self, 0.5)
    assert.equal(peer.round, 1)
  })

  it('with an exchange that does I/O (progress()), gives it a turn before each local step and lands on the same parameters bit for bit', async () => {
    const run = async (withProgress: boolean): Promise<{ events: string[], params: Float32Array, loss: number }> => {
      const events: string[] = []
      const peer = createAlgorithm({ algo: 'dpsgd', lr: 0.3, momentum: 0.5, localSteps: 3, overlap: true }, { x0: Float32Array.from([1, -2, 0.25]), objective: quadratic(3, events), rng: createRng(1) })
      let loss = 0
      for (let r = 0; r < 4; r++) {
        const ex = exchangeWith(Float32Array.from([3, 6, -1]), events, [])
        if (withProgress) ex.progress = async () => { events.push('progress') }
        loss += (await peer.runRound(r, ex)).trainLoss
      }
      return { events, params: peer.params.slice(), loss }
    }
    const paced = await run(true)
    const block = await run(false)
    assert.deepEqual(paced.events.slice(0, 8), ['round', 'progress', 'gradient', 'progress', 'gradient', 'progress', 'gradient', 'round'])
    assert.deepEqual(block.events.slice(0, 5), ['round', 'gradient', 'gradient', 'gradient', 'round'])
    assert.deepEqual(paced.params, block.params)
    assert.equal(paced.loss, block.loss)
  })

  it('without overlap the steps run first and the stepped model is sent (the synchronous baseline)', async () => {
    const events: string[] = []
    const sent: Float32Array[] = []
    const peer = createAlgorithm({ algo: 'dpsgd', lr: 0.5 }, { x0: Float32Array.from([1, 2]), objective: quadratic(2, events), rng: createRng(1) })
    await peer.runRound(0, exchangeWith(Float32Array.from([3, 6]), events, sent))
    assert.deepEqual(events, ['gradient', 'round'])
    assert.deepEqual([...sent[0]], [0.5, 1])
  })

  it('an exchange failure keeps the local steps, leaves the sent frame untouched and does not advance the round', async () => {
    const events: string[] = []
    const sent: Float32Array[] = []
    const peer = createAlgorithm({ algo: 'dpsgd', lr: 0.5, overlap: true }, { x0: Float32Array.from([1, 2]), objective: quadratic(2, events), rng: createRng(1) })
    const abort = new Error('stopped'); abort.name = 'AbortError'
    let frameBytes: Uint8Array | undefined
    const ex = exchangeWith(Float32Array.from([3, 6]), events, sent, abort)
    const failing: Exchange = { neighbours: ex.neighbours, round: async (r, out, o) => { frameBytes = out; const copy = out.slice(); try { return await ex.round(r, out, o) } finally { assert.deepEqual(frameBytes, copy) } } }
    await assert.rejects(peer.runRound(0, failing), (err: Error) => err.name === 'AbortError')
    assert.equal(peer.round, 0)
    assert.deepEqual([...peer.params], [0.5, 1])
    assert.deepEqual([...decodeFrame(frameBytes!).payload.slice(0, 8)], [...new Uint8Array(Float32Array.from([1, 2]).buffer)])
  })

  const refused: Array<[string, AlgorithmConfig]> = [
    ['overlap', { algo: 'choco', overlap: true }],
    ['overlap', { algo: 'dpsgd', order: 'cta', overlap: true }],
    ['overlap', { algo: 'dpsgd', sync: 'async', overlap: true }],
    ['overlap', { algo: 'dpsgd', overlap: 'yes' as unknown as boolean }],
    ['sync', { algo: 'choco', sync: 'async' }],
    ['sync', { algo: 'dpsgd', sync: 'lockstep' as 'sync' }],
    ['staleness', { algo: 'dpsgd', sync: 'async', staleness: -1 }],
    ['staleness', { algo: 'dpsgd', sync: 'async', staleness: 1.5 }]
  ]
  for (const [field, config] of refused) {
    it(`refuses ${JSON.stringify(config)} naming '${field}'`, () => {
      assert.throws(() => resolveConfig(config), (err: Error & { field?: string }) => err.name === 'InvalidAlgorithmConfigError' && err.field === field)
    })
  }

  it('defaults: no overlap, sync; staleness 8 in async mode and 0 (exact rounds) in sync mode', () => {
    const sync = resolveConfig({ algo: 'dpsgd' })
    assert.equal(sync.overlap, false)
    assert.equal(sync.sync, 'sync')
    assert.equal(sync.staleness, 0)
    assert.equal(resolveConfig({ algo: 'dpsgd', sync: 'async' }).staleness, 8)
  })
})
