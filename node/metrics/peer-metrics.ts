/**
 * A peer's Prometheus metrics (prom-client), fed from the PeerRecord of each round (node/peer). One registry
 * per PeerMetrics, never prom-client's global one, so several peers in one process (tests) keep apart.
 * Names, types and labels are listed in the README ("Metrics"); `METRICS` below is the same list in code.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import type { PeerRecord } from '../peer/index.ts'
import { METRIC_PREFIX, PHASE_BUCKETS } from './constants.ts'

export interface PeerMetricsInit {
  /** also export prom-client's process and Node.js metrics (CPU, resident memory, event loop lag, GC); default true */
  processMetrics?: boolean
}

export interface PeerIdentity {
  peerId: string
  slot: number
  runId: string
  algo?: string
  codec?: string
  topology?: string
}

export interface PeerMetrics {
  readonly registry: Registry
  /** labels every series with `run` and `peer`, and sets murmur_peer_info */
  identify: (id: PeerIdentity) => void
  /** after each round */
  record: (record: PeerRecord) => void
}

/** Every murmur metric: name (without the prefix), type, labels. */
export const METRICS = [
  { name: 'peer_info', type: 'gauge', labels: ['slot', 'algo', 'codec', 'topology'], help: 'always 1; the peer\'s slot and run settings as labels' },
  { name: 'round', type: 'gauge', labels: [], help: 'rounds completed by this peer' },
  { name: 'train_loss', type: 'gauge', labels: [], help: 'mean training loss of this round\'s local steps (absent for gossip)' },
  { name: 'test_accuracy', type: 'gauge', labels: [], help: 'this peer\'s own model on the test set, at its latest evaluation (absent before the first)' },
  { name: 'test_loss', type: 'gauge', labels: [], help: 'test loss at the latest evaluation (absent before the first)' },
  { name: 'members', type: 'gauge', labels: [], help: 'members of the current round in this peer\'s membership view' },
  { name: 'degree', type: 'gauge', labels: [], help: 'neighbours of this peer in the current round\'s topology' },
  { name: 'spectral_gap', type: 'gauge', labels: [], help: '1 - lambda2 of the round\'s mixing matrix W over the members this peer sees' },
  { name: 'lambda2', type: 'gauge', labels: [], help: 'second largest eigenvalue modulus of the round\'s W over the members this peer sees' },
  // The two byte counters count at two layers, so they never quite agree (a user summing one must not expect the
  // other): sent_bytes_total is the algorithm's count (PeerRecord.bytesSent, RoundReport.bytesSent), neighbour_bytes_total
  // the exchange's (its per-peer bytesOut / bytesIn, node/exchange stats), which adds every frame's envelope and counts
  // a send only once written, sampled as each round ends.
  { name: 'neighbour_bytes_total', type: 'counter', labels: ['neighbour', 'direction'], help: 'bytes on the wire with each neighbour of the round, by direction: out = whole frames written (payload chunks, each with its 40-byte envelope header and its length prefix), counted once a message is fully written; in = frames read (payload chunks and envelope headers, without length prefixes); sampled at the end of each round, so a send still in flight then is counted a round later. Summed over neighbours, out is not murmur_sent_bytes_total: it adds the envelopes and leaves out sends not (yet) written' },
  { name: 'sent_bytes_total', type: 'counter', labels: [], help: 'bytes of the algorithm\'s messages this peer sent: each round, its message payload (without the exchange\'s envelope headers and length prefixes) once per neighbour of the round, delivered or not, counted as the round ends; the bytesSent of metrics.jsonl and of the telemetry summary, not the sum of murmur_neighbour_bytes_total{direction="out"}' },
  { name: 'messages_total', type: 'counter', labels: ['outcome'], help: 'neighbour messages of each round by outcome: received, missing (deadline passed)' },
  { name: 'rejections_total', type: 'counter', labels: ['source', 'reason'], help: 'refused messages: source algorithm (malformed, wrong size, non-finite, ...) or exchange (wire faults, not a neighbour, too early, ...)' },
  { name: 'stale_copies', type: 'gauge', labels: [], help: 'CHOCO-SGD neighbour copies awaiting a full resync' },
  { name: 'round_phase_seconds', type: 'histogram', labels: ['phase'], help: 'time of each round in each phase: compute (local steps), communicate (in the exchange), wait (for the run or the join round)' },
  { name: 'round_seconds', type: 'histogram', labels: [], help: 'wall time of each round' }
] as const

export function createPeerMetrics (init: PeerMetricsInit = {}): PeerMetrics {
  const registry = new Registry()
  if (init.processMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: METRIC_PREFIX })
  const spec = Object.fromEntries(METRICS.map((m) => [m.name, m]))
  const gauge = (name: string): Gauge => new Gauge({ name: METRIC_PREFIX + name, help: spec[name].help, labelNames: [...spec[name].labels], registers: [registry] })
  // prom-client starts a gauge without labels at 0; a dashboard reads that 0 as a value (accuracy 0), so a gauge fed
  // by a measurement has no sample until its first one. An absent series is Prometheus's "not measured" (its HELP and
  // TYPE lines stay, so the metric is still listed).
  const measured = (name: string): Gauge => { const g = gauge(name); g.remove({}); return g }
  const counter = (name: string): Counter => new Counter({ name: METRIC_PREFIX + name, help: spec[name].help, labelNames: [...spec[name].labels], registers: [registry] })
  const histogram = (name: string): Histogram => new Histogram({ name: METRIC_PREFIX + name, help: spec[name].help, labelNames: [...spec[name].labels], buckets: [...PHASE_BUCKETS], registers: [registry] })

  const info = gauge('peer_info')
  const round = gauge('round')
  const trainLoss = measured('train_loss')
  const testAccuracy = measured('test_accuracy')
  const testLoss = measured('test_loss')
  const members = measured('members')
  const degree = measured('degree')
  const gap = measured('spectral_gap')
  const lambda2 = measured('lambda2')
  const neighbourBytes = counter('neighbour_bytes_total')
  const sentBytes = counter('sent_bytes_total')
  const messages = counter('messages_total')
  const rejections = counter('rejections_total')
  const stale = gauge('stale_copies')
  const phase = histogram('round_phase_seconds')
  const roundTime = histogram('round_seconds')

  // the exchange's counters are cumulative since the start: remember the last values to add the increase
  const lastTraffic = new Map<string, { in: number, out: number }>()
  const lastExchangeRejected = new Map<string, number>()
  let lastBytesSent = 0

  return {
    registry,
    identify (id) {
      registry.setDefaultLabels({ run: id.runId, peer: id.peerId })
      info.reset()
      info.set({ slot: String(id.slot), algo: id.algo ?? '', codec: id.codec ?? '', topology: id.topology ?? '' }, 1)
    },
    record (r) {
      round.set(r.round)
      if (Number.isFinite(r.trainLoss)) trainLoss.set(r.trainLoss)
      if (r.accuracy !== null) testAccuracy.set(r.accuracy)
      if (r.testLoss !== null && Number.isFinite(r.testLoss)) testLoss.set(r.testLoss)
      members.set(r.members)
      degree.set(r.neighbours.length)
      if (Number.isFinite(r.lambda2)) { lambda2.set(r.lambda2); gap.set(1 - r.lambda2) }
      for (const [id, t] of Object.entries(r.traffic)) {
        const last = lastTraffic.get(id) ?? { in: 0, out: 0 }
        if (t.in > last.in) neighbourBytes.inc({ neighbour: id, direction: 'in' }, t.in - last.in)
        if (t.out > last.out) neighbourBytes.inc({ neighbour: id, direction: 'out' }, t.out - last.out)
        lastTraffic.set(id, { in: Math.max(t.in, last.in), out: Math.max(t.out, last.out) })
      }
      if (r.bytesSent > lastBytesSent) { sentBytes.inc(r.bytesSent - lastBytesSent); lastBytesSent = r.bytesSent }
      if (r.received > 0) messages.inc({ outcome: 'received' }, r.received)
      if (r.missing > 0) messages.inc({ outcome: 'missing' }, r.missing)
      for (const [reason, n] of Object.entries(r.rejected)) if (n > 0) rejections.inc({ source: 'algorithm', reason }, n)
      for (const [reason, total] of Object.entries(r.exchangeRejected)) {
        const last = lastExchangeRejected.get(reason) ?? 0
        if (total > last) { rejections.inc({ source: 'exchange', reason }, total - last); lastExchangeRejected.set(reason, total) }
      }
      stale.set(r.stale)
      phase.observe({ phase: 'compute' }, r.computeMs / 1000)
      phase.observe({ phase: 'communicate' }, r.commMs / 1000)
      phase.observe({ phase: 'wait' }, r.waitMs / 1000)
      roundTime.observe(r.roundMs / 1000)
    }
  }
}
