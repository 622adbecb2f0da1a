/**
 * Public types of lib/algorithms: what a peer algorithm needs (an objective, an exchange) and what it
 * reports. The contract is docs/ARCHITECTURE.md § lib/algorithms.
 */

/** Where an objective is in its stream of minibatches, so a restored peer draws the same batches next. */
export interface ObjectiveState {
  /** gradient calls made so far */
  steps: number
}

/** A peer's local loss f_i. `gradient` draws the next minibatch (or uses the full local data). */
export interface LocalObjective {
  readonly dim: number
  /** writes ∇f_i(x) on the next minibatch into `grad` (overwriting it) and returns that batch's loss */
  gradient (x: Float32Array, grad: Float32Array): number
  /** optional: position in the minibatch stream, for checkpoints */
  exportState? (): ObjectiveState
  importState? (state: ObjectiveState): void
}

export interface PeerRef { id: string }

/**
 * One neighbour's round message. `degree` is the sender's current number of neighbours (for the mixing
 * weights). `payload` is read-only for the receiver: the simulator hands the sender's own buffer around.
 */
export interface Received { from: PeerRef, degree: number, payload: Uint8Array }

/**
 * The transport seen by a peer. `round` sends `outgoing` to every current neighbour and resolves with the
 * round-r messages that arrived (by the deadline, if any). Buffer lifetime: an algorithm leaves the
 * `outgoing` of round r untouched until its `round(r + 1, ...)` call has resolved, so an exchange may keep
 * referring to it (without copying) until then.
 */
export interface Exchange {
  round (r: number, outgoing: Uint8Array, opts: { signal: AbortSignal }): Promise<Received[]>
  neighbours (): PeerRef[]
  /** the largest degree in the current graph; needed by the 'max-degree' weight scheme only */
  maxDegree? (): number
  /**
   * Lets the exchange's I/O progress (the outgoing message written, incoming bytes read): resolves after one
   * turn of the event loop. An algorithm whose local steps overlap a round (`overlap`) awaits it before each
   * step, so the message it sent before the steps leaves at once and its neighbours' arrive while it trains.
   * An exchange without I/O of its own (the simulator's) leaves it out, and the steps run as one block.
   */
  progress? (): Promise<void>
}

/**
 * Runs the H local steps of an overlapped round off the event loop (node/train-thread: a worker thread with its
 * own copy of the model, the objective and the optimizer), so the exchange's I/O goes on during a step. It must be
 * bit-identical to `LocalTrainer.steps` on the same objective and optimizer: the same code on the same backend and
 * the same batches in the same order. The momentum and the objective's position live with the runner; they are
 * current whenever no `steps` call is pending (between rounds, when a peer checkpoints).
 */
export interface StepRunner {
  /** takes `steps` local SGD steps on x in place and resolves with the sum of the batch losses; x is left untouched on a rejection */
  steps (x: Float32Array, steps: number): Promise<number>
  /** a copy of the momentum buffer (length 0 without momentum) and the objective's position */
  exportState (): { momentum: Float32Array, objective: ObjectiveState | undefined }
  /** sets both before the next `steps` call */
  importState (momentum: Float32Array, objective: ObjectiveState | undefined): void
}

/** Why a received message was not mixed. Cumulative counts live in `PeerAlgorithm.rejected`. */
export interface RejectionCounts {
  /** the frame could not be parsed (bad header, truncated, trailing bytes, payload the codec refused) */
  malformed: number
  /** the frame's dimension or payload length differs from the model's */
  wrongSize: number
  /** the decoded vector holds NaN or ±Infinity */
  nonFinite: number
  /** the sender is not a current neighbour, or sent twice in one round */
  unexpected: number
  /** the frame is for another round or of a kind this algorithm does not accept */
  outOfStep: number
}

/** The row of W this peer actually used in a round: weights of neighbours that did not contribute moved to self. */
export interface RealisedRow {
  self: number
  /** contributing neighbours in the order of `exchange.neighbours()` */
  neighbours: Array<{ id: string, weight: number }>
}

export interface RoundReport {
  round: number
  /** mean loss over this round's local steps (NaN for pure gossip, which takes none) */
  trainLoss: number
  /** bytes of the one message this peer sent to each neighbour, times the number of neighbours */
  bytesSent: number
  /** messages that arrived from current neighbours (mixed or not) */
  received: number
  /** current neighbours whose message did not arrive */
  missing: number
  /** messages rejected this round, by reason */
  rejected: RejectionCounts
  /** CHOCO-SGD: neighbours whose public copy is out of step and waits for a full resync */
  stale: number
  row: RealisedRow
  /** wall time of local steps, encoding and mixing (ms) */
  computeMs: number
  /** wall time spent awaiting the exchange (ms) */
  commMs: number
}
