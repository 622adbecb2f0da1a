/**
 * node/watch: `murmur watch`, an observer of a run. It joins the run's gossipsub topics without becoming a member,
 * keeps what it hears in a WatchModel, and shows it in the terminal (renderTerminal) or in a web dashboard
 * (startDashboard). This file is the module's whole public surface.
 */
export { createObserver } from './observer.ts'
export type { Observer, ObserverComponents, ObserverInit } from './observer.ts'
export { WatchModel, livePeer, short } from './model.ts'
export type { WatchModelInit } from './model.ts'
export { renderLines, renderTerminal, spark } from './terminal.ts'
export { startDashboard } from './dashboard.ts'
export { bootstrapFailureNote, failedDuringEncryption, noSummaryNotice, watchCommandLine } from './hints.ts'
export type { BootstrapFailureNote, NoSummaryEvidence, WatchCommandInit } from './hints.ts'
export type { Dashboard, DashboardInit } from './dashboard.ts'
export type { TerminalOptions } from './terminal.ts'
export type {
  AccuracyPoint, ConsensusPoint, EventKind, GraphView, LossPoint, PeerRow, PeerStatus, RunEnd, RunInfo, Series, WatchCounters, WatchEvent, WatchSnapshot
} from './types.ts'
export { DashboardServerError, InvalidWatchInitError } from './errors.ts'
export { DEFAULT_HTTP_HOST, OBSERVER_STALL_MS, PEER_TIMEOUT_MS, REFRESH_MS } from './constants.ts'
