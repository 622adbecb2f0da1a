/**
 * Throughput of lib/model: samples per second of one training step (forward + backward + gradient
 * read-back) for a model at several batch sizes, and the time to evaluate a test-sized split, per backend.
 *
 *   node scripts/bench/model.ts [--model mlp] [--backends cpu,wasm] [--batches 32,64] [--seconds 2] [--eval 10000]
 *
 * Inputs are uniform random pixels from lib/random: dense matrix products cost the same for any values,
 * and the benchmark then needs no dataset on disk.
 */
import { parseArgs } from 'node:util'
import { createRng } from '../../lib/random/index.ts'
import { createModel, initBackend, parseModelSpec } from '../../lib/model/index.ts'
import type { BackendRequest } from '../../lib/model/index.ts'

export interface ModelBenchOptions {
  /** model spec on MNIST-shaped data (default 'mlp') */
  model?: string
  /** backends to measure, in order (default cpu, wasm) */
  backends?: BackendRequest[]
  /** batch sizes of the training step (default 32, 64) */
  batches?: number[]
  /** wall time spent timing each batch size (default 2 s), after a short warm-up */
  seconds?: number
  /** samples evaluated in one `evaluate` call (default 10,000) */
  evalSamples?: number
  seed?: number
}

export interface StepFigure { batch: number, steps: number, samplesPerSecond: number, msPerStep: number }
export interface BackendFigures { backend: string, steps: StepFigure[], evaluateMs: number, evalSamples: number }
export interface ModelBenchResult { model: string, dim: number, results: BackendFigures[] }

const MNIST = { features: 784, classes: 10, imageShape: [28, 28, 1] as [number, number, number] }

export async function runModelBench (opts: ModelBenchOptions = {}): Promise<ModelBenchResult> {
  const modelSpec = opts.model ?? 'mlp'
  const backends = opts.backends ?? ['cpu', 'wasm']
  const batches = opts.batches ?? [32, 64]
  const seconds = opts.seconds ?? 2
  const evalSamples = opts.evalSamples ?? 10_000
  const rng = createRng(opts.seed ?? 1)

  const maxBatch = Math.max(...batches)
  const pool = Math.max(evalSamples, maxBatch)
  const x = new Float32Array(pool * MNIST.features)
  const y = new Uint8Array(pool)
  for (let i = 0; i < x.length; i++) x[i] = rng.next()
  for (let i = 0; i < y.length; i++) y[i] = rng.int(MNIST.classes)

  const model = createModel(parseModelSpec(modelSpec, MNIST))
  const params = model.init(opts.seed ?? 1)
  const grad = new Float32Array(model.dim)
  const results: BackendFigures[] = []
  for (const request of backends) {
    const backend = await initBackend(request)
    const steps: StepFigure[] = []
    for (const batch of batches) {
      const xs = x.subarray(0, batch * MNIST.features)
      const ys = y.subarray(0, batch)
      for (let i = 0; i < 5; i++) model.lossAndGradient(params, xs, ys, batch, grad)
      let count = 0
      const start = performance.now()
      let elapsed = 0
      while (elapsed < seconds * 1000) {
        model.lossAndGradient(params, xs, ys, batch, grad)
        count++
        elapsed = performance.now() - start
      }
      steps.push({ batch, steps: count, samplesPerSecond: count * batch / (elapsed / 1000), msPerStep: elapsed / count })
    }
    const split = { n: evalSamples, x: x.subarray(0, evalSamples * MNIST.features), y: y.subarray(0, evalSamples) }
    model.evaluate(params, split, { limit: Math.min(evalSamples, 2000) })
    const t0 = performance.now()
    model.evaluate(params, split)
    results.push({ backend, steps, evaluateMs: performance.now() - t0, evalSamples })
  }
  model.dispose()
  return { model: modelSpec, dim: model.dim, results }
}

function list (text: string | undefined): string[] | undefined {
  return text === undefined ? undefined : text.split(',').filter(s => s !== '')
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      model: { type: 'string' },
      backends: { type: 'string' },
      batches: { type: 'string' },
      seconds: { type: 'string' },
      eval: { type: 'string' }
    }
  })
  const result = await runModelBench({
    model: values.model,
    backends: list(values.backends) as BackendRequest[] | undefined,
    batches: list(values.batches)?.map(Number),
    seconds: values.seconds === undefined ? undefined : Number(values.seconds),
    evalSamples: values.eval === undefined ? undefined : Number(values.eval)
  })
  console.log(`model ${result.model}, dim ${result.dim}`)
  for (const r of result.results) {
    for (const s of r.steps) {
      console.log(`${r.backend.padEnd(10)} batch ${String(s.batch).padStart(4)}: ${Math.round(s.samplesPerSecond).toString().padStart(7)} samples/s (${s.msPerStep.toFixed(2)} ms/step, ${s.steps} steps)`)
    }
    console.log(`${r.backend.padEnd(10)} evaluate ${r.evalSamples} samples: ${r.evaluateMs.toFixed(0)} ms`)
  }
}
