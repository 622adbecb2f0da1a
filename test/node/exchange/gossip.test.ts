import assert from 'node:assert/strict'
import { createAlgorithm } from '../../../lib/algorithms/index.ts'
import { createRng } from '../../../lib/random/index.ts'
import { createPeers, ringIds, signal, stopPeers } from './helpers.ts'
import type { Peer } from './helpers.ts'

/** (1/n) Σ‖x_i − x̄‖² in float64, and x̄ */
function spread (xs: readonly Float32Array[]): { distance: number, mean: Float64Array } {
  const n = xs.length; const d = xs[0].length
  const mean = new Float64Array(d)
  for (const x of xs) for (let k = 0; k < d; k++) mean[k] += x[k] / n
  let distance = 0
  for (const x of xs) for (let k = 0; k < d; k++) distance += (x[k] - mean[k]) ** 2
  return { distance: distance / n, mean }
}

describe('node/exchange under lib/algorithms gossip', function () {
  this.timeout(10_000)
  let peers: Peer[] = []
  afterEach(async () => { await stopPeers(peers); peers = [] })

  it('a 4-peer ring averages over real streams: the mean is preserved and the consensus distance shrinks by λ₂² a round', async () => {
    const n = 4; const d = 1000; const rounds = 5
    peers = await createPeers(n, { maxMessageBytes: 24 + 4 * d })
    peers.forEach((p, i) => { p.exchange.setNeighbours(ringIds(peers, i)) })
    const rng = createRng(17)
    const algos = peers.map((p, i) => {
      const x0 = new Float32Array(d)
      for (let k = 0; k < d; k++) x0[k] = rng.normal() + i
      return createAlgorithm({ algo: 'gossip' }, { x0, rng: rng.fork(`peer:${i}`), id: p.id })
    })
    const before = spread(algos.map((a) => a.params.slice()))
    const distances = [before.distance]
    for (let r = 0; r < rounds; r++) {
      const reports = await Promise.all(algos.map(async (a, i) => await a.runRound(r, peers[i].exchange, signal())))
      for (const rep of reports) {
        assert.equal(rep.received, 2)
        assert.equal(rep.missing, 0)
        // Metropolis–Hastings on a ring: 1/3 to each neighbour and to self
        assert.ok(Math.abs(rep.row.self - 1 / 3) < 1e-12)
      }
      distances.push(spread(algos.map((a) => a.params.slice())).distance)
    }
    const after = spread(algos.map((a) => a.params.slice()))
    let drift = 0; let norm = 0
    for (let k = 0; k < d; k++) { drift += (after.mean[k] - before.mean[k]) ** 2; norm += before.mean[k] ** 2 }
    assert.ok(Math.sqrt(drift / norm) <= 1e-6, `relative drift of the mean ${Math.sqrt(drift / norm)}`)
    assert.ok(before.distance / after.distance >= 100, `consensus distance ${before.distance} → ${after.distance}`)
    // ring of 4 with weights 1/3: eigenvalues 1/3 + 2/3·cos(2πk/4) = 1, 1/3, −1/3, 1/3, so every component off
    // the mean shrinks by exactly 1/3 a round and the squared distance by 1/9
    for (let r = 1; r <= rounds; r++) {
      const ratio = distances[r] / distances[r - 1]
      assert.ok(Math.abs(ratio - 1 / 9) < 0.01, `round ${r - 1}: contraction ${ratio}, expected 1/9`)
    }
  })
})
