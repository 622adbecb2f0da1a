/** Public data types of lib/data (the contract in docs/ARCHITECTURE.md). */

/** n samples: `x` is n × features row-major, `y` the class of each row. */
export interface Split {
  n: number
  x: Float32Array
  y: Uint8Array
}

/**
 * n samples kept as the file's bytes: row i's value k is `table[pixels[i * features + k]]`. A quarter of a
 * float Split's memory; evaluation converts a chunk at a time (lib/data `splitRows`). A network peer's test set.
 */
export interface PackedSplit {
  n: number
  features: number
  pixels: Uint8Array
  /** the float value of each byte (pixel / 255, standardised when the dataset is) */
  table: Float32Array
  y: Uint8Array
}

/** Samples as float rows or as packed bytes; training (the batcher) and evaluation take either. */
export type AnySplit = Split | PackedSplit

/** Mean and standard deviation subtracted from / dividing every input value (one scalar for all pixels). */
export interface Normalization {
  mean: number
  std: number
}

export interface ClassificationDataset {
  name: string
  features: number
  classes: number
  /** [height, width, channels] when the rows are images (channels last) */
  imageShape?: [number, number, number]
  /**
   * Set when the inputs were standardised, x = (pixel / 255 − mean) / std with mean and std of the training
   * pixels; absent when x holds the pixels scaled to [0, 1].
   */
  normalization?: Normalization
  /** float rows; packed bytes (PackedSplit) when loaded with `trainRows`: one peer's data, where memory matters */
  train: AnySplit
  test: AnySplit
}

export type DatasetName = 'mnist' | 'fashion-mnist'

export interface LoadDatasetOptions {
  /** a folder holding the four standard IDX files (raw or .gz); default: the dataset's installed location */
  dataDir?: string
  /**
   * Standardise the inputs with the training set's pixel mean and standard deviation (for MNIST these are
   * the familiar 0.1307 and 0.3081). Default false: pixels scaled to [0, 1].
   */
  normalize?: boolean
  /**
   * Keep only these training rows, in this order, given the training labels (e.g. one peer's shard of a
   * partition): the others are never converted to floats, so a peer holds its shard, not the whole set.
   * Normalisation statistics still come from the whole training set, streamed; from raw (not gzipped) files
   * only the kept rows are read. Both splits are then kept packed (PackedSplit). Such loads are not memoised.
   */
  trainRows?: (labels: Uint8Array) => Uint32Array
}

/** A least-squares problem min_x f(x) = (1/2n)‖Ax − b‖² with its exact minimiser. */
export interface LeastSquaresProblem {
  samples: number
  features: number
  /** samples × features, row-major */
  a: Float32Array
  b: Float32Array
  /** the weights b was generated from (before noise) */
  xPlanted: Float64Array
  /** the exact minimiser of f for the stored (float32) A and b, solved in float64 */
  xStar: Float64Array
  /** f(xStar), the optimal value, so a caller can report suboptimality f(x) − f* */
  fStar: number
}

export interface SyntheticLeastSquaresOptions {
  samples: number
  features: number
  /** standard deviation of the Gaussian noise added to b */
  noise: number
  seed: number
}

export interface SyntheticLogisticOptions {
  /** training samples */
  samples: number
  features: number
  /** default 2 */
  classes?: number
  /** temperature of the label model y ~ softmax(W x / noise); 0 gives y = argmax W x (separable) */
  noise: number
  seed: number
  /** default: as many as `samples` */
  testSamples?: number
}

/** A classification problem drawn from a planted softmax model, x ~ N(0, I), y ~ softmax(W x / noise). */
export interface LogisticProblem extends ClassificationDataset {
  /** generated in floats: never packed */
  train: Split
  test: Split
  /** planted weights, classes × features row-major */
  wPlanted: Float32Array
  /** accuracy of the planted model's argmax on the drawn labels (the Bayes classifier for this model) */
  plantedAccuracy: { train: number, test: number }
  /** expected accuracy of that classifier given the inputs: mean over rows of the largest class probability */
  bayesAccuracy: { train: number, test: number }
}

/** Per-peer summary of a partition. */
export interface PartitionStats {
  /** samples held by each peer */
  sizes: Uint32Array
  /** per-peer class counts, peers × classes row-major */
  histogram: Uint32Array
  /** number of classes each peer holds at least one sample of */
  classesPerPeer: Uint32Array
  /**
   * Label skew: mean over non-empty peers of the total-variation distance between the peer's class
   * distribution and the global one, ½ Σ_c |p_c − q_c|; 0 for a perfectly balanced split, at most 1.
   */
  skew: number
}

/** A peer's place in a run, from `--shard i/n`: 0 <= index < count. */
export interface ShardRef {
  index: number
  count: number
}

/** Mini-batches over a set of sample indices, reshuffled each epoch. */
export interface Batcher {
  /** the batch size asked for; the last batch of an epoch may be smaller */
  readonly batchSize: number
  /** batches in one epoch, ⌈indices / batchSize⌉ */
  readonly batchesPerEpoch: number
  /** epochs started so far (1 after the first call) */
  readonly epoch: number
  /**
   * Copy the next batch into the caller's buffers (rows into `xOut`, labels into `yOut`) and return how
   * many samples were written. An epoch ends with a possibly short batch; the next call reshuffles.
   */
  next (xOut: Float32Array, yOut: Uint8Array): number
  /** Move past the next `batches` batches as `batches` calls of next would, without copying them (a restore's replay). */
  skip (batches: number): void
}
