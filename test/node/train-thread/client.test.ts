import assert from 'node:assert/strict'
import { LocalTrainer, Sgd, resolveConfig } from '../../../lib/algorithms/index.ts'
import { algorithmConfig, prepareTraining, resolveRunConfig } from '../../../lib/experiment/index.ts'
import type { RunConfig } from '../../../lib/experiment/index.ts'
import { peerStreams } from '../../../lib/sim/index.ts'
import { startTrainWorker } from '../../../node/train-thread/index.ts'
import type { TrainWorker } from '../../../node/train-thread/index.ts'

const SLOT = 1

/** the peer's in-thread trainer for SLOT, built as node/peer/peer.ts and the simulator build it */
async function inThread (config: RunConfig): Promise<{ trainer: LocalTrainer, x0: Float32Array, dim: number, backend: string, dispose: () => void }> {
  const training = await prepareTraining(config, { slot: SLOT })
  const streams = peerStreams(config.seed, SLOT)
  const c = resolveConfig(algorithmConfig(config))
  const trainer = new LocalTrainer(training.objective!(SLOT, streams.objective), new Sgd(training.dim, c.lr, c.momentum, c.weightDecay))
  return { trainer, x0: training.x0(SLOT, streams.x0).slice(), dim: training.dim, backend: training.backend!, dispose: training.dispose }
}

describe('node/train-thread: the local steps in a worker thread', function () {
  this.timeout(20_000)
  const config = resolveRunConfig({ peers: 4, algo: 'dpsgd', overlap: true, dataset: 'mnist', model: 'softmax', batch: 8, localSteps: 3, momentum: 0.9, lr: 0.05, backend: 'cpu', seed: 5 })
  let worker: TrainWorker | undefined
  afterEach(async () => { await worker?.close(); worker = undefined })

  it('3 rounds of 3 steps with momentum: parameters, losses, momentum and data position equal the in-thread trainer\'s bit for bit', async () => {
    const local = await inThread(config)
    try {
      worker = await startTrainWorker({ config, slot: SLOT, dim: local.dim, backend: local.backend })
      assert.deepEqual(worker.exportState().objective, { steps: 0 })
      const a = local.x0.slice()
      const b = local.x0.slice()
      for (let r = 0; r < 3; r++) {
        const lossA = local.trainer.steps(a, 3)
        const lossB = await worker.steps(b, 3)
        assert.equal(lossB, lossA, `round ${r}`)
        assert.deepEqual(b, a, `round ${r}`)
      }
      assert.ok(a.some((v, i) => v !== local.x0[i]), 'the steps moved the parameters')
      const held = worker.exportState()
      assert.deepEqual(held.momentum, local.trainer.optimizer.velocity)
      assert.ok(held.momentum.some((v) => v !== 0))
      assert.deepEqual(held.objective, local.trainer.objective.exportState!())
    } finally {
      local.dispose()
    }
  })

  it('importState (a resume from a checkpoint) continues exactly like the in-thread trainer that wrote it', async () => {
    const local = await inThread(config)
    try {
      const x = local.x0.slice()
      local.trainer.steps(x, 5)
      const saved = { momentum: local.trainer.optimizer.velocity.slice(), objective: local.trainer.objective.exportState!() }
      worker = await startTrainWorker({ config, slot: SLOT, dim: local.dim, backend: local.backend })
      worker.importState(saved.momentum, saved.objective)
      assert.deepEqual(worker.exportState(), saved)
      const y = x.slice()
      local.trainer.steps(x, 4)
      await worker.steps(y, 4)
      assert.deepEqual(y, x)
      assert.deepEqual(worker.exportState().momentum, local.trainer.optimizer.velocity)
      assert.deepEqual(worker.exportState().objective, { steps: 9 })
    } finally {
      local.dispose()
    }
  })

  describe('failures become typed errors', () => {
    const fixture = new URL('./fixtures/misbehave.ts', import.meta.url)
    const start = async (how: string, startTimeoutMs?: number): Promise<TrainWorker> =>
      await startTrainWorker({ config: { ...config, runId: how }, slot: SLOT, dim: 10, backend: 'cpu', entry: fixture, startTimeoutMs })

    it('a setup that fails in the worker (no data in --own-data) is a TrainWorkerStartError', async () => {
      await assert.rejects(startTrainWorker({ config, slot: SLOT, ownDataDir: '/nonexistent/murmur-data', dim: 7850, backend: 'cpu' }), { name: 'TrainWorkerStartError' })
    })

    it('a worker whose model differs from the peer\'s, or runs another backend, is refused with TrainWorkerStartError', async () => {
      await assert.rejects(startTrainWorker({ config, slot: SLOT, dim: 11, backend: 'cpu' }), { name: 'TrainWorkerStartError' })
      await assert.rejects(startTrainWorker({ config: { ...config, runId: 'fine' }, slot: SLOT, dim: 10, backend: 'wasm', entry: fixture }), { name: 'TrainWorkerStartError' })
    })

    it('a worker that throws while starting, or never reports ready, is a TrainWorkerStartError', async () => {
      await assert.rejects(start('throw-at-start'), { name: 'TrainWorkerStartError' })
      await assert.rejects(start('silent-at-start', 300), { name: 'TrainWorkerStartError' })
    })

    it('a worker that exits during the steps: TrainWorkerCrashedError for that call and every later one, x untouched', async () => {
      worker = await start('exit-on-steps')
      const x = new Float32Array(10).fill(1)
      await assert.rejects(worker.steps(x, 2), { name: 'TrainWorkerCrashedError' })
      assert.deepEqual(x, new Float32Array(10).fill(1))
      await assert.rejects(worker.steps(x, 2), { name: 'TrainWorkerCrashedError' })
    })

    it('a malformed reply or a reply to another call is a TrainWorkerProtocolError', async () => {
      worker = await start('garbage-on-steps')
      await assert.rejects(worker.steps(new Float32Array(10), 1), { name: 'TrainWorkerProtocolError' })
      await worker.close()
      worker = await start('wrong-id-on-steps')
      await assert.rejects(worker.steps(new Float32Array(10), 1), { name: 'TrainWorkerProtocolError' })
    })

    it('a second call while steps run is a TrainWorkerProtocolError; close() rejects the pending one with TrainWorkerClosedError, and later ones', async () => {
      worker = await start('hang-on-steps')
      const first = worker.steps(new Float32Array(10), 1)
      await assert.rejects(worker.steps(new Float32Array(10), 1), { name: 'TrainWorkerProtocolError' })
      assert.throws(() => { worker!.importState(new Float32Array(10), undefined) }, { name: 'TrainWorkerProtocolError' })
      const closed = assert.rejects(first, { name: 'TrainWorkerClosedError' })
      await worker.close()
      await closed
      await assert.rejects(worker.steps(new Float32Array(10), 1), { name: 'TrainWorkerClosedError' })
    })
  })
})
