import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import * as tf from '@tensorflow/tfjs'
import { activeBackend, createModel, initBackend } from '../../../lib/model/index.ts'
import type { BackendRequest, ModelSpec } from '../../../lib/model/index.ts'
import { randomBatch } from './helpers.ts'

/** Whether the optional native backend is installed here (it cannot be on the project's offline machines). */
function tfjsNodeInstalled (): boolean {
  try {
    createRequire(import.meta.url).resolve('@tensorflow/tfjs-node')
    return true
  } catch {
    return false
  }
}

describe('lib/model backends', function () {
  after(async () => { await initBackend('cpu') })

  it("initBackend('cpu') makes cpu active and is idempotent, also when called concurrently", async () => {
    assert.equal(await initBackend('cpu'), 'cpu')
    assert.equal(activeBackend(), 'cpu')
    assert.deepEqual(await Promise.all([initBackend('cpu'), initBackend('cpu')]), ['cpu', 'cpu'])
    assert.equal(activeBackend(), 'cpu')
  })

  it('rejects an unknown backend name with UnknownBackendError', async () => {
    await assert.rejects(initBackend('webgpu' as BackendRequest), { name: 'UnknownBackendError' })
  })

  it("'tensorflow' is BackendUnavailableError where tfjs-node is missing, and the active backend stays", async () => {
    await initBackend('cpu')
    if (tfjsNodeInstalled()) {
      assert.equal(await initBackend('tensorflow'), 'tensorflow')
      return
    }
    await assert.rejects(initBackend('tensorflow'), { name: 'BackendUnavailableError' })
    assert.equal(activeBackend(), 'cpu')
  })

  it("'auto' picks the first backend that loads: wasm when tfjs-node is missing", async () => {
    const chosen = await initBackend('auto')
    assert.equal(chosen, tfjsNodeInstalled() ? 'tensorflow' : 'wasm')
    assert.equal(activeBackend(), chosen)
    assert.equal(await initBackend('auto'), chosen)
  })

  it('wasm computes the same loss and gradient as cpu, without leaks (mlp and cnn: wasm lacks tfjs conv gradient kernels)', async () => {
    const specs: ModelSpec[] = [
      { kind: 'mlp', features: 12, classes: 4, hidden: [8] },
      { kind: 'cnn', features: 8 * 8, classes: 3, imageShape: [8, 8, 1], filters: [2, 3], hidden: 4 }
    ]
    for (const spec of specs) {
      const model = createModel(spec)
      const params = model.init(5)
      const data = randomBatch(6, spec.features, spec.classes, 6)
      const run = async (backend: 'cpu' | 'wasm'): Promise<{ loss: number, grad: Float32Array, accuracy: number }> => {
        assert.equal(await initBackend(backend), backend)
        const tensors = tf.memory().numTensors
        const grad = new Float32Array(model.dim)
        const loss = model.lossAndGradient(params, data.x, data.y, data.n, grad)
        const accuracy = model.evaluate(params, data).accuracy
        assert.equal(tf.memory().numTensors, tensors, `${backend} leaks no tensor`)
        return { loss, grad, accuracy }
      }
      const cpu = await run('cpu')
      const wasm = await run('wasm')
      assert.ok(Math.abs(cpu.loss - wasm.loss) < 1e-5 * cpu.loss, `${spec.kind} loss ${cpu.loss} vs ${wasm.loss}`)
      assert.equal(wasm.accuracy, cpu.accuracy)
      let scale = 0; let err = 0
      for (let i = 0; i < model.dim; i++) {
        scale = Math.max(scale, Math.abs(cpu.grad[i]))
        err = Math.max(err, Math.abs(cpu.grad[i] - wasm.grad[i]))
      }
      assert.ok(scale > 0 && err < 1e-4 * scale, `${spec.kind} gradient differs by ${err} (scale ${scale})`)
    }
  })
})
