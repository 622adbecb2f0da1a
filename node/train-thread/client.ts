/**
 * The main thread's side of the local-steps worker: a `StepRunner` (lib/algorithms) whose steps run in a
 * `node:worker_threads` Worker, so the peer's event loop keeps reading, decrypting and writing messages during
 * them. One call at a time; the parameters go through a shared buffer (protocol.ts).
 */
import { Worker } from 'node:worker_threads'
import type { ObjectiveState, StepRunner } from '../../lib/algorithms/index.ts'
import type { RunConfig } from '../../lib/experiment/index.ts'
import { TrainWorkerClosedError, TrainWorkerCrashedError, TrainWorkerProtocolError, TrainWorkerStartError } from './errors.ts'
import { parseFromWorker } from './protocol.ts'
import type { FromWorker, ToWorker, WorkerInit } from './protocol.ts'

/** the worker loads the dataset and the model before it is ready; a slow disk or a loaded machine needs a while */
export const START_TIMEOUT_MS = 120_000

export interface TrainWorkerInit {
  config: RunConfig
  slot: number
  ownDataDir?: string
  /** the model's dimension as the main thread built it; the worker's must match */
  dim: number
  /** the main thread's tfjs backend; the worker's must match, or its steps would not equal the in-thread ones */
  backend: string
  /** default START_TIMEOUT_MS */
  startTimeoutMs?: number
  /** the worker's entry (tests only: a module that misbehaves); default ./worker.ts */
  entry?: URL
}

export interface TrainWorker extends StepRunner {
  /** terminates the worker; pending and later calls reject with TrainWorkerClosedError */
  close (): Promise<void>
}

interface Pending { id: number, x: Float32Array, resolve: (loss: number) => void, reject: (err: Error) => void }

class TrainWorkerClass implements TrainWorker {
  private readonly worker: Worker
  private readonly params: Float32Array
  private readonly momentum: Float32Array
  private objective: ObjectiveState | undefined
  private pending: Pending | undefined
  private nextId = 0
  /** why the worker cannot take steps any more (crashed, closed) */
  private broken: Error | undefined

  constructor (worker: Worker, params: Float32Array, momentum: Float32Array, objective: ObjectiveState | undefined) {
    this.worker = worker
    this.params = params
    this.momentum = momentum
    this.objective = objective
    worker.on('message', (raw: unknown) => { this.onMessage(raw) })
    worker.on('messageerror', (err: Error) => { this.fail(new TrainWorkerCrashedError(`a message of the local-steps worker could not be read: ${err.message}`, { cause: err })) })
    worker.on('error', (err: Error) => { this.fail(new TrainWorkerCrashedError(`the local-steps worker crashed: ${err.name}: ${err.message}`, { cause: err })) })
    worker.on('exit', (code: number) => { this.fail(new TrainWorkerCrashedError(`the local-steps worker exited (code ${code}) while the peer was running; restart the peer (--resume keeps its progress)`)) })
  }

  async steps (x: Float32Array, steps: number): Promise<number> {
    if (this.broken !== undefined) throw this.broken
    if (this.pending !== undefined) throw new TrainWorkerProtocolError(`steps called while round ${this.pending.id}'s steps are still running; the runner takes one call at a time`)
    if (x.length !== this.params.length) throw new TrainWorkerProtocolError(`expected a vector of ${this.params.length} parameters, got ${x.length}`)
    this.params.set(x)
    const id = this.nextId++
    return await new Promise<number>((resolve, reject) => {
      this.pending = { id, x, resolve, reject }
      this.post({ type: 'steps', id, steps })
    })
  }

  exportState (): { momentum: Float32Array, objective: ObjectiveState | undefined } {
    return { momentum: this.momentum.slice(), objective: this.objective === undefined ? undefined : { ...this.objective } }
  }

  importState (momentum: Float32Array, objective: ObjectiveState | undefined): void {
    if (this.pending !== undefined) throw new TrainWorkerProtocolError('importState called while steps are running; import between rounds')
    if (momentum.length !== this.momentum.length) throw new TrainWorkerProtocolError(`expected a momentum buffer of ${this.momentum.length} floats, got ${momentum.length}`)
    this.momentum.set(momentum)
    if (objective !== undefined) this.objective = { ...objective }
    this.post({ type: 'import', momentum: momentum.slice(), objective })
  }

  async close (): Promise<void> {
    if (this.broken instanceof TrainWorkerClosedError) return
    this.fail(new TrainWorkerClosedError())
    await this.worker.terminate()
  }

  private post (msg: ToWorker): void {
    this.worker.postMessage(msg)
  }

  private onMessage (raw: unknown): void {
    let msg: FromWorker
    try {
      msg = parseFromWorker(raw)
    } catch (err) {
      this.fail(err as Error)
      return
    }
    const p = this.pending
    if (msg.type === 'failed') {
      this.fail(new TrainWorkerCrashedError(`the local steps failed in the worker: ${msg.name}: ${msg.message}`))
      return
    }
    if (msg.type !== 'done' || p === undefined || msg.id !== p.id) {
      this.fail(new TrainWorkerProtocolError(`expected the reply to steps call ${p?.id ?? '(none pending)'}, got ${msg.type}${msg.type === 'done' ? ` for call ${msg.id}` : ''}`))
      return
    }
    this.pending = undefined
    p.x.set(this.params)
    this.objective = msg.objective
    p.resolve(msg.loss)
  }

  /** the first failure sticks: the pending call and every later one reject with it */
  private fail (err: Error): void {
    this.broken ??= err
    const p = this.pending
    this.pending = undefined
    p?.reject(this.broken)
  }
}

/**
 * Starts the worker and waits until it has built the model, the data shard and the optimizer. TrainWorkerStartError
 * (with the worker's own error as the message and cause) when it cannot, or does not within the timeout.
 */
export async function startTrainWorker (init: TrainWorkerInit): Promise<TrainWorker> {
  const params = new Float32Array(new SharedArrayBuffer(4 * init.dim))
  const momentum = new Float32Array(new SharedArrayBuffer(init.config.momentum > 0 ? 4 * init.dim : 0))
  const workerData: WorkerInit = { config: init.config, slot: init.slot, ownDataDir: init.ownDataDir, params: params.buffer as SharedArrayBuffer, momentum: momentum.buffer as SharedArrayBuffer }
  const timeoutMs = init.startTimeoutMs ?? START_TIMEOUT_MS
  let worker: Worker
  try {
    worker = new Worker(init.entry ?? new URL('./worker.ts', import.meta.url), { workerData, name: `murmur local steps (slot ${init.slot})` })
  } catch (err) {
    throw new TrainWorkerStartError(`could not start the local-steps worker: ${(err as Error).message}`, { cause: err })
  }
  const signal = AbortSignal.timeout(timeoutMs)
  let ready: Extract<FromWorker, { type: 'ready' }>
  try {
    ready = await new Promise((resolve, reject) => {
      const done = (): void => {
        worker.off('message', onMessage); worker.off('error', onError); worker.off('exit', onExit); signal.removeEventListener('abort', onAbort)
      }
      const onMessage = (raw: unknown): void => {
        done()
        try {
          const msg = parseFromWorker(raw)
          if (msg.type === 'ready') resolve(msg)
          else if (msg.type === 'failed') reject(new TrainWorkerStartError(`the local-steps worker could not set up training: ${msg.name}: ${msg.message}`))
          else reject(new TrainWorkerProtocolError(`expected 'ready' or 'failed' from the starting local-steps worker, got '${msg.type}'`))
        } catch (err) { reject(err as Error) }
      }
      const onError = (err: Error): void => { done(); reject(new TrainWorkerStartError(`the local-steps worker crashed while starting: ${err.name}: ${err.message}`, { cause: err })) }
      const onExit = (code: number): void => { done(); reject(new TrainWorkerStartError(`the local-steps worker exited (code ${code}) while starting`)) }
      const onAbort = (): void => { done(); reject(new TrainWorkerStartError(`the local-steps worker was not ready within ${timeoutMs} ms (loading the data and the model); is the machine overloaded?`)) }
      worker.on('message', onMessage); worker.on('error', onError); worker.on('exit', onExit); signal.addEventListener('abort', onAbort)
    })
    if (ready.dim !== init.dim) throw new TrainWorkerStartError(`the worker's model has ${ready.dim} parameters, the peer's ${init.dim}: they must be built from the same config`)
    if (ready.backend !== init.backend) throw new TrainWorkerStartError(`the worker runs tfjs backend '${ready.backend}', the peer '${init.backend}': the steps would differ from the in-thread ones; pin one with --backend`)
  } catch (err) {
    await worker.terminate()
    throw err
  }
  return new TrainWorkerClass(worker, params, momentum, ready.objective)
}
