/**
 * node/metrics: a peer's Prometheus metrics (prom-client) from its per-round PeerRecord, and the HTTP endpoint
 * `murmur peer --metrics-port` serves them on. This file is the module's whole public surface.
 */
export { createPeerMetrics, METRICS } from './peer-metrics.ts'
export type { PeerIdentity, PeerMetrics, PeerMetricsInit } from './peer-metrics.ts'
export { startMetricsServer } from './server.ts'
export type { MetricsServer, MetricsServerInit } from './server.ts'
export { MetricsServerError } from './errors.ts'
export { DEFAULT_METRICS_HOST, METRIC_PREFIX, METRICS_PATH, PHASE_BUCKETS } from './constants.ts'
