/**
 * lib/data: datasets, synthetic problems, seeded partitions and mini-batches. This file is the whole
 * public surface (contract in docs/ARCHITECTURE.md).
 */
export { loadDataset, loadOwnData, forgetLoadedDatasets, splitRows } from './datasets.ts'
export { parseIdx, readIdxFile, readIdxHeader, isGzip } from './idx.ts'
export type { IdxArray, IdxData, IdxHeader, IdxType, ParseIdxOptions } from './idx.ts'
export { syntheticLeastSquares, syntheticLogistic } from './synthetic.ts'
export { partition, parsePartitionSpec, formatPartitionSpec, parseShard, shardOf } from './partition.ts'
export { partitionStats } from './stats.ts'
export type { PartitionSpec } from './partition.ts'
export { createBatcher } from './batcher.ts'
export { sampleGamma, sampleDirichlet } from './gamma.ts'
export {
  InvalidIdxError, DatasetNotFoundError, InvalidDatasetError, InvalidPartitionSpecError, InvalidShardSpecError,
  InvalidDataOptionsError, UnreadableDataError
} from './errors.ts'
export type {
  Split, PackedSplit, AnySplit, ClassificationDataset, Normalization, DatasetName, LoadDatasetOptions, LeastSquaresProblem,
  SyntheticLeastSquaresOptions, SyntheticLogisticOptions, LogisticProblem, PartitionStats, ShardRef, Batcher
} from './types.ts'
