/**
 * A peer's side of telemetry: after each round (every `every` rounds) it turns its PeerRecord and its
 * parameters into a RoundSummary and publishes it on the run's telemetry topic. Peers do not subscribe to the
 * topic, so they never receive each other's summaries: only observers (`murmur watch`) do, and gossipsub's flood
 * publishing hands a peer's own messages straight to every connected subscriber. With no observer connected the
 * round costs nothing (no sketch, no signature).
 */
import type { Logger } from '@libp2p/interface'
import type { PubSub } from '../p2p/index.ts'
import type { PeerRecord } from '../peer/index.ts'
import { MAX_LINKS, MAX_TRAIN_LOSS, SKETCH_SIZE, TELEMETRY_EVERY, TELEMETRY_VERSION } from './constants.ts'
import { InvalidTelemetryInitError } from './errors.ts'
import { encodeSummary, telemetryTopic } from './message.ts'
import type { LinkTraffic, RoundSummary } from './message.ts'
import { sketchInto, sketchSeed } from './sketch.ts'

export interface TelemetryPublisherComponents {
  pubsub: Pick<PubSub, 'publish' | 'getSubscribers'>
  log?: Logger
}

export interface TelemetryPublisherInit {
  runId: string
  /** the run's seed: every peer derives the same sketch map of a round from it */
  seed: number
  /** publish every this many rounds (rounds completed divisible by it); default 1 */
  every?: number
}

export interface TelemetryStats {
  published: number
  /** rounds skipped because no observer was subscribed */
  idle: number
  errors: number
}

export interface TelemetryPublisher {
  readonly topic: string
  /** after a round: publish its summary if due and someone listens; never throws */
  round: (record: PeerRecord, params: Float32Array) => void
  stats: () => TelemetryStats
}

export function createTelemetryPublisher (components: TelemetryPublisherComponents, init: TelemetryPublisherInit): TelemetryPublisher {
  const every = init.every ?? TELEMETRY_EVERY
  if (!Number.isSafeInteger(every) || every < 1) throw new InvalidTelemetryInitError('every', `every must be an integer ≥ 1, got ${every}`)
  const topic = telemetryTopic(init.runId)
  const stats: TelemetryStats = { published: 0, idle: 0, errors: 0 }
  const buffer = new Float64Array(SKETCH_SIZE)
  let accuracy: number | null = null
  let accuracyRound: number | null = null
  return {
    topic,
    round (record, params) {
      if (record.accuracy !== null) { accuracy = record.accuracy; accuracyRound = record.round }
      if (record.round % every !== 0) return
      if (components.pubsub.getSubscribers(topic).length === 0) { stats.idle++; return }
      try {
        const seed = sketchSeed(init.seed, record.round)
        sketchInto(params, seed, buffer)
        const values = Float32Array.from(buffer)
        const summary = summarize(record, accuracy, accuracyRound, values.every(Number.isFinite) ? { seed, values } : null)
        components.pubsub.publish(topic, encodeSummary(summary)).then(() => { stats.published++ }, (err: Error) => {
          stats.errors++
          components.log?.('could not publish the round %d summary: %e', record.round, err)
        })
      } catch (err) {
        stats.errors++
        components.log?.('could not build the round %d summary: %e', record.round, err)
      }
    },
    stats: () => ({ ...stats })
  }
}

/** The summary of one PeerRecord. */
export function summarize (record: PeerRecord, accuracy: number | null, accuracyRound: number | null, sketch: RoundSummary['sketch']): RoundSummary {
  const links: LinkTraffic[] = Object.entries(record.traffic).map(([id, t]) => ({ id, in: t.in, out: t.out }))
  if (links.length > MAX_LINKS) links.sort((a, b) => (b.in + b.out) - (a.in + a.out)).length = MAX_LINKS
  let rejected = 0
  for (const v of Object.values(record.rejected)) rejected += v
  return {
    v: TELEMETRY_VERSION,
    id: record.peerId,
    slot: record.slot,
    round: record.round,
    members: Math.max(1, record.members),
    degree: Math.min(record.neighbours.length, Math.max(0, record.members - 1)),
    trainLoss: Number.isFinite(record.trainLoss) && Math.abs(record.trainLoss as number) <= MAX_TRAIN_LOSS ? record.trainLoss : null,
    accuracy,
    accuracyRound,
    lambda2: Number.isFinite(record.lambda2) ? Math.min(1, Math.max(0, record.lambda2)) : null,
    bytesSent: record.bytesSent,
    bytesThisRound: record.bytesThisRound,
    received: record.received,
    missing: record.missing,
    rejected,
    computeMs: nonNegative(record.computeMs),
    commMs: nonNegative(record.commMs),
    waitMs: nonNegative(record.waitMs),
    roundMs: nonNegative(record.roundMs),
    time: record.time,
    links,
    sketch
  }
}

function nonNegative (x: number): number {
  return Number.isFinite(x) && x > 0 ? x : 0
}
