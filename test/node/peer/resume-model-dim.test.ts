/**
 * --resume of a training run, whose agreed dim is its model's parameter count: a checkpoint of an older murmur
 * (dim null in its config and hash) still loads when its model fits, and is refused with the reason when it does not;
 * a checkpoint of another model size names dim and the likely cause.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createAlgorithm } from '../../../lib/algorithms/index.ts'
import type { LocalObjective, PeerAlgorithm } from '../../../lib/algorithms/index.ts'
import { agreedConfig, algorithmConfig, configHash, legacyConfigHash, resolveRunConfig, withModelDim } from '../../../lib/experiment/index.ts'
import type { RunConfig } from '../../../lib/experiment/index.ts'
import { createRng } from '../../../lib/random/index.ts'
import { writeCheckpoint } from '../../../node/checkpoint/index.ts'
import { CHECKPOINT_DIR } from '../../../node/peer/index.ts'
import { resumeFromCheckpoint } from '../../../node/peer/resume.ts'

const DIM = 16
const dirs: string[] = []
/** a zero gradient: resuming trains nothing, it only needs an objective of the model's size */
const objective = (dim: number): LocalObjective => ({ dim, gradient: (_x, grad) => { grad.fill(0); return 0 } })

function setup (dim = DIM): { config: RunConfig, algorithm: PeerAlgorithm } {
  const config = withModelDim(resolveRunConfig({ algo: 'dpsgd', peers: 3, rounds: 100, runId: 'resume-model-dim' }), dim)
  return { config, algorithm: createAlgorithm(algorithmConfig(config), { x0: new Float32Array(dim), objective: objective(dim), rng: createRng(1), id: 'me' }) }
}

/** a data dir holding one checkpoint of round 30, of a model of `dim` parameters; `legacy`: as an older murmur wrote it */
function dataDir (dim: number, legacy: boolean): string {
  const { config, algorithm } = setup(dim)
  const dir = mkdtempSync(join(tmpdir(), 'murmur-resume-model-dim-'))
  dirs.push(dir)
  const state = { ...algorithm.exportState(), round: 30, params: new Float32Array(dim).fill(30) }
  const hash = legacy ? legacyConfigHash(config) : configHash(config)
  writeCheckpoint(join(dir, CHECKPOINT_DIR), { configHash: hash, round: 30, writtenAt: 1, config: { ...agreedConfig(config), ...(legacy ? { dim: null } : {}) }, slot: 0, state })
  return dir
}

describe('node/peer resume: a training run\'s model size', () => {
  after(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }) })

  it('an older murmur\'s checkpoint (dim null) of this model size is resumed, saying so', () => {
    // before the change the same hash; after it, without the fallback: ResumeFailedError "written by a run with another config (dim: this run 16, checkpoint null)"
    const { config, algorithm } = setup()
    const log: string[] = []
    const resumed = resumeFromCheckpoint(dataDir(DIM, true), config, algorithm, (l) => { log.push(l) }, { slot: 0 })
    assert.equal(resumed?.round, 30)
    assert.equal(algorithm.round, 30)
    assert.ok(log.some((l) => /written by an older murmur, whose config left out the model's size \(dim null\)/.test(l)), log.join('\n'))
  })

  it('an older murmur\'s checkpoint of another model size: ResumeFailedError with the algorithm\'s reason', () => {
    const { config, algorithm } = setup()
    assert.throws(() => resumeFromCheckpoint(dataDir(8, true), config, algorithm, () => {}, { slot: 0 }), (err: Error) => {
      assert.equal(err.name, 'ResumeFailedError')
      assert.doesNotMatch(err.message, /another config/, err.message)
      assert.match(err.message, /params: expected a Float32Array of length 16, got length 8/, err.message)
      return true
    })
  })

  it('a checkpoint of another model size: ResumeFailedError naming dim, both sizes and the likely cause', () => {
    const { config, algorithm } = setup()
    assert.throws(() => resumeFromCheckpoint(dataDir(8, false), config, algorithm, () => {}, { slot: 0 }), (err: Error) => {
      assert.equal(err.name, 'ResumeFailedError')
      assert.match(err.message, /dim: this run 16, checkpoint 8 \(the model sizes differ/, err.message)
      return true
    })
  })
})
