import assert from 'node:assert/strict'
import { syntheticLeastSquares } from '../../../lib/data/index.ts'
import { leastSquares } from '../../../lib/objectives/index.ts'
import { runSimulation } from '../../../lib/sim/index.ts'
import { buildGraph } from '../../../topologies/index.ts'

/**
 * The Byzantine claim on a problem with a known optimum, in the simulator: 16 peers on the exponential
 * graph (7 neighbours each, so a peer next to both attackers keeps 5 honest ones), D-PSGD on least squares,
 * peers 3 and 11 attacking. Measured: the honest peers' mean distance to x*.
 */
const PEERS = 16
const ATTACKERS = [3, 11]
const FEATURES = 20
const problem = syntheticLeastSquares({ samples: PEERS * 40, features: FEATURES, noise: 0.1, seed: 5 })
const graph = buildGraph('exponential', PEERS, { seed: 1 })

async function honestError (aggregate: string, attack?: string, rounds = 150): Promise<{ error: number, nonFinite: number }> {
  const { simulation, last } = await runSimulation({
    peers: PEERS,
    topology: graph,
    algorithm: { algo: 'dpsgd', lr: 0.05, aggregate },
    rounds,
    seed: 2,
    x0: () => new Float32Array(FEATURES),
    objective: (i) => leastSquares({ a: problem.a, b: problem.b, features: FEATURES, rows: Array.from({ length: 40 }, (_, k) => i * 40 + k) }),
    ...(attack !== undefined ? { attack: { spec: attack, peers: ATTACKERS } } : {})
  })
  let sum = 0
  let count = 0
  simulation.peers.forEach((p, i) => {
    if (ATTACKERS.includes(i)) return
    let s = 0
    for (let j = 0; j < FEATURES; j++) s += (p.params[j] - problem.xStar[j]) ** 2
    sum += Math.sqrt(s)
    count++
  })
  return { error: sum / count, nonFinite: last?.rejected.nonFinite ?? 0 }
}

describe('lib/algorithms aggregate in the simulator: attacked least squares (16 peers, 2 attackers)', function () {
  this.timeout(10_000)
  let clean: number
  const scale = Math.hypot(...problem.xStar)

  before(async () => {
    clean = (await honestError('mean')).error
    assert.ok(clean < 0.05 * scale, `attack-free D-PSGD converges (error ${clean}, ‖x*‖ ${scale})`)
  })

  it('without attack, clip:auto and trimmed:2 reach the same accuracy as mean', async () => {
    assert.ok((await honestError('clip:auto')).error < clean + 0.01 * scale)
    assert.ok((await honestError('trimmed:2')).error < clean + 0.01 * scale)
  })

  for (const attack of ['signflip', 'ipm:2', 'gaussian:10']) {
    it(`${attack}: mean is pulled far from x*, clip:auto stays close to the attack-free run`, async () => {
      const mean = (await honestError('mean', attack)).error
      const clip = (await honestError('clip:auto', attack)).error
      assert.ok(mean > 0.3 * scale, `mean under ${attack}: error ${mean} vs ‖x*‖ ${scale}`)
      assert.ok(clip < clean + 0.05 * scale, `clip:auto under ${attack}: error ${clip}, attack-free ${clean}`)
    })
  }

  it('nan: every honest receiver rejects and counts the messages, and the models stay finite', async () => {
    const rounds = 20
    const { error, nonFinite } = await honestError('mean', 'nan', rounds)
    assert.ok(Number.isFinite(error))
    // every receiver of an attacker's message rejects it: its 7 neighbours each (the other attacker too,
    // which runs the honest algorithm for its own state; 3 and 11 = 3 + 8 are neighbours here)
    let receivers = 0
    for (const a of ATTACKERS) receivers += graph.adjacency[a].length
    assert.equal(nonFinite, receivers, 'the last round rejected one message per edge from an attacker')
  })
})
