/** Errors of the local-steps worker thread; `reason` or the class name says which stage failed. */

/** The worker could not start: its setup (backend, data, model) failed, it exited or it did not report ready in time. */
export class TrainWorkerStartError extends Error {
  static override name = 'TrainWorkerStartError'
  constructor (message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'TrainWorkerStartError'
  }
}

/** The worker died (an uncaught error, an exit, a terminate) or a step inside it threw; the steps it was taking are lost. */
export class TrainWorkerCrashedError extends Error {
  static override name = 'TrainWorkerCrashedError'
  constructor (message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'TrainWorkerCrashedError'
  }
}

/** A message between the threads had an unexpected shape, or the runner was used out of order (two steps calls at once). */
export class TrainWorkerProtocolError extends Error {
  static override name = 'TrainWorkerProtocolError'
  constructor (message: string) {
    super(message)
    this.name = 'TrainWorkerProtocolError'
  }
}

/** The runner was used after `close()` (the peer is stopping). */
export class TrainWorkerClosedError extends Error {
  static override name = 'TrainWorkerClosedError'
  constructor (message = 'the local-steps worker is closed: the peer is stopping') {
    super(message)
    this.name = 'TrainWorkerClosedError'
  }
}
