import assert from 'node:assert/strict'
import { runExperiment } from '../../../lib/experiment/index.ts'
import type { ExperimentConfig } from '../../../lib/experiment/index.ts'

/** the message of the RunDivergedError a run stops with (a step size far too large: seeded, a few dozen rounds) */
async function divergence (partial: Partial<ExperimentConfig>): Promise<string> {
  try {
    await runExperiment({ peers: 2, model: 'mlp:16', lr: 1000, batch: 8, rounds: 200, evalEvery: 0, seed: 1, backend: 'cpu', ...partial })
  } catch (err: any) {
    assert.equal(err.name, 'RunDivergedError', err.message)
    return err.message
  }
  return assert.fail(`${JSON.stringify(partial)} did not diverge`)
}

describe('lib/experiment runExperiment: a diverging run with a lossy codec', function () {
  this.timeout(20_000)

  it('names the codec as a likely cause and what to use instead (D-PSGD: fp16, ef(topk:F), CHOCO-SGD), the step size after it', async () => {
    // the user's case (randk:0.1), and following the old advice (ef(qsgd:16)), which diverged as well
    for (const [codec, inner] of [['randk:0.1', 'randk:0.1'], ['ef(qsgd:16)', 'qsgd:16']]) {
      const message = await divergence({ algo: 'dpsgd', codec })
      assert.ok(message.includes(`the lossy codec ${codec} is a likely cause: dpsgd mixes the decoded models themselves, so the codec's error goes into every model and grows ` +
        `(use --codec fp16 or ef(topk:0.1), or --algo choco --codec ${inner} --lr 0.02); or a step size too large (try a smaller --lr)`), message)
    }
  })

  it('CHOCO-SGD with a lossy codec: the codec and a smaller --gamma are named', async () => {
    const message = await divergence({ algo: 'choco', codec: 'qsgd:16' })
    assert.match(message, /: the lossy codec qsgd:16 is a likely cause: CHOCO-SGD moves each model by γ 0\.05 times .*\(use a smaller --gamma, or --lr 0\.02: .*\); or a step size too large/, message)
    const large = await divergence({ algo: 'choco', codec: 'qsgd:16', gamma: 1 })
    assert.match(large, /\(use --gamma 0\.05, the default for a lossy codec, and --lr 0\.02: /, large)
  })

  it('without compression, or with fp16, only the step size is blamed', async () => {
    for (const codec of ['none', 'fp16']) {
      const message = await divergence({ algo: 'dpsgd', codec })
      assert.doesNotMatch(message, /codec/, message)
      assert.match(message, /step size too large/, message)
    }
  })
})
