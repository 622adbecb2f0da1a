import assert from 'node:assert/strict'
import { parseFromWorker, parseToWorker } from '../../../node/train-thread/protocol.ts'

describe('node/train-thread protocol: messages between the main thread and the local-steps worker', () => {
  const objective = { steps: 3 }
  it('accepts the messages the two sides send', () => {
    assert.equal(parseToWorker({ type: 'steps', id: 1, steps: 5 }).type, 'steps')
    assert.equal(parseToWorker({ type: 'import', momentum: new Float32Array(2), objective }).type, 'import')
    assert.equal(parseFromWorker({ type: 'ready', dim: 10, backend: 'wasm', objective }).type, 'ready')
    assert.equal(parseFromWorker({ type: 'done', id: 1, loss: 0.5, objective }).type, 'done')
  })

  it('refuses a step count past the config\'s bound (a near-endless loop) and a model dimension below 1, with TrainWorkerProtocolError', () => {
    for (const steps of [100_001, 1e300, -1, 1.5]) {
      assert.throws(() => parseToWorker({ type: 'steps', id: 1, steps }), { name: 'TrainWorkerProtocolError' }, String(steps))
    }
    for (const dim of [0, -1, 1.5]) {
      assert.throws(() => parseFromWorker({ type: 'ready', dim, backend: 'wasm', objective }), { name: 'TrainWorkerProtocolError' }, String(dim))
    }
  })
})
