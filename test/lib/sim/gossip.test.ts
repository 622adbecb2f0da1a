import assert from 'node:assert/strict'
import { createSimulation, runSimulation } from '../../../lib/sim/index.ts'
import type { RoundMetrics } from '../../../lib/sim/index.ts'
import { lambda2, mixingMatrix, ring, torus } from '../../../topologies/index.ts'
import { encodeFrame } from '../../../lib/algorithms/index.ts'
import { gaussian } from './helpers.ts'

function sumOf (vs: readonly Float32Array[], d: number): Float64Array {
  const s = new Float64Array(d)
  for (const v of vs) for (let k = 0; k < d; k++) s[k] += v[k]
  return s
}

describe('lib/sim gossip averaging', () => {
  for (const { name, graph, from, to } of [
    // ring of 16: the next mode decays (0.805/0.949)² ≈ 0.72 a round faster, so burn in 20 rounds
    { name: 'ring of 16', graph: ring(16), from: 20, to: 45 },
    // 4×4 torus: λ₂ = 0.6, the squared distance reaches float32 round-off near round 30 (d = 1000)
    { name: '4×4 torus', graph: torus(16), from: 3, to: 15 }
  ]) {
    it(`${name}: preserves the mean and contracts the consensus distance by λ₂² a round`, async () => {
      const n = 16; const d = 1000
      const sim = createSimulation({ peers: n, topology: graph, algorithm: { algo: 'gossip' }, x0: gaussian(d), rounds: to, seed: 4 })
      const start = sumOf(sim.peers.map((p) => p.params), d)
      const l2 = lambda2(mixingMatrix(graph))
      const history: RoundMetrics[] = []
      for (let r = 0; r < to; r++) history.push(await sim.step())
      assert.ok(Math.abs(history[0].lambda2 - l2) < 1e-12)
      for (let r = from; r < to; r++) {
        const ratio = history[r].consensusDistance / history[r - 1].consensusDistance
        assert.ok(Math.abs(ratio / (l2 * l2) - 1) < 0.03, `round ${r}: ratio ${ratio}, λ₂² ${l2 * l2}`)
      }
      const end = sumOf(sim.peers.map((p) => p.params), d)
      let drift = 0; let norm = 0
      for (let k = 0; k < d; k++) { drift += (end[k] - start[k]) ** 2; norm += start[k] ** 2 }
      assert.ok(Math.sqrt(drift / norm) <= 1e-6, `relative drift of the mean ${Math.sqrt(drift / norm)}`)
    })
  }

  it('realised rows sum to 1 and are what was mixed, with drops and offline peers; missing weight goes to self', async () => {
    const n = 12; const d = 4
    const graph = torus(n)
    const W = mixingMatrix(graph)
    // x_i = (i + 1)·(1, 1, 1, 1): after a round x_i must be Σ_j row_ij (j + 1)
    const sim = createSimulation({ peers: n, topology: graph, algorithm: { algo: 'gossip' }, x0: (i) => new Float32Array(d).fill(i + 1), rounds: 6, seed: 9, dropProbability: 0.3, offlineProbability: 0.2 })
    let sawMissing = 0; let sawOffline = 0
    for (let r = 0; r < 6; r++) {
      const before = sim.peers.map((p) => p.params[0])
      const m = await sim.step()
      sawMissing += m.missing; sawOffline += n - m.online
      // reports come in peer order, one per peer that was online
      let k = 0
      for (let i = 0; i < n; i++) {
        if (sim.peers[i].round !== r + 1) { assert.equal(sim.peers[i].params[0], before[i], 'an offline peer does not move'); continue }
        const rep = m.reports[k++]
        const row = rep.row
        let sum = row.self; let expected = row.self * before[i]
        assert.ok(row.self >= W.data[i * n + i] - 1e-15, 'self weight only grows')
        for (const nb of row.neighbours) {
          const j = sim.network.ids.indexOf(nb.id)
          assert.equal(nb.weight, W.data[i * n + j])
          sum += nb.weight; expected += nb.weight * before[j]
        }
        assert.ok(Math.abs(sum - 1) < 1e-12, `row of ${i} sums to ${sum}`)
        assert.equal(row.neighbours.length, rep.received - (rep.rejected.malformed + rep.rejected.wrongSize + rep.rejected.nonFinite + rep.rejected.outOfStep))
        assert.equal(rep.received + rep.missing, graph.adjacency[i].length)
        assert.ok(Math.abs(sim.peers[i].params[0] - expected) < 1e-5, `peer ${i}: ${sim.peers[i].params[0]} vs ${expected}`)
      }
    }
    assert.ok(sawMissing > 0 && sawOffline > 0, 'the test must exercise drops and offline peers')
  })

  it('skips and counts non-finite, truncated and wrong-size payloads; models stay finite', async () => {
    const n = 8; const d = 16
    let garbled = 0
    const res = await runSimulation({
      peers: n, topology: ring(n), algorithm: { algo: 'gossip' }, x0: gaussian(d), rounds: 9, seed: 2,
      intercept: ({ round, from, to, payload }) => {
        if ((round + from + to) % 4 !== 0) return undefined
        garbled++
        const kind = (round + from) % 3
        if (kind === 0) { const c = payload.slice(); new DataView(c.buffer).setFloat32(24 + 4 * (round % d), NaN, true); return c }
        if (kind === 1) return payload.subarray(0, payload.length - 3)
        return encodeFrame({ kind: 'model', encoding: 'raw', round, base: 0, dim: d - 1, resync: [] }, payload.subarray(24, 24 + 4 * (d - 1)))
      }
    }, {
      onRound: (m) => {
        for (const rep of m.reports) assert.ok(Math.abs(rep.row.self + rep.row.neighbours.reduce((s, x) => s + x.weight, 0) - 1) < 1e-12)
      }
    })
    const counts = res.simulation.peers.map((p) => p.rejected)
    const nonFinite = counts.reduce((s, c) => s + c.nonFinite, 0)
    const malformed = counts.reduce((s, c) => s + c.malformed, 0)
    const wrongSize = counts.reduce((s, c) => s + c.wrongSize, 0)
    assert.ok(nonFinite > 0 && malformed > 0 && wrongSize > 0, `${nonFinite} ${malformed} ${wrongSize}`)
    assert.equal(nonFinite + malformed + wrongSize, garbled)
    for (const p of res.simulation.peers) assert.ok(p.params.every(Number.isFinite))
  })
})
