import assert from 'node:assert/strict'
import { createRng } from '../../../lib/random/index.ts'
import { createSimulation } from '../../../lib/sim/index.ts'
import { meanAndSpread } from '../../../lib/vector/index.ts'
import { buildGraph } from '../../../topologies/index.ts'
import { SKETCH_SIZE, consensusFromSketches, sketch, sketchInto, sketchSeed } from '../../../node/telemetry/index.ts'

/** (1/n) Σ‖x_i − x̄‖², exact (lib/vector, float64 accumulation) */
function exact (xs: Float32Array[]): number {
  return meanAndSpread(xs, new Float32Array(xs[0].length))
}

function estimate (xs: Float32Array[], seed: number): number {
  return consensusFromSketches(xs.map((x) => sketch(x, seed, SKETCH_SIZE)))
}

function gaussianPeers (n: number, d: number, seed: number, spread: number): Float32Array[] {
  const rng = createRng(seed)
  const common = Float32Array.from({ length: d }, () => 10 * rng.normal())
  return Array.from({ length: n }, () => Float32Array.from(common, (c) => c + spread * rng.normal()))
}

describe('node/telemetry consensus sketch', () => {
  it('is linear: the sketch of a combination is the combination of the sketches', () => {
    const rng = createRng(1)
    const a = Float32Array.from({ length: 1000 }, () => rng.normal())
    const b = Float32Array.from({ length: 1000 }, () => rng.normal())
    const sum = Float32Array.from(a, (v, i) => 2 * v - b[i])
    const sa = sketchInto(a, 7, new Float64Array(64))
    const sb = sketchInto(b, 7, new Float64Array(64))
    const ss = sketchInto(sum, 7, new Float64Array(64))
    for (let i = 0; i < 64; i++) assert.ok(Math.abs(ss[i] - (2 * sa[i] - sb[i])) < 1e-4)
  })

  it('is exactly 0 for identical peers and scales with the square of the spread', () => {
    const x = gaussianPeers(1, 500, 2, 0)[0]
    assert.equal(estimate([x, x, x], 3), 0)
    const xs = gaussianPeers(6, 500, 3, 1)
    const doubled = xs.map((v) => Float32Array.from(v, (t) => 2 * t))
    const e1 = estimate(xs, 11)
    assert.ok(Math.abs(estimate(doubled, 11) / e1 - 4) < 1e-5)
  })

  it('is unbiased: over 200 sketch seeds its mean is within 3 % of the exact distance', () => {
    const xs = gaussianPeers(8, 2000, 4, 0.5)
    const truth = exact(xs)
    let sum = 0
    for (let s = 0; s < 200; s++) sum += estimate(xs, sketchSeed(1, s))
    assert.ok(Math.abs(sum / 200 / truth - 1) < 0.03, `mean estimate ${sum / 200} vs exact ${truth}`)
  })

  it('measures a disagreement on a single coordinate exactly, under every map', () => {
    const xs = Array.from({ length: 4 }, (_, i) => { const x = new Float32Array(3000); x[17] = i; return x })
    for (let s = 0; s < 20; s++) assert.ok(Math.abs(estimate(xs, s) / exact(xs) - 1) < 1e-6)
  })

  it('tracks the simulator\'s exact consensus distance of gossip on a ring of 16, round by round', async () => {
    const n = 16
    const d = 4000
    const sim = createSimulation({
      peers: n, topology: buildGraph('ring', n), algorithm: { algo: 'gossip' }, rounds: 40, seed: 5,
      x0: (_, rng) => Float32Array.from({ length: d }, () => rng.normal())
    })
    const ratios: number[] = []
    for (let r = 0; r < 40; r++) {
      const m = await sim.step()
      const est = estimate(sim.peers.map((p) => p.params), sketchSeed(5, r + 1))
      const ratio = est / m.consensusDistance
      // single rounds: a loose band (relative sd ≤ sqrt(2/128) = 12.5 %, in practice far less with 16 peers)
      assert.ok(ratio > 0.7 && ratio < 1.3, `round ${r + 1}: estimate ${est} vs exact ${m.consensusDistance}`)
      ratios.push(Math.log(ratio))
    }
    const meanLog = ratios.reduce((s, v) => s + v, 0) / ratios.length
    assert.ok(Math.abs(meanLog) < 0.03, `geometric mean ratio ${Math.exp(meanLog)} over 40 rounds`)
  })

  it('refuses a bucket count that is not a power of two', () => {
    assert.throws(() => sketchInto(new Float32Array(4), 1, new Float64Array(100)), { name: 'InvalidSketchError' })
    assert.throws(() => consensusFromSketches([]), { name: 'InvalidSketchError' })
  })
})
