/** Defaults of node/watch (the observer of a run, its terminal view and its web dashboard). */

/** A peer whose latest summary is older than this (ms) is shown as silent and left out of the network figures. */
export const PEER_TIMEOUT_MS = 10_000
/** Until two announcements of a peer are heard, its heartbeat is assumed to be membership's default (ms). */
export const ASSUMED_HEARTBEAT_MS = 1000
/** A member is gone after this many heartbeats (plus the round deadline) without an announcement, as peers judge it. */
export const TIMEOUT_HEARTBEATS = 3
/**
 * A round's network figures (mean and minimum accuracy, consensus distance) are final once every live peer has
 * reported it, or once the run is this many rounds further, or this long after its first summary: a lagging or
 * silent peer does not hold the curves back.
 */
export const FINALIZE_LAG_ROUNDS = 10
export const FINALIZE_AFTER_MS = 5000
/** Rounds awaiting their final figures at most (the oldest is finalised first). */
export const MAX_PENDING_ROUNDS = 512
/** Points a curve keeps; beyond it the older half is dropped. */
export const MAX_POINTS = 20_000
/** Events (joins, leaves, silences, refusals) kept. */
export const MAX_EVENTS = 200
/** A peer neither announcing nor reporting for this long (ms) is forgotten: it leaves the table and the counts. */
export const FORGET_AFTER_MS = 120_000
/** Peers tracked at once (members and telemetry authors); further new ids are ignored and counted. */
export const MAX_PEERS = 1024
/** Largest membership graph whose spectrum is computed (dense eigenvalues, O(n³), cached per member set). */
export const MAX_SPECTRUM_NODES = 512
/**
 * A tick this much later than its period means the observer itself was stopped (Ctrl-Z, SIGSTOP, a machine
 * asleep): the time it could not listen is given back to the peers instead of being held against them (ms).
 */
export const OBSERVER_STALL_MS = 3000
/** Terminal view and dashboard refresh period (ms). */
export const REFRESH_MS = 1000
/** Dashboard clients (server-sent event streams) at once. */
export const MAX_CLIENTS = 32
/** Where the dashboard listens unless told otherwise: this machine only. */
export const DEFAULT_HTTP_HOST = '127.0.0.1'
