/**
 * The local-steps worker (run by client.ts as a `node:worker_threads` Worker, never imported). It builds the peer's
 * objective and optimizer with the same code, config, slot and random stream as the main thread (prepareTraining,
 * peerStreams, LocalTrainer), so its steps are the in-thread steps bit for bit, and then answers 'steps' messages:
 * parameters in from the shared buffer, H steps, parameters and momentum back, loss and data position in the reply.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { LocalTrainer, resolveConfig, Sgd } from '../../lib/algorithms/index.ts'
import { algorithmConfig, prepareTraining } from '../../lib/experiment/index.ts'
import { peerStreams } from '../../lib/sim/index.ts'
import { allocVector } from '../../lib/vector/index.ts'
import { parseToWorker } from './protocol.ts'
import type { FromWorker, WorkerInit } from './protocol.ts'

const port = parentPort
if (port === null) throw new Error('node/train-thread/worker.ts runs as a worker thread (started by startTrainWorker), not on its own')
const post = (msg: FromWorker): void => { port.postMessage(msg) }
const failure = (id: number | undefined, err: unknown): FromWorker => ({
  type: 'failed', id, name: (err as Error)?.name ?? 'Error', message: (err as Error)?.message ?? String(err)
})

try {
  const init = workerData as WorkerInit
  const training = await prepareTraining(init.config, { slot: init.slot, ownDataDir: init.ownDataDir })
  if (training.objective === undefined) throw new Error(`algo ${init.config.algo} takes no local steps: a local-steps worker has nothing to do`)
  const objective = training.objective(init.slot, peerStreams(init.config.seed, init.slot).objective)
  const c = resolveConfig(algorithmConfig(init.config))
  const optimizer = new Sgd(training.dim, c.lr, c.momentum, c.weightDecay)
  const trainer = new LocalTrainer(objective, optimizer)
  const params = new Float32Array(init.params)
  const momentum = new Float32Array(init.momentum)
  if (params.length !== training.dim) throw new Error(`the parameter buffer holds ${params.length} floats, the model ${training.dim}`)
  if (momentum.length !== optimizer.velocity.length) throw new Error(`the momentum buffer holds ${momentum.length} floats, the optimizer ${optimizer.velocity.length}`)
  // the steps run on a vector of the same kind as the main thread's overlap copy (lib/vector's arena)
  const x = allocVector(training.dim)
  port.on('message', (raw: unknown) => {
    let id: number | undefined
    try {
      const msg = parseToWorker(raw)
      if (msg.type === 'import') {
        if (msg.momentum.length !== optimizer.velocity.length) throw new Error(`imported momentum holds ${msg.momentum.length} floats, the optimizer ${optimizer.velocity.length}`)
        optimizer.velocity.set(msg.momentum)
        momentum.set(msg.momentum)
        if (msg.objective !== undefined) objective.importState?.(msg.objective)
        return
      }
      id = msg.id
      x.set(params)
      const loss = trainer.steps(x, msg.steps)
      params.set(x)
      momentum.set(optimizer.velocity)
      post({ type: 'done', id: msg.id, loss, objective: objective.exportState?.() })
    } catch (err) {
      post(failure(id, err))
    }
  })
  post({ type: 'ready', dim: training.dim, backend: training.backend ?? 'none', objective: objective.exportState?.() })
} catch (err) {
  post(failure(undefined, err))
}
