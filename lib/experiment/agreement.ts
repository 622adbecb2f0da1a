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
 * simulator-only drop/offline) are not among them. `dim` is the length of the vector the peers exchange: `--dim`
 * with `--algo gossip`, and in a training run its model's parameter count (withModelDim), which depends on the
 * data's image size and classes (a per-peer --dataset-dir) as well as on `model`: peers whose models differ in
 * size are refused by name at membership, instead of having every message rejected as of another dimension.
 */
export const AGREED_FIELDS = [
  'runId', 'peers', 'topology', 'rows', 'weights', 'algo', 'order', 'codec', 'gamma', 'lr', 'momentum', 'weightDecay',
  'localSteps', 'overlap', 'sync', 'staleness', 'aggregate', 'batch', 'dataset', 'normalize', 'partition', 'model', 'rounds', 'seed', 'roundDeadlineMs',
  'dim'
] as const

export type AgreedField = typeof AGREED_FIELDS[number]
export type AgreedConfig = Partial<Record<AgreedField, string | number | boolean | null>>

/**
 * The agreed part of a config, with absent optional fields as null so every peer hashes the same object. A
 * training run's `dim` is hashed as the config holds it: give the config withModelDim(config, model.dim) first.
 */
export function agreedConfig (config: Partial<RunConfig>): AgreedConfig {
  const out: AgreedConfig = {}
  for (const f of AGREED_FIELDS) {
    const v = (config as Record<string, unknown>)[f]
    out[f] = v === undefined ? null : v as string | number | boolean
  }
  return out
}

/**
 * The run config with `dim` the length of the vector its peers exchange: gossip's own `dim`, a training run's
 * model parameter count (`params`, known once the model is built from the data's shape).
 */
export function withModelDim<C extends Partial<RunConfig>> (config: C, params: number): C {
  return config.algo === 'gossip' ? config : { ...config, dim: params }
}

/** Hex SHA-256 of the agreed fields in a fixed order (canonical JSON). */
export function configHash (config: Partial<RunConfig>): string {
  return hashAgreed(agreedConfig(config))
}

/**
 * The hash murmur gave a training run before its `dim` was agreed (dim null): the hash in older checkpoints and
 * peer.json files. A gossip run's hash did not change.
 */
export function legacyConfigHash (config: Partial<RunConfig>): string {
  const agreed = agreedConfig(config)
  if (config.algo !== 'gossip') agreed.dim = null
  return hashAgreed(agreed)
}

function hashAgreed (agreed: AgreedConfig): string {
  return createHash('sha256').update(JSON.stringify(AGREED_FIELDS.map((f) => [f, agreed[f]]))).digest('hex')
}

/** Why a training run's peers differ in `dim`: the cause to check, for the refusal message. */
export const MODEL_DIM_HINT = 'the model sizes differ: check that every peer\'s dataset files (--dataset-dir) have the same image size and classes, and the same --model'

export interface ConfigDifference {
  field: AgreedField
  ours: unknown
  theirs: unknown
  /** the likely cause, where the values alone do not tell it (a training run's dim) */
  hint?: string
}

/**
 * The agreed fields whose values differ, with both values, for an error message. Two training runs of one
 * algorithm that differ in `dim` differ in their models' parameter counts: that entry carries MODEL_DIM_HINT.
 */
export function configDiff (a: AgreedConfig, b: AgreedConfig): ConfigDifference[] {
  const out: ConfigDifference[] = []
  for (const f of AGREED_FIELDS) {
    const x = a[f] ?? null
    const y = b[f] ?? null
    if (x === y) continue
    const training = f === 'dim' && a.algo === b.algo && a.algo !== 'gossip' && typeof x === 'number' && typeof y === 'number'
    out.push(training ? { field: f, ours: x, theirs: y, hint: MODEL_DIM_HINT } : { field: f, ours: x, theirs: y })
  }
  return out
}

/** "lr: ours 0.05, theirs 0.1; dim: ours 101770, theirs 79510 (the model sizes differ: check …)" */
export function formatConfigDiff (diff: readonly ConfigDifference[]): string {
  return diff.map((d) => `${d.field}: ours ${JSON.stringify(d.ours)}, theirs ${JSON.stringify(d.theirs)}${d.hint !== undefined ? ` (${d.hint})` : ''}`).join('; ')
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
