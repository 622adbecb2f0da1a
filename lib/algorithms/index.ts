/**
 * lib/algorithms: gossip averaging, D-PSGD and CHOCO-SGD as per-peer state machines over an `Exchange`
 * (never libp2p), deterministic given (config, seed, messages received). This file is the whole public
 * surface; the contract is docs/ARCHITECTURE.md § lib/algorithms.
 */

export { createAlgorithm } from './factory.ts'
export { resolveConfig, ALGORITHMS, SYNC_MODES } from './config.ts'
export type { AlgorithmConfig, AlgorithmDeps, AlgorithmName, ResolvedConfig, StepOrder, SyncMode } from './config.ts'
export type { PeerAlgorithm } from './algorithm.ts'
export type { AlgorithmState, ChocoState, ChocoCopyState } from './state.ts'
export { checkCheckpointSteps } from './state.ts'
export type {
  LocalObjective, ObjectiveState, PeerRef, Received, Exchange, RoundReport, RealisedRow, RejectionCounts, StepRunner
} from './types.ts'
export { encodeFrame, decodeFrame, maxFrameBytes, RawFrame, FrameChecker, FRAME_KIND, FRAME_ENCODING, ACCEPTED_FRAME_KINDS } from './message.ts'
export type { Frame, FrameFields, FrameKind, FrameEncoding, FrameCheck, FrameExpectation, FrameRejection } from './message.ts'
export { Sgd } from './optimizer.ts'
export { LocalTrainer } from './common.ts'
export {
  InvalidAlgorithmConfigError, InvalidMessageError, UnsupportedMessageVersionError, RoundOrderError, NonFiniteModelError,
  InvalidAlgorithmStateError, MissingMaxDegreeError, isLossyCodec, codecInstead, nonFiniteCauses
} from './errors.ts'
export * as constants from './constants.ts'
export { createAggregator, parseAggregateRule, canonicalAggregate, DEFAULT_AGGREGATE, DEFAULT_CLIP_AUTO_FRACTION } from './aggregate.ts'
export type { Aggregator, AggregateRule, AggregateStats } from './aggregate.ts'
export { parseAttackRule, canonicalAttack, VectorAttack, AttackingPeer, DEFAULT_ALIE_Z, DEFAULT_IPM_EPS } from './attack.ts'
export type { AttackRule } from './attack.ts'
