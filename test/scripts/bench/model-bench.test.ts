/**
 * The compute bench (scripts/bench/model.ts): our timed step is the same work as PyTorch's (gradient and SGD update,
 * on a copy of the parameters), and a PyTorch on Debian's reference BLAS is called out, since every ratio against
 * it flatters murmur (seen after a machine restart: 5,000 samples/s on the MLP instead of 40,000 on OpenBLAS).
 */
import assert from 'node:assert/strict'
import { blasWarning, formatModelBench, timeSteps } from '../../../scripts/bench/model.ts'
import type { ModelBenchResult } from '../../../scripts/bench/model.ts'
import { createModel, initBackend, parseModelSpec } from '../../../lib/model/index.ts'
import type { Model } from '../../../lib/model/index.ts'

const REFERENCE = '/usr/lib/x86_64-linux-gnu/blas/libblas.so.3'
const OPENBLAS = '/usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3, /usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblasp-r0.3.21.so'

describe('scripts/bench/model: a fair PyTorch baseline', () => {
  it('warns when PyTorch loaded the reference BLAS, and not for OpenBLAS, MKL or an unknown library', () => {
    assert.match(blasWarning(REFERENCE) ?? '', /reference BLAS.*flatter murmur.*libopenblas0-pthread/)
    assert.equal(blasWarning(OPENBLAS), undefined)
    assert.equal(blasWarning('/opt/intel/lib/libmkl_rt.so'), undefined)
    assert.equal(blasWarning(''), undefined)
  })

  it('prints the BLAS and the warning under the table', () => {
    const r: ModelBenchResult = { rows: [], skipped: [], torchSkipped: null, torchVersion: '1.13', torchBlas: REFERENCE, dims: {}, repeats: 1, seconds: 1 }
    assert.match(formatModelBench(r), new RegExp(`PyTorch's BLAS: ${REFERENCE}\\nWARNING: PyTorch ran on the reference BLAS`))
    assert.doesNotMatch(formatModelBench({ ...r, torchBlas: OPENBLAS }), /WARNING/)
  })

  it('times gradient and update on a copy: the update runs (the gradient changes between steps), params stay as given', async () => {
    await initBackend('cpu')
    const model: Model = createModel(parseModelSpec('mlp:4', { features: 784, classes: 10 }))
    const params = model.init(3)
    const before = params.slice()
    const x = new Float32Array(128 * 784).map((_, i) => (i % 97) / 97)
    const y = new Uint8Array(128).map((_, i) => i % 10)
    const losses: number[] = []
    const spy: Model = new Proxy(model, {
      get (target, key) {
        if (key !== 'lossAndGradient') return Reflect.get(target, key)
        return (...args: Parameters<Model['lossAndGradient']>) => { const l = target.lossAndGradient(...args); losses.push(l); return l }
      }
    })
    assert.ok(timeSteps(spy, params, x, y, 32, 0.05) > 0)
    assert.deepEqual(params, before)
    // plain SGD at lr 0.05 on one fixed batch: the loss falls from step to step, which it cannot without the update
    assert.ok(losses.length >= 6)
    assert.ok(losses[5] < losses[0], `losses ${losses.slice(0, 6).join(', ')}`)
    model.dispose()
  })
})
