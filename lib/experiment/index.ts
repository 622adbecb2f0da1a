/**
 * lib/experiment: one simulated experiment from a flat config (data, partition, model, topology,
 * algorithm, codec, rounds), reported a round at a time. Used by `murmur sim` and the scripts.
 */
export { EXPERIMENT_DEFAULTS, EXPERIMENT_BOUNDS, EXPERIMENT_FIELDS, DATASETS, BACKENDS, resolveExperiment, algorithmConfig, configNotes } from './config.ts'
export type { ExperimentConfig, DatasetChoice, BackendChoice, FieldBounds } from './config.ts'
export { runExperiment, MAX_SIMULATED_PARAMS } from './run.ts'
export { experimentTopology } from './topology.ts'
export type { ExperimentTopology } from './topology.ts'
export type { MetricsRecord, ExperimentInfo, ExperimentSummary, ExperimentHooks } from './run.ts'
export { InvalidExperimentConfigError, RunDivergedError } from './errors.ts'
export { AGREED_FIELDS, agreedConfig, configHash, configDiff, formatConfigDiff, legacyConfigHash, MODEL_DIM_HINT, resolveRunConfig, withModelDim, DEFAULT_RUN_ID, DEFAULT_ROUND_DEADLINE_MS } from './agreement.ts'
export type { AgreedConfig, AgreedField, ConfigDifference, NetworkSettings, RunConfig } from './agreement.ts'
export { prepareTraining } from './setup.ts'
export type { TrainingSetup } from './setup.ts'
export { chooseAttackers, resolveByzantine } from './byzantine.ts'
export { DIVERGENCE_FACTOR, detectDivergence } from './divergence.ts'
export type { Divergence } from './divergence.ts'
