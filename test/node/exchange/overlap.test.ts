import assert from 'node:assert/strict'
import { createAlgorithm } from '../../../lib/algorithms/index.ts'
import type { Exchange, LocalObjective } from '../../../lib/algorithms/index.ts'
import { createRng } from '../../../lib/random/index.ts'
import { createPeers, signal, stopPeers } from './helpers.ts'
import type { Peer } from './helpers.ts'

const DIM = 100_000 // about the MNIST MLP's 101,770: a message of 400 KB, more than yamux's first 256 KiB window
const STEPS = 40

/** f(x) = ½‖x‖² (∇f = x); `probe` runs at each gradient, i.e. in the middle of the peer's local steps */
function quadratic (probe: () => void): LocalObjective {
  return {
    dim: DIM,
    gradient (x, grad) {
      probe()
      grad.set(x)
      return 0
    }
  }
}

/** the exchange without progress(): the local steps run as one synchronous block, as before overlap learned to pace them */
function withoutProgress (ex: Exchange): Exchange {
  return { round: async (r, out, o) => await ex.round(r, out, o), neighbours: () => ex.neighbours() }
}

/**
 * Peer A trains with --overlap over real libp2p 3 nodes (TCP, Noise, yamux, both in this process); peer B
 * only gossips. Returns, for each round after the first (the stream is dialled in round 0), how many of A's
 * local steps had run when B's round completed with A's message (STEPS: only after A's last step).
 */
async function stepsBeforeDelivery (peers: Peer[], paced: boolean): Promise<number[]> {
  const [a, b] = peers
  a.exchange.setNeighbours([b.id], 1, 1)
  b.exchange.setNeighbours([a.id], 1, 1)
  let steps = 0
  let deliveredAt: number | undefined
  const x0 = new Float32Array(DIM).fill(1)
  const trainer = createAlgorithm({ algo: 'dpsgd', lr: 0.01, localSteps: STEPS, overlap: true }, { x0, objective: quadratic(() => { steps++ }), rng: createRng(1) })
  const gossiper = createAlgorithm({ algo: 'gossip' }, { x0: new Float32Array(DIM), rng: createRng(2) })
  const exchange = paced ? a.exchange : withoutProgress(a.exchange)
  const out: number[] = []
  for (let r = 0; r < 4; r++) {
    steps = 0
    deliveredAt = undefined
    const gossip = gossiper.runRound(r, b.exchange, signal()).then((report) => {
      assert.equal(report.received, 1)
      deliveredAt = steps
    })
    const report = await trainer.runRound(r, exchange, signal())
    await gossip
    assert.equal(report.received, 1)
    assert.ok(deliveredAt !== undefined)
    if (r > 0) out.push(deliveredAt)
  }
  return out
}

describe('node/exchange: overlap over real libp2p nodes', function () {
  this.timeout(15_000)
  let peers: Peer[] = []
  afterEach(async () => { await stopPeers(peers); peers = [] })

  it('an overlapping peer\'s message is written and delivered while it takes its local steps, not after them', async () => {
    peers = await createPeers(2)
    const at = await stepsBeforeDelivery(peers, true)
    for (const k of at) assert.ok(k < STEPS, `B had A's message only after ${k} of A's ${STEPS} steps (rounds 1 to 3: ${at.join(', ')})`)
  })

  it('control: with the steps as one block (no progress()), the message leaves only after the last step', async () => {
    peers = await createPeers(2)
    const at = await stepsBeforeDelivery(peers, false)
    assert.deepEqual(at, [STEPS, STEPS, STEPS])
  })
})
