/** Defaults of node/metrics. */

/** Prefix of every metric name. */
export const METRIC_PREFIX = 'murmur_'
/** Where the endpoint listens unless told otherwise: this machine only. */
export const DEFAULT_METRICS_HOST = '127.0.0.1'
/** Path of the Prometheus exposition. */
export const METRICS_PATH = '/metrics'
/**
 * Buckets of the round-phase histogram (seconds): 1 ms to 60 s, about ×2.5 apart, so both a 2-core 4-peer
 * run (tens of ms) and a deadline-bound 32-peer run (5 s) land in distinct buckets.
 */
export const PHASE_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60] as const
