/**
 * What the peers of one network run must agree on, and its hash. Peers exchange the hash (and the
 * agreed fields, so a mismatch can be explained) in membership messages; a peer whose hash differs is
 * refused, with the differing fields named on both sides.
 */
import { createHash } from 'node:crypto'
import { resolveExperiment } from './config.ts'
import type { ExperimentConfig } from './config.ts'
import { InvalidExperimentConfigError } from './errors.ts'

/** Settings of a network run beyond the experiment's. */
export interface NetworkSettings {
  /** names the run; peers of different runs ignore each other */
  runId: string
  /** how long a peer waits for its neighbours' messages of a round before mixing what it has */
  roundDeadlineMs: number
}

export type RunConfig = ExperimentConfig & NetworkSettings

/**
 * Fields every peer of a run must share. Per-peer choices (backend, data folder, evaluation limits,
 * simulator-only drop/offline) are not among them. `dim` counts for gossip only (agreedConfig): the vectors
 * averaged must have one length, while a training run's dimension comes from its model and `dim` is unused.
 */
export const AGREED_FIELDS = [
  'runId', 'peers', 'topology', 'rows', 'weights', 'algo', 'order', 'codec', 'gamma', 'lr', 'momentum', 'weightDecay',
  'localSteps', 'overlap', 'sync', 'staleness', 'aggregate', 'batch', 'dataset', 'normalize', 'partition', 'model', 'rounds', 'seed', 'roundDeadlineMs',
  'dim'
] as const

export type AgreedField = typeof AGREED_FIELDS[number]
export type AgreedConfig = Partial<Record<AgreedField, string | number | boolean | null>>

/**
 * The agreed part of a config, with absent optional fields as null so every peer hashes the same object; `dim`
 * is null unless the algorithm is gossip.
 */
export function agreedConfig (config: Partial<RunConfig>): AgreedConfig {
  const out: AgreedConfig = {}
  for (const f of AGREED_FIELDS) {
    const v = f === 'dim' && config.algo !== 'gossip' ? undefined : (config as Record<string, unknown>)[f]
    out[f] = v === undefined ? null : v as string | number | boolean
  }
  return out
}

/** Hex SHA-256 of the agreed fields in a fixed order (canonical JSON). */
export function configHash (config: Partial<RunConfig>): string {
  const agreed = agreedConfig(config)
  return createHash('sha256').update(JSON.stringify(AGREED_FIELDS.map((f) => [f, agreed[f]]))).digest('hex')
}

/** The agreed fields whose values differ, with both values, for an error message. */
export function configDiff (a: AgreedConfig, b: AgreedConfig): Array<{ field: AgreedField, ours: unknown, theirs: unknown }> {
  const out: Array<{ field: AgreedField, ours: unknown, theirs: unknown }> = []
  for (const f of AGREED_FIELDS) {
    const x = a[f] ?? null
    const y = b[f] ?? null
    if (x !== y) out.push({ field: f, ours: x, theirs: y })
  }
  return out
}

/** "lr: ours 0.05, theirs 0.1; codec: ours none, theirs topk:0.01" */
export function formatConfigDiff (diff: ReturnType<typeof configDiff>): string {
  return diff.map((d) => `${d.field}: ours ${JSON.stringify(d.ours)}, theirs ${JSON.stringify(d.theirs)}`).join('; ')
}

export const DEFAULT_RUN_ID = 'murmur'
export const DEFAULT_ROUND_DEADLINE_MS = 5000

/** A network run's config: the experiment fields resolved and checked, plus runId and roundDeadlineMs. */
export function resolveRunConfig (partial: Partial<RunConfig>): RunConfig {
  const { runId, roundDeadlineMs, ...experiment } = partial
  const id = runId ?? DEFAULT_RUN_ID
  if (typeof id !== 'string' || !/^[A-Za-z0-9._-]{1,64}$/.test(id)) {
    throw new InvalidExperimentConfigError('runId', `runId: expected 1 to 64 letters, digits, '.', '_' or '-', got ${JSON.stringify(id)}`)
  }
  const deadline = roundDeadlineMs ?? DEFAULT_ROUND_DEADLINE_MS
  if (typeof deadline !== 'number' || !Number.isInteger(deadline) || deadline < 1 || deadline > 3_600_000) {
    throw new InvalidExperimentConfigError('roundDeadlineMs', `roundDeadlineMs: expected an integer in [1, 3600000], got ${JSON.stringify(deadline)}`)
  }
  return { ...resolveExperiment(experiment), runId: id, roundDeadlineMs: deadline }
}
