/** The interface every peer algorithm implements (the object createAlgorithm returns). */

import type { ResolvedConfig } from './config.ts'
import type { AlgorithmState } from './state.ts'
import type { Exchange, RejectionCounts, RoundReport } from './types.ts'

export interface PeerAlgorithm {
  readonly config: Readonly<ResolvedConfig>
  readonly dim: number
  /** x_i now: a live view that the next round overwrites; copy it to keep it */
  readonly params: Float32Array
  /** the next round this peer expects (rounds may be skipped, never repeated) */
  readonly round: number
  /** messages rejected since creation, by reason */
  readonly rejected: Readonly<RejectionCounts>
  /**
   * Runs round r: local steps, one message to the neighbours through `exchange.round`, mixing. Rejects with
   * RoundOrderError when r is below `round`, NonFiniteModelError when the peer's own model is no longer
   * finite, and with whatever the exchange rejects with (e.g. an AbortError): the local steps of that
   * round are then kept but nothing is mixed, and `round` does not advance.
   */
  runRound (r: number, exchange: Exchange, signal?: AbortSignal): Promise<RoundReport>
  exportState (): AlgorithmState
  importState (state: AlgorithmState): void
}
