/**
 * node/train-thread: the local steps of an overlapped round in a `node:worker_threads` Worker with its own model,
 * data shard and optimizer (`murmur peer --train-thread worker`), so the peer's event loop does the exchange's I/O
 * during them. The whole public surface.
 */
export { startTrainWorker, START_TIMEOUT_MS } from './client.ts'
export type { TrainWorker, TrainWorkerInit } from './client.ts'
export { TrainWorkerStartError, TrainWorkerCrashedError, TrainWorkerProtocolError, TrainWorkerClosedError } from './errors.ts'
export const TRAIN_THREADS = ['main', 'worker'] as const
export type TrainThread = typeof TRAIN_THREADS[number]
