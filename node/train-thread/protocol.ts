/**
 * The messages between a peer's main thread and its local-steps worker. Parameters and momentum do not travel in
 * the messages: they sit in two SharedArrayBuffers that only the side whose turn it is touches (the main thread
 * between rounds, the worker between a 'steps' message and its 'done' reply), so a round copies 2 × d floats each
 * way and nothing is structured-cloned but a few numbers.
 */
import { constants } from '../../lib/algorithms/index.ts'
import type { ObjectiveState } from '../../lib/algorithms/index.ts'

const { MAX_LOCAL_STEPS } = constants
import type { RunConfig } from '../../lib/experiment/index.ts'
import { TrainWorkerProtocolError } from './errors.ts'

/** `workerData`: what the worker needs to build the peer's objective and optimizer exactly as the main thread would. */
export interface WorkerInit {
  config: RunConfig
  slot: number
  ownDataDir: string | undefined
  /** d float32: the parameters in (before the steps) and out (after) */
  params: SharedArrayBuffer
  /** the momentum buffer (0 bytes without momentum), written by the worker after each round's steps */
  momentum: SharedArrayBuffer
}

export type ToWorker =
  | { type: 'steps', id: number, steps: number }
  | { type: 'import', momentum: Float32Array, objective: ObjectiveState | undefined }

export type FromWorker =
  | { type: 'ready', dim: number, backend: string, objective: ObjectiveState | undefined }
  | { type: 'done', id: number, loss: number, objective: ObjectiveState | undefined }
  /** `id` is absent for a failure during setup */
  | { type: 'failed', id: number | undefined, name: string, message: string }

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null
const isObjectiveState = (v: unknown): v is ObjectiveState | undefined => v === undefined || (isObject(v) && Number.isInteger(v.steps) && (v.steps as number) >= 0)

function bad (what: string, got: unknown, from = 'the local-steps worker'): never {
  let shown: string
  try { shown = JSON.stringify(got) ?? String(got) } catch { shown = String(got) }
  throw new TrainWorkerProtocolError(`expected ${what} from ${from}, got ${shown.slice(0, 200)}`)
}

/** Checks a message of the worker; TrainWorkerProtocolError for anything else. */
export function parseFromWorker (msg: unknown): FromWorker {
  if (!isObject(msg)) bad('a message object', msg)
  switch (msg.type) {
    case 'ready':
      if (!Number.isInteger(msg.dim) || (msg.dim as number) < 1 || typeof msg.backend !== 'string' || !isObjectiveState(msg.objective)) bad("'ready' with dim, backend and objective", msg)
      return msg as FromWorker
    case 'done':
      if (!Number.isInteger(msg.id) || typeof msg.loss !== 'number' || !isObjectiveState(msg.objective)) bad("'done' with id, loss and objective", msg)
      return msg as FromWorker
    case 'failed':
      if ((msg.id !== undefined && !Number.isInteger(msg.id)) || typeof msg.name !== 'string' || typeof msg.message !== 'string') bad("'failed' with name and message", msg)
      return msg as FromWorker
    default:
      return bad("a message of type 'ready', 'done' or 'failed'", msg)
  }
}

/** Checks a message of the main thread (in the worker). */
export function parseToWorker (msg: unknown): ToWorker {
  if (!isObject(msg)) bad('a message object', msg, 'the main thread')
  if (msg.type === 'steps' && Number.isInteger(msg.id) && Number.isInteger(msg.steps) && (msg.steps as number) >= 0 && (msg.steps as number) <= MAX_LOCAL_STEPS) return msg as ToWorker
  if (msg.type === 'import' && msg.momentum instanceof Float32Array && isObjectiveState(msg.objective)) return msg as ToWorker
  return bad("'steps' with id and steps, or 'import' with momentum and objective", msg, 'the main thread')
}
