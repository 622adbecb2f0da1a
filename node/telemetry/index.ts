/**
 * node/telemetry: the per-round summaries peers publish on a gossipsub topic of their run, for observers
 * (`murmur watch`), and the sketch from which an observer estimates the consensus distance. This file is the
 * module's whole public surface.
 */
export { createTelemetryPublisher, summarize } from './publisher.ts'
export type { TelemetryPublisher, TelemetryPublisherComponents, TelemetryPublisherInit, TelemetryStats } from './publisher.ts'
export { decodeSummary, encodeSummary, telemetryTopic } from './message.ts'
export type { LinkTraffic, RoundSummary, SummaryDecodeResult, SummaryFault, SummarySketch } from './message.ts'
export { consensusFromSketches, sketch, sketchInto, sketchSeed } from './sketch.ts'
export { InvalidSketchError, InvalidTelemetryInitError, SummaryTooLargeError } from './errors.ts'
export { MAX_LINKS, MAX_SUMMARY_BYTES, SKETCH_SIZE, TELEMETRY_EVERY, TELEMETRY_VERSION } from './constants.ts'
