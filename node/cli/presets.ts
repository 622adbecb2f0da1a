/**
 * Named run configs for `murmur init --preset NAME`: the experiments the README describes, each a partial
 * ExperimentConfig (every other field takes its default), so `murmur sim --config` of the written file runs it.
 */
import type { ExperimentConfig } from '../../lib/experiment/index.ts'

export interface Preset {
  name: string
  summary: string
  /** the command to run it, shown in the file's header */
  run: string
  config: Partial<ExperimentConfig>
}

export const PRESETS: readonly Preset[] = [
  {
    name: 'mnist-ring',
    summary: 'the main job: 16 peers on a ring train the MNIST MLP (784-128-10) with D-PSGD, 600 rounds (README: 97.36 % averaged model)',
    run: 'murmur sim --config FILE --out runs/mnist-ring-config',
    config: { peers: 16, topology: 'ring', algo: 'dpsgd', codec: 'none', dataset: 'mnist', model: 'mlp', partition: 'iid', rounds: 600 }
  },
  {
    name: 'mnist-choco-topk',
    summary: 'CHOCO-SGD with top-1 % compression, 16 peers on a ring, MNIST MLP, 1,000 rounds (README: 75x fewer bytes than D-PSGD)',
    run: 'murmur sim --config FILE --out runs/mnist-choco',
    config: { peers: 16, topology: 'ring', algo: 'choco', codec: 'topk:0.01', gamma: 0.05, lr: 0.02, dataset: 'mnist', model: 'mlp', rounds: 1000 }
  },
  {
    name: 'fashion-torus',
    summary: 'Fashion-MNIST on a 4x4 torus, 16 peers, D-PSGD, MLP, 600 rounds (needs Debian\'s dataset-fashion-mnist or --dataset-dir)',
    run: 'murmur sim --config FILE --out runs/fashion-torus',
    config: { peers: 16, topology: 'torus', algo: 'dpsgd', dataset: 'fashion-mnist', model: 'mlp', rounds: 600 }
  },
  {
    name: 'mnist-noniid',
    summary: 'a non-iid split (Dirichlet alpha = 0.1) over an exponential graph, 16 peers, D-PSGD, MNIST MLP, 600 rounds',
    run: 'murmur sim --config FILE --out runs/mnist-noniid',
    config: { peers: 16, topology: 'exponential', algo: 'dpsgd', dataset: 'mnist', partition: 'dirichlet:0.1', rounds: 600 }
  },
  {
    name: 'gossip-spectral',
    summary: 'pure gossip averaging of random vectors, 64 peers on a torus, 100 rounds: the consensus distance shrinks by lambda2² a round',
    run: 'murmur sim --config FILE --out runs/gossip && murmur report runs/gossip',
    config: { peers: 64, topology: 'torus', algo: 'gossip', dim: 1000, rounds: 100 }
  }
]

export const PRESET_NAMES: readonly string[] = PRESETS.map((p) => p.name)
