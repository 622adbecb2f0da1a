/**
 * Compute per peer: samples per second of one lib/model training step (forward + backward + gradient read
 * back into the flat vector + plain SGD update) per backend and batch size, against PyTorch on the same model and batch
 * (scripts/pytorch_reference.py, Debian's python3-torch, one thread, plain SGD step on random data).
 *
 *   node scripts/bench/model.ts [--models mlp,cnn] [--backends wasm,tensorflow] [--batches 32,64,128]
 *                               [--seconds 1] [--repeats 3] [--no-torch] [--json]
 *
 * The machines are shared: at each batch of each repeat, every backend and then PyTorch (one long-lived
 * process) are measured back to back, and a ratio is taken within that pair; the figure is the median over repeats with the smallest and largest.
 * Inputs are uniform random pixels from lib/random: dense products cost the same for any values, so no
 * dataset is needed. A backend that does not load here (tfjs-node where libtensorflow could not be
 * downloaded) is reported as skipped, with the reason.
 */
import { spawn } from 'node:child_process'
import type { ChildProcessWithoutNullStreams } from 'node:child_process'
import { createInterface } from 'node:readline'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { getBoolean, getNumber, getString } from '../../node/cli/args.ts'
import { allowedOf, parseScriptArgs, runScript, simOption, splitList } from '../lib/script-args.ts'
import type { ScriptSpec } from '../lib/script-args.ts'
import { intList, intListOption, namesOption } from './cli.ts'
import { createRng } from '../../lib/random/index.ts'
import { createModel, initBackend, parseModelSpec } from '../../lib/model/index.ts'
import type { BackendRequest, Model } from '../../lib/model/index.ts'
import { allocVector, sgdStep } from '../../lib/vector/index.ts'

export const PYTHON = '/usr/bin/python3'
/** thread counts of the BLAS and OpenMP libraries PyTorch may load */
export const ONE_THREAD_ENV = { OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1', MKL_NUM_THREADS: '1' }
/** the learning rate of both steps (passed to pytorch_reference.py as --lr) */
export const TORCH_LR = 0.05
export const TORCH_SCRIPT = fileURLToPath(new URL('../pytorch_reference.py', import.meta.url))

/** The defaults of runModelBench, shown in --help. */
export const MODEL_BENCH_DEFAULTS = { models: ['mlp', 'cnn'], backends: ['wasm', 'tensorflow'] as BackendRequest[], batches: [32, 64, 128], seconds: 1, repeats: 3 }

export interface ModelBenchOptions {
  /** model specs on MNIST-shaped data (default mlp, cnn) */
  models?: string[]
  /** backends to measure, in order (default wasm, tensorflow) */
  backends?: BackendRequest[]
  /** batch sizes of the training step (default 32, 64, 128) */
  batches?: number[]
  /** wall time spent timing each (backend, batch) in each repeat (default 1 s), after a warm-up */
  seconds?: number
  repeats?: number
  /** compare with PyTorch (default true) */
  torch?: boolean
  seed?: number
  /** called after each repeat, e.g. to print progress */
  onProgress?: (text: string) => void
}

/** median, smallest and largest of a list */
export interface Spread { median: number, min: number, max: number }

export interface StepRow {
  model: string
  backend: string
  /** what ran the step (Model.stepEngine): 'kernels' (murmur's WebAssembly matrix products) or 'tfjs' */
  engine: string
  batch: number
  /** samples/s over the repeats */
  samplesPerSecond: Spread
  /** PyTorch samples/s over the same repeats; null without PyTorch */
  torchSamplesPerSecond: Spread | null
  /** per repeat, ours / PyTorch's measured back to back; null without PyTorch */
  ratio: Spread | null
}

export interface ModelBenchResult {
  rows: StepRow[]
  /** backends asked for that did not load, with the reason */
  skipped: Array<{ backend: string, reason: string }>
  /** why PyTorch was not compared, or null when it was */
  torchSkipped: string | null
  torchVersion: string | null
  /** the BLAS libraries PyTorch loaded (null when it did not run, '' when it could not tell) */
  torchBlas: string | null
  dims: Record<string, number>
  repeats: number
  seconds: number
}

const MNIST = { features: 784, classes: 10, imageShape: [28, 28, 1] as [number, number, number] }

export function spread (xs: number[]): Spread {
  const s = [...xs].sort((a, b) => a - b)
  const mid = s.length >> 1
  const median = s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2
  return { median, min: s[0], max: s[s.length - 1] }
}

/**
 * samples/s of one training step at one batch size for `seconds` of wall time, after 5 warm-up steps: `model.lossAndGradient`
 * and the plain SGD update (lib/vector's sgdStep, as a peer runs it on vectors from allocVector), as PyTorch's step is
 * zero_grad, forward, backward and `opt.step()`. `params` is copied, not changed.
 */
export function timeSteps (model: Model, params: Float32Array, x: Float32Array, y: Uint8Array, batch: number, seconds: number): number {
  const w = allocVector(model.dim)
  w.set(params)
  const grad = allocVector(model.dim)
  const none = new Float32Array(0)
  const xs = x.subarray(0, batch * MNIST.features)
  const ys = y.subarray(0, batch)
  const step = (): void => {
    model.lossAndGradient(w, xs, ys, batch, grad)
    sgdStep(w, grad, none, TORCH_LR, 0, 0)
  }
  for (let i = 0; i < 5; i++) step()
  let count = 0
  const start = performance.now()
  let elapsed = 0
  while (elapsed < seconds * 1000) {
    step()
    count++
    elapsed = performance.now() - start
  }
  return count * batch / (elapsed / 1000)
}

/**
 * A long-lived PyTorch reference process (`pytorch_reference.py --serve`): one measurement per request, so
 * that PyTorch and murmur take turns within seconds of each other and see the same load.
 */
export class TorchReference {
  readonly version: string
  /** the BLAS libraries the reference process loaded ('' when it could not tell) */
  readonly blas: string
  private readonly child: ChildProcessWithoutNullStreams
  private readonly lines: AsyncIterator<string>

  private constructor (child: ChildProcessWithoutNullStreams, lines: AsyncIterator<string>, version: string, blas: string) {
    this.child = child
    this.lines = lines
    this.version = version
    this.blas = blas
  }

  /** Start the reference for `model` ('mlp' or 'cnn'); a string says why it cannot run here. */
  static async start (model: string): Promise<TorchReference | string> {
    if (!existsSync(PYTHON)) return `${PYTHON} not found (install Debian's python3 and python3-torch)`
    const kind = model === 'mlp' || model === 'mlp:128' ? 'mlp' : model === 'cnn' || model === 'cnn:8,16,128' ? 'cnn' : null
    if (kind === null) return `no PyTorch reference for model '${model}' (only the default mlp and cnn)`
    // one thread in the BLAS too: torch.set_num_threads does not reach an OpenBLAS that Debian's torch loads as libblas.so.3
    const child = spawn(PYTHON, [TORCH_SCRIPT, '--model', kind, '--lr', String(TORCH_LR), '--serve'], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...ONE_THREAD_ENV } })
    let stderr = ''
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d })
    const failed = new Promise<string>((resolve) => {
      child.once('error', (err) => { resolve(`${PYTHON} failed to start: ${err.message}`) })
      child.once('exit', (code) => { resolve(`the PyTorch reference exited with ${code}: ${stderr.trim().split('\n').pop() ?? ''} (is python3-torch installed?)`) })
    })
    const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]()
    const first = await Promise.race([lines.next().then((r) => r.done === true ? null : r.value), failed])
    if (first === null || !first.startsWith('{')) {
      child.kill()
      return typeof first === 'string' ? first : await failed
    }
    const header = JSON.parse(first) as { torch: string, blas?: string }
    return new TorchReference(child, lines, header.torch, header.blas ?? '')
  }

  /** samples/s of PyTorch's step at `batch` over `seconds` of wall time (after 10 warm-up steps) */
  async measure (batch: number, seconds: number): Promise<number> {
    this.child.stdin.write(`${batch} ${seconds}\n`)
    const r = await this.lines.next()
    if (r.done === true) throw new Error('the PyTorch reference process ended early')
    const out = JSON.parse(r.value) as { samplesPerSecond?: number, error?: string }
    if (out.samplesPerSecond === undefined) throw new Error(`PyTorch reference: ${out.error ?? r.value}`)
    return out.samplesPerSecond
  }

  close (): void {
    this.child.stdin.end()
    this.child.kill()
  }
}

export async function runModelBench (opts: ModelBenchOptions = {}): Promise<ModelBenchResult> {
  const models = opts.models ?? MODEL_BENCH_DEFAULTS.models
  const requested = opts.backends ?? MODEL_BENCH_DEFAULTS.backends
  const batches = opts.batches ?? MODEL_BENCH_DEFAULTS.batches
  const seconds = opts.seconds ?? MODEL_BENCH_DEFAULTS.seconds
  const repeats = opts.repeats ?? MODEL_BENCH_DEFAULTS.repeats
  const withTorch = opts.torch ?? true
  const rng = createRng(opts.seed ?? 1)
  const maxBatch = Math.max(...batches)
  const x = new Float32Array(maxBatch * MNIST.features)
  const y = new Uint8Array(maxBatch)
  for (let i = 0; i < x.length; i++) x[i] = rng.next()
  for (let i = 0; i < y.length; i++) y[i] = rng.int(MNIST.classes)

  const skipped: ModelBenchResult['skipped'] = []
  const backends: string[] = []
  for (const b of requested) {
    try {
      backends.push(await initBackend(b))
    } catch (err) {
      skipped.push({ backend: b, reason: (err as Error).message })
    }
  }
  let torchSkipped: string | null = withTorch ? null : 'not asked for (--no-torch)'
  let torchVersion: string | null = null
  let torchBlas: string | null = null
  const rows: StepRow[] = []
  const dims: Record<string, number> = {}
  for (const spec of models) {
    const parsed = parseModelSpec(spec, MNIST)
    // the default model, and the same on tfjs alone where the default trains on murmur's kernels: each arm a row,
    // measured back to back with PyTorch, so the kernels' gain is a ratio of the same run
    const arms: Array<{ backend: string, model: Model }> = []
    const tfjsOnly = createModel(parsed, { kernels: false })
    const main = createModel(parsed)
    for (const backend of backends) {
      await initBackend(backend as BackendRequest)
      arms.push({ backend, model: main })
      if (main.stepEngine() === 'kernels') arms.push({ backend, model: tfjsOnly })
    }
    dims[spec] = main.dim
    const params = main.init(opts.seed ?? 1)
    const ours = new Map<string, number[]>()
    const torch = new Map<string, number[]>()
    const ratios = new Map<string, number[]>()
    const engines = new Map<string, string>()
    const key = (arm: number, batch: number): string => `${arm}/${batch}`
    let ref: TorchReference | null = null
    if (torchSkipped === null) {
      const started = await TorchReference.start(spec)
      if (typeof started === 'string') torchSkipped = started
      else { ref = started; torchVersion = started.version; torchBlas = started.blas }
    }
    try {
      for (let r = 0; r < repeats; r++) {
        for (const batch of batches) {
          const now = new Map<number, number>()
          for (let arm = 0; arm < arms.length; arm++) {
            const { backend, model } = arms[arm]
            await initBackend(backend as BackendRequest)
            engines.set(String(arm), model.stepEngine())
            const sps = timeSteps(model, params, x, y, batch, seconds)
            now.set(arm, sps)
            push(ours, key(arm, batch), sps)
          }
          if (ref === null) continue
          const tps = await ref.measure(batch, seconds)
          push(torch, String(batch), tps)
          for (let arm = 0; arm < arms.length; arm++) push(ratios, key(arm, batch), (now.get(arm) ?? NaN) / tps)
        }
        opts.onProgress?.(`${spec}: repeat ${r + 1}/${repeats} done`)
      }
    } finally {
      ref?.close()
    }
    for (let arm = 0; arm < arms.length; arm++) {
      for (const batch of batches) {
        const k = key(arm, batch)
        const t = torch.get(String(batch))
        const q = ratios.get(k)
        rows.push({
          model: spec,
          backend: arms[arm].backend,
          engine: engines.get(String(arm)) ?? arms[arm].model.stepEngine(),
          batch,
          samplesPerSecond: spread(ours.get(k) ?? [NaN]),
          torchSamplesPerSecond: t === undefined ? null : spread(t),
          ratio: q === undefined ? null : spread(q)
        })
      }
    }
    main.dispose()
    tfjsOnly.dispose()
  }
  return { rows, skipped, torchSkipped, torchVersion, torchBlas, dims, repeats, seconds }
}

function push (m: Map<string, number[]>, k: string, v: number): void {
  const list = m.get(k)
  if (list === undefined) m.set(k, [v])
  else list.push(v)
}

function fmtSpread (s: Spread, digits = 0): string {
  const f = (v: number): string => digits === 0 ? Math.round(v).toLocaleString('en-US') : v.toFixed(digits)
  return `${f(s.median)} (${f(s.min)}–${f(s.max)})`
}

/**
 * A warning when PyTorch ran on Debian's reference BLAS (libblas3 alone, /usr/lib/<arch>/blas/libblas.so.3): its
 * one-thread MLP step is several times slower there than on OpenBLAS, and every ratio would flatter murmur.
 */
export function blasWarning (blas: string): string | undefined {
  if (!/\/blas\/libblas\.so/.test(blas) || /openblas|mkl/i.test(blas)) return undefined
  return 'WARNING: PyTorch ran on the reference BLAS (libblas3), several times slower than OpenBLAS on these models, so the ratios above ' +
    'flatter murmur. Install OpenBLAS (Debian: apt-get install libopenblas0-pthread) and run the bench again.'
}

/** The result as a table: one line per (model, backend, batch), then what was skipped and why. */
export function formatModelBench (r: ModelBenchResult): string {
  const lines: string[] = []
  lines.push(`median (min–max) of ${r.repeats} repeats, ${r.seconds} s each; PyTorch ${r.torchVersion ?? '—'}, one thread, measured right after ours at each batch of each repeat`)
  lines.push('step: kernels = softmax and MLP on murmur\'s WebAssembly SIMD matrix products (lib/vector/gemm.ts), what peers run; tfjs = tfjs ops on the backend')
  lines.push('model   backend     step     batch  samples/s (ours)        PyTorch samples/s       ours / PyTorch (goal ≥ 0.3)')
  for (const row of r.rows) {
    lines.push(`${row.model.padEnd(7)} ${row.backend.padEnd(11)} ${row.engine.padEnd(7)} ${String(row.batch).padStart(5)}  ${fmtSpread(row.samplesPerSecond).padEnd(23)} ${(row.torchSamplesPerSecond === null ? '—' : fmtSpread(row.torchSamplesPerSecond)).padEnd(23)} ${row.ratio === null ? '—' : fmtSpread(row.ratio, 2)}`)
  }
  for (const s of r.skipped) lines.push(`backend ${s.backend} skipped: ${s.reason.split('\n')[0]}`)
  if (r.torchBlas !== null) {
    lines.push(`PyTorch's BLAS: ${r.torchBlas === '' ? 'unknown' : r.torchBlas}`)
    const warning = blasWarning(r.torchBlas)
    if (warning !== undefined) lines.push(warning)
  }
  if (r.torchSkipped !== null) lines.push(`PyTorch comparison skipped: ${r.torchSkipped}`)
  return lines.join('\n')
}

const BACKENDS: readonly string[] = simOption('backend').choices ?? []

/** What is wrong with a comma-separated list of model specs (undefined: nothing). */
function modelsProblem (text: string): string | undefined {
  const items = splitList(text)
  if (items.length === 0) return `expected a comma-separated list of ${allowedOf('model')}`
  const check = simOption('model').check
  for (const item of items) {
    const problem = check?.(item)
    if (problem !== undefined) return `model '${item}': ${problem}`
  }
  return undefined
}

export const MODEL_SPEC: ScriptSpec = {
  name: 'model',
  run: 'node scripts/bench/model.ts',
  summary: 'Compute per peer: samples per second of one training step (forward, backward, gradient read back, SGD update) per backend and batch, against PyTorch on the same model and batch',
  details: 'At each batch of each repeat every backend and then PyTorch (scripts/pytorch_reference.py, Debian\'s python3-torch, one thread, ' +
    'one long-lived process) are measured back to back, and a ratio is taken within that pair; the figure is the median over repeats, ' +
    'with the smallest and largest. Inputs are random MNIST-shaped pixels. A backend that does not load here, or PyTorch when it is ' +
    'missing, is reported as skipped with the reason. Takes about 2 x models x batches x repeats x --seconds, plus warm-ups.',
  options: [
    {
      name: 'models',
      type: 'string',
      placeholder: 'SPECS',
      allowed: `a comma-separated list of ${allowedOf('model')}`,
      default: MODEL_BENCH_DEFAULTS.models.join(','),
      description: 'the models, comma-separated (softmax, mlp, mlp:H, cnn, ...)',
      check: (v) => modelsProblem(String(v))
    },
    namesOption('backends', { what: 'backend', names: BACKENDS, placeholder: 'NAMES', default: MODEL_BENCH_DEFAULTS.backends, description: 'the tfjs backends, in order' }),
    intListOption('batches', { min: 1, max: 65_536, default: MODEL_BENCH_DEFAULTS.batches, description: 'the batch sizes of the training step' }),
    { name: 'seconds', type: 'number', min: 0, exclusiveMin: true, default: MODEL_BENCH_DEFAULTS.seconds, placeholder: 'S', description: 'wall time timed for each backend and batch in each repeat, after a warm-up' },
    { name: 'repeats', type: 'int', min: 1, default: MODEL_BENCH_DEFAULTS.repeats, description: 'repeats; the median, smallest and largest are reported' },
    { name: 'no-torch', type: 'boolean', default: false, description: 'leave out the PyTorch comparison' },
    { name: 'json', type: 'boolean', default: false, description: 'print the result as JSON (and no progress on stderr)' }
  ],
  examples: [
    'node scripts/bench/model.ts --models mlp,cnn --batches 32,64,128 --repeats 5 --seconds 1',
    'node scripts/bench/model.ts --models cnn --backends wasm --no-torch --json'
  ],
  exitCodes: '0 after the table is printed (skipped backends included), 1 when a run failed, 2 for a bad option.'
}

export interface ModelCli { options: ModelBenchOptions, json: boolean }

export function parseModelCli (argv: readonly string[]): ModelCli | { help: true } {
  const args = parseScriptArgs(MODEL_SPEC, argv)
  if (args.help) return { help: true }
  return {
    options: {
      models: splitList(getString(args, 'models')),
      backends: splitList(getString(args, 'backends')) as BackendRequest[],
      batches: intList(getString(args, 'batches'), 1),
      seconds: getNumber(args, 'seconds'),
      repeats: getNumber(args, 'repeats'),
      torch: !getBoolean(args, 'no-torch')
    },
    json: getBoolean(args, 'json')
  }
}

async function main ({ options, json }: ModelCli): Promise<undefined> {
  const result = await runModelBench({ ...options, onProgress: (t) => { if (!json) console.error(t) } })
  console.log(json ? JSON.stringify(result, null, 2) : formatModelBench(result))
  return undefined
}

if (import.meta.main) await runScript(MODEL_SPEC, process.argv.slice(2), parseModelCli, main)
