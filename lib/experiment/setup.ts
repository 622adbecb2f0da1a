/**
 * The training side of an experiment, shared by the simulator (all peers in one process) and the network
 * peer (one slot): data split, model, each peer's initial vector and local objective, and evaluation.
 */
import { loadDataset, loadOwnData, partition, partitionStats } from '../data/index.ts'
import { createModel, initBackend, parseModelSpec } from '../model/index.ts'
import type { DatasetShape, ModelSpec } from '../model/index.ts'
import { modelObjective } from '../objectives/index.ts'
import type { LocalObjective } from '../algorithms/index.ts'
import { hashSeed } from '../random/index.ts'
import type { Rng } from '../random/index.ts'
import type { ExperimentConfig } from './config.ts'
import { InvalidExperimentConfigError } from './errors.ts'

export interface TrainingSetup {
  dim: number
  /** the tfjs backend in use; null for gossip, which needs no model */
  backend: string | null
  /** peer i's initial parameters: the same seeded model for every peer, or (gossip) distinct N(0, 1) vectors */
  x0: (peer: number, rng: Rng) => Float32Array
  /** peer i's local objective over its shard; undefined for gossip */
  objective?: (peer: number, rng: Rng) => LocalObjective
  /** test-set loss and accuracy of a parameter vector (first `limit` samples; all when absent); undefined for gossip */
  evaluate?: (params: Float32Array, limit?: number) => { loss: number, accuracy: number }
  trainSamples: number | null
  testSamples: number | null
  shardSizes: number[] | null
  partitionSkew: number | null
  dispose: () => void
}

export interface PrepareOptions {
  backend?: string
  /**
   * Prepare one peer only (a network peer in this slot): its shard is the only training data turned into
   * floats, and `objective` serves that slot alone. Its batches are the simulator's for the same slot.
   */
  slot?: number
  /**
   * With `slot`: train on every sample of the IDX files in this folder (the peer's own data) instead of its shard
   * of the seeded split; the test set comes from the same folder.
   */
  ownDataDir?: string
}

export async function prepareTraining (config: ExperimentConfig, opts: PrepareOptions = {}): Promise<TrainingSetup> {
  if (config.algo === 'gossip') {
    return {
      dim: config.dim,
      backend: null,
      x0: (_peer, rng) => {
        const x = new Float32Array(config.dim)
        for (let i = 0; i < x.length; i++) x[i] = rng.normal()
        return x
      },
      trainSamples: null,
      testSamples: null,
      shardSizes: null,
      partitionSkew: null,
      dispose: () => {}
    }
  }
  const backend = await initBackend((opts.backend ?? config.backend) as 'auto')
  const split = (labels: Uint8Array): Uint32Array[] => partition(labels, config.peers, config.partition, hashSeed(config.seed, 'partition'))
  const slot = opts.slot
  let skew: number | null = null
  let sizes: number[] | null = null
  if (opts.ownDataDir !== undefined && slot === undefined) throw new InvalidExperimentConfigError('ownDataDir', 'own data belongs to one peer: give its slot too')
  // own data is checked against the run's image size (every peer trains the same model); loadOwnData memoises as loadDataset
  const shardRows = slot === undefined
    ? {}
    : {
        trainRows: (labels: Uint8Array) => {
          const all = split(labels)
          sizes = all.map((p) => p.length)
          skew = partitionStats(labels, all, 10).skew // MNIST and Fashion-MNIST: 10 classes
          return all[slot]
        }
      }
  const data = opts.ownDataDir !== undefined
    ? await loadOwnData(config.dataset, opts.ownDataDir, { datasetDir: config.datasetDir, normalize: config.normalize })
    : await loadDataset(config.dataset, { dataDir: config.datasetDir, normalize: config.normalize, ...shardRows })
  const spec = modelSpec(config.model, data)
  // in slot mode the loaded training set is the slot's shard, rows in the order of the partition
  const parts = slot === undefined ? split(data.train.y) : [Uint32Array.from({ length: data.train.n }, (_, i) => i)]
  if (slot === undefined) {
    sizes = parts.map((p) => p.length)
    skew = partitionStats(data.train.y, parts, data.classes).skew
  }
  const model = createModel(spec)
  const init = model.init(hashSeed(config.seed, 'model'))
  return {
    dim: model.dim,
    backend,
    // every peer starts from the same seeded initial model, as in the references (decentralizepy, CHOCO-SGD)
    x0: () => init,
    objective: (peer, rng) => {
      if (slot !== undefined && peer !== slot) throw new InvalidExperimentConfigError('slot', `this setup holds the data of slot ${slot} only, not of peer ${peer}`)
      return modelObjective(model, data.train, parts[slot === undefined ? peer : 0], config.batch, rng)
    },
    evaluate: (params, limit) => model.evaluate(params, data.test, limit !== undefined && limit > 0 ? { limit } : {}),
    trainSamples: data.train.n,
    testSamples: data.test.n,
    shardSizes: sizes,
    partitionSkew: skew,
    dispose: () => { model.dispose() }
  }
}

/**
 * The config's model for this data. A spec that does not fit the data (or has more than lib/model's MAX_PARAMS
 * parameters) is the config's `model` field at fault, reported as such before any parameter is allocated.
 */
function modelSpec (text: string, data: DatasetShape): ModelSpec {
  try {
    return parseModelSpec(text, data)
  } catch (err) {
    if ((err as Error).name !== 'InvalidModelSpecError') throw err
    throw new InvalidExperimentConfigError('model', `model: ${(err as Error).message}`)
  }
}
