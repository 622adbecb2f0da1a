import assert from 'node:assert/strict'
import { createSimulation, runSimulation } from '../../../lib/sim/index.ts'
import type { SimulationOptions, SimulationState } from '../../../lib/sim/index.ts'
import { ring } from '../../../topologies/index.ts'
import { decodeCheckpoint, encodeCheckpoint } from '../../../node/checkpoint/index.ts'
import { checkCheckpointSteps } from '../../../lib/algorithms/index.ts'
import { splitProblem } from '../../lib/sim/helpers.ts'

const n = 6
const problem = splitProblem(n, 12, 30, 5)
const zeros = (): Float32Array => new Float32Array(problem.features)

/** a simulation state through the checkpoint file format and back */
function throughFile (state: SimulationState): SimulationState {
  return (decodeCheckpoint(encodeCheckpoint({ configHash: 'h', round: state.round, writtenAt: 0, state })) as { state: SimulationState }).state
}

describe('checkpointed algorithm state: error-feedback memory and CHOCO copies survive a checkpoint', () => {
  const configs: Array<Pick<SimulationOptions, 'algorithm' | 'dropProbability'>> = [
    { algorithm: { algo: 'dpsgd', lr: 0.05, momentum: 0.9, codec: 'ef(topk:0.25)' } },
    // choco takes no ef(...) codec (its copies are its error feedback): its state is the copies
    { algorithm: { algo: 'choco', lr: 0.05, codec: 'topk:0.25', gamma: 0.2 }, dropProbability: 0.1 }
  ]
  for (const cfg of configs) {
    const opts = (): SimulationOptions => ({ peers: n, topology: ring(n), objective: problem.objective(5), x0: zeros, rounds: 24, seed: 21, ...cfg })

    const ef = cfg.algorithm.algo === 'dpsgd'
    it(`${cfg.algorithm.algo} ${cfg.algorithm.codec ?? ''}: checkpoint at round 12 through the file format, resume == uninterrupted, and the ${ef ? 'error memory is' : 'CHOCO copies are'} what makes it so`, async () => {
      const straight = await runSimulation(opts())
      const first = createSimulation(opts())
      for (let r = 0; r < 12; r++) await first.step()
      const saved = throughFile(first.exportState())
      for (const p of saved.peers) {
        if (ef) {
          assert.ok(p.errorMemory instanceof Float32Array && p.errorMemory.length === problem.features, 'the state holds the ef memory')
          assert.ok(p.errorMemory.some((v) => v !== 0), 'a non-trivial memory')
        } else {
          assert.equal(p.errorMemory, undefined)
          assert.equal(p.choco?.copies.length, 2, 'the CHOCO copies of both ring neighbours')
          assert.ok(p.choco.copies.every((c) => c.values.some((v) => v !== 0)), 'non-trivial copies')
        }
      }
      const resumed = createSimulation(opts())
      resumed.importState(saved)
      for (let r = 12; r < 24; r++) await resumed.step()
      for (let i = 0; i < n; i++) assert.deepEqual(resumed.peers[i].params, straight.simulation.peers[i].params, `peer ${i}`)

      // the same resume without the memory (the copies: zeroed) diverges: the field is not decorative
      const amnesic = createSimulation(opts())
      amnesic.importState({
        ...saved,
        peers: saved.peers.map((p) => ef
          ? { ...p, errorMemory: undefined }
          : { ...p, choco: { ...p.choco!, copies: p.choco!.copies.map((c) => ({ ...c, values: new Float32Array(c.values.length) })) } })
      })
      for (let r = 12; r < 24; r++) await amnesic.step()
      assert.notDeepEqual(amnesic.peers[0].params, straight.simulation.peers[0].params)
    })
  }

  it('a state whose error memory has the wrong length, non-finite values, or belongs to a codec without memory is refused before anything changes', async () => {
    const sim = createSimulation({ peers: n, topology: ring(n), objective: problem.objective(5), x0: zeros, rounds: 4, seed: 3, algorithm: { algo: 'dpsgd', lr: 0.05, codec: 'ef(topk:0.25)' } })
    for (let r = 0; r < 2; r++) await sim.step()
    const good = sim.exportState().peers[0]
    const before = sim.peers[0].exportState()
    const bad = [
      { ...good, errorMemory: new Float32Array(3) },
      { ...good, errorMemory: Float32Array.from(good.errorMemory as Float32Array, (v, i) => i === 2 ? NaN : v) }
    ]
    for (const s of bad) assert.throws(() => { sim.peers[0].importState(s) }, (e: Error) => e.name === 'InvalidAlgorithmStateError')
    assert.deepEqual(sim.peers[0].exportState(), before, 'unchanged')
    const plain = createSimulation({ peers: n, topology: ring(n), objective: problem.objective(5), x0: zeros, rounds: 4, seed: 3, algorithm: { algo: 'dpsgd', lr: 0.05, codec: 'topk:0.25' } })
    assert.throws(() => { plain.peers[0].importState({ ...good }) }, (e: Error) => e.name === 'InvalidAlgorithmStateError')
  })

  it('malformed parts of a state (null objective, choco part or copies of the wrong type) are InvalidAlgorithmStateError, not a TypeError', async () => {
    for (const algorithm of [{ algo: 'dpsgd' as const, lr: 0.05 }, { algo: 'choco' as const, lr: 0.05, gamma: 0.2, codec: 'topk:0.5' }]) {
      const sim = createSimulation({ peers: n, topology: ring(n), objective: problem.objective(5), x0: zeros, rounds: 2, seed: 3, algorithm })
      await sim.step()
      const good = sim.peers[0].exportState()
      const bad: unknown[] = [{ ...good, objective: null }]
      if (algorithm.algo === 'choco') {
        bad.push({ ...good, choco: null }, { ...good, choco: { ...good.choco, copies: 1 } }, { ...good, choco: { ...good.choco, copies: [null] } })
      }
      for (const s of bad) {
        assert.throws(() => { sim.peers[0].importState(s as typeof good) }, (e: Error) => e.name === 'InvalidAlgorithmStateError', JSON.stringify(s, (_k, v) => v instanceof Float32Array ? 'f32' : v))
      }
      assert.deepEqual(sim.peers[0].exportState(), good, 'unchanged')
    }
  })

  for (const algorithm of [{ algo: 'dpsgd' as const, lr: 0.05, localSteps: 3 }, { algo: 'choco' as const, lr: 0.05, gamma: 0.2, localSteps: 3 }]) {
    it(`${algorithm.algo}: a checkpointed state that has drawn more minibatches than its round allows (localSteps a round) is refused; importState still takes a rejoin's data position ahead of its round`, async () => {
      const sim = createSimulation({ peers: n, topology: ring(n), objective: problem.objective(5), x0: zeros, rounds: 4, seed: 3, algorithm })
      for (let r = 0; r < 2; r++) await sim.step()
      const good = sim.peers[0].exportState()
      assert.equal(good.objective?.steps, 6, 'two rounds of three local steps')
      checkCheckpointSteps(good, 3)
      for (const steps of [7, 2 ** 52]) {
        assert.throws(() => { checkCheckpointSteps({ ...good, objective: { steps } }, 3) },
          (e: Error) => e.name === 'InvalidAlgorithmStateError' && /at most 6 minibatches/.test(e.message))
      }
      // rejoinState: the run's join round (1) is below this peer's checkpoint (2); its data position stays
      sim.peers[0].importState({ ...good, round: 1 })
      assert.equal(sim.peers[0].exportState().objective?.steps, 6)
    })
  }
})
