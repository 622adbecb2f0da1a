import assert from 'node:assert/strict'
import fc from 'fast-check'
import { createSimulation, runSimulation } from '../../../lib/sim/index.ts'
import type { AlgorithmConfig } from '../../../lib/algorithms/index.ts'
import { createRng } from '../../../lib/random/index.ts'
import { exponential, ring, torus } from '../../../topologies/index.ts'
import type { Graph } from '../../../topologies/index.ts'
import { gaussian, relDist, splitProblem } from './helpers.ts'

const n = 8
const problem = splitProblem(n, 10, 40, 3)
const zeros = (): Float32Array => new Float32Array(problem.features)

function mean (vectors: readonly Float32Array[]): Float64Array {
  const out = new Float64Array(vectors[0].length)
  for (const v of vectors) for (let k = 0; k < v.length; k++) out[k] += v[k] / vectors.length
  return out
}

describe('lib/sim: overlap (one-step-stale mixing) on synthetic least squares', () => {
  it('H = 1 without momentum equals combine-then-adapt D-PSGD, x ← Wx − η∇f(x) (Lian et al. 2017), to float32 round-off', async () => {
    const common = { peers: n, topology: torus(n), objective: problem.objective(), x0: gaussian(problem.features), rounds: 60, seed: 4 }
    const overlap = await runSimulation({ ...common, algorithm: { algo: 'dpsgd', lr: 0.05, overlap: true } })
    const cta = await runSimulation({ ...common, algorithm: { algo: 'dpsgd', lr: 0.05, order: 'cta' } })
    const atc = await runSimulation({ ...common, algorithm: { algo: 'dpsgd', lr: 0.05 } })
    for (let i = 0; i < n; i++) {
      const d = relDist(overlap.simulation.peers[i].params, cta.simulation.peers[i].params)
      assert.ok(d < 1e-5, `peer ${i}: ‖overlap − cta‖/‖cta‖ = ${d}`)
    }
    // and it is not simply the synchronous default: atc mixes after the step
    assert.ok(relDist(overlap.simulation.peers[0].params, atc.simulation.peers[0].params) > 1e-4)
  })

  for (const algorithm of [
    { algo: 'dpsgd', lr: 0.05, overlap: true },
    { algo: 'dpsgd', lr: 0.02, momentum: 0.5, localSteps: 3, overlap: true }
  ] satisfies AlgorithmConfig[]) {
    it(`${JSON.stringify(algorithm)} reaches x* with the peers in consensus, as the synchronous run does (full-batch gradients)`, async () => {
      const common = { peers: n, topology: ring(n), objective: problem.objective(), x0: zeros, rounds: 500, seed: 1 }
      const res = await runSimulation({ ...common, algorithm })
      const sync = await runSimulation({ ...common, algorithm: { ...algorithm, overlap: false } })
      const err = relDist(res.average, problem.xStar)
      assert.ok(err < 2e-3, `overlap: ‖x̄ − x*‖/‖x*‖ = ${err}`)
      assert.ok(relDist(sync.average, problem.xStar) < 2e-3)
      const rel = res.last!.consensusDistance / problem.xStar.reduce((s, v) => s + v * v, 0)
      assert.ok(rel < 1e-4, `consensus distance / ‖x*‖² = ${rel}`)
    })
  }

  it('minibatch overlap D-PSGD gets as close to x* as the synchronous run (stochastic gradients, 800 rounds)', async () => {
    const common = { peers: n, topology: ring(n), objective: problem.objective(8), x0: zeros, rounds: 800, seed: 5 }
    const overlap = relDist((await runSimulation({ ...common, algorithm: { algo: 'dpsgd', lr: 0.02, overlap: true } })).average, problem.xStar)
    const sync = relDist((await runSimulation({ ...common, algorithm: { algo: 'dpsgd', lr: 0.02 } })).average, problem.xStar)
    assert.ok(overlap < 3e-2, `overlap ${overlap}`)
    assert.ok(overlap < 1.5 * sync + 5e-3, `overlap ${overlap} vs sync ${sync}`)
  })

  it('is deterministic: the same seed gives the same parameters bit for bit', async () => {
    const opts = { peers: n, topology: ring(n), objective: problem.objective(8), x0: zeros, rounds: 30, seed: 9, dropProbability: 0.1, algorithm: { algo: 'dpsgd' as const, lr: 0.02, overlap: true } }
    const a = await runSimulation(opts)
    const b = await runSimulation(opts)
    for (let i = 0; i < n; i++) assert.deepEqual(a.simulation.peers[i].params, b.simulation.peers[i].params)
  })

  it('law: the average moves by the local steps alone, x̄ᵣ₊₁ = x̄ᵣ − η·(1/n)Σᵢ∇fᵢ(xᵢ,ᵣ), on any graph (mixing term sums to 0)', async () => {
    const graphs: Array<(m: number) => Graph> = [ring, torus, (m) => exponential(m)]
    await fc.assert(fc.asyncProperty(fc.constantFrom(4, 6, 8, 9, 12), fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 1000 }), async (m, g, seed) => {
      const p = splitProblem(m, 6, 10, seed)
      const lr = 0.05
      const sim = createSimulation({ peers: m, topology: graphs[g](m), algorithm: { algo: 'dpsgd', lr, overlap: true }, objective: p.objective(), x0: gaussian(6), rounds: 5, seed })
      // independent full-batch copies of each peer's objective give the gradients the peers take
      const check = Array.from({ length: m }, (_, i) => p.objective()(i, createRng(0)))
      const grad = new Float32Array(6)
      for (let r = 0; r < 5; r++) {
        const before = mean(sim.peers.map((q) => q.params))
        const step = new Float64Array(6)
        for (let i = 0; i < m; i++) {
          check[i].gradient(sim.peers[i].params, grad)
          for (let k = 0; k < 6; k++) step[k] += lr * grad[k] / m
        }
        await sim.step()
        const after = mean(sim.peers.map((q) => q.params))
        for (let k = 0; k < 6; k++) {
          const expected = before[k] - step[k]
          assert.ok(Math.abs(after[k] - expected) <= 1e-5 * (1 + Math.abs(expected)), `round ${r}, k ${k}: ${after[k]} vs ${expected}`)
        }
      }
    }), { numRuns: 25, seed: 11 })
  })

  it('law: gossip with overlap keeps the average and is synchronous gossip bit for bit (it has no local steps to overlap)', async () => {
    await fc.assert(fc.asyncProperty(fc.constantFrom(4, 6, 8, 9, 12, 16), fc.integer({ min: 0, max: 1000 }), async (m, seed) => {
      const common = { peers: m, topology: torus(m), x0: gaussian(20), rounds: 15, seed }
      const res = await runSimulation({ ...common, algorithm: { algo: 'gossip', overlap: true } })
      const sync = await runSimulation({ ...common, algorithm: { algo: 'gossip' } })
      const x0 = createSimulation({ ...common, algorithm: { algo: 'gossip' } }).average()
      assert.ok(relDist(res.average, x0) < 1e-5, `mean moved by ${relDist(res.average, x0)}`)
      for (let i = 0; i < m; i++) assert.deepEqual(res.simulation.peers[i].params, sync.simulation.peers[i].params)
    }), { numRuns: 20, seed: 3 })
  })
})
