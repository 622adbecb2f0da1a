/**
 * Synthetic problems with a known answer, seeded: least squares with its exact minimiser, and softmax
 * classification drawn from a planted model (so a trained model can be compared with the Bayes classifier).
 * Each random ingredient has its own fork of the seed, so e.g. changing the noise leaves A and the planted
 * weights unchanged.
 */
import { createRng, hashSeed } from '../random/index.ts'
import type { Rng } from '../random/index.ts'
import { InvalidDataOptionsError } from './errors.ts'
import { choleskyInPlace, choleskySolveInPlace } from './cholesky.ts'
import type {
  LeastSquaresProblem, LogisticProblem, Split, SyntheticLeastSquaresOptions, SyntheticLogisticOptions
} from './types.ts'

/**
 * A ~ N(0, 1) entries, b = A x_planted + noise · N(0, 1). x* solves the normal equations AᵀA x = Aᵀb in
 * float64 on the stored float32 A and b (Cholesky, then one step of iterative refinement), so it is the
 * minimiser of (1/2n)‖Ax − b‖² for exactly the data a model sees.
 */
export function syntheticLeastSquares (opts: SyntheticLeastSquaresOptions): LeastSquaresProblem {
  const { samples: n, features: d, noise } = opts
  checkCount('samples', n)
  checkCount('features', d)
  checkNoise(noise)
  if (n < d) throw new InvalidDataOptionsError(`least squares needs samples >= features for a unique minimiser, got ${n} samples and ${d} features`)
  const root = createRng(hashSeed(opts.seed, 'synthetic-least-squares'))
  const a = gaussian(n * d, root.fork('a'))
  const xRng = root.fork('x')
  const xPlanted = new Float64Array(d)
  for (let j = 0; j < d; j++) xPlanted[j] = xRng.normal()
  const noiseRng = root.fork('noise')
  const b = new Float32Array(n)
  for (let i = 0; i < n; i++) {
    let s = 0
    for (let j = 0; j < d; j++) s += a[i * d + j] * xPlanted[j]
    b[i] = s + noise * noiseRng.normal()
  }

  const gram = new Float64Array(d * d)
  for (let i = 0; i < n; i++) {
    const row = i * d
    for (let j = 0; j < d; j++) {
      const aij = a[row + j]
      for (let k = 0; k <= j; k++) gram[j * d + k] += aij * a[row + k]
    }
  }
  choleskyInPlace(gram, d)
  const xStar = new Float64Array(d)
  const residual = new Float64Array(n)
  const correction = new Float64Array(d)
  // x ← x + (AᵀA)⁻¹ Aᵀ(b − Ax): from x = 0 the first pass is the plain solve, the second removes its round-off
  for (let step = 0; step < 2; step++) {
    residualOf(a, b, xStar, n, d, residual)
    correction.fill(0)
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) correction[j] += a[i * d + j] * residual[i]
    choleskySolveInPlace(gram, d, correction)
    for (let j = 0; j < d; j++) xStar[j] += correction[j]
  }
  residualOf(a, b, xStar, n, d, residual)
  let sq = 0
  for (let i = 0; i < n; i++) sq += residual[i] * residual[i]
  return { samples: n, features: d, a, b, xPlanted, xStar, fStar: sq / (2 * n) }
}

/**
 * x ~ N(0, I) rows, planted W with N(0, 1/features) entries (so each logit has unit variance), labels
 * y ~ softmax(W x / noise), or y = argmax W x when noise is 0.
 */
export function syntheticLogistic (opts: SyntheticLogisticOptions): LogisticProblem {
  const { samples, features, noise } = opts
  const classes = opts.classes ?? 2
  const testSamples = opts.testSamples ?? samples
  checkCount('samples', samples)
  checkCount('testSamples', testSamples)
  checkCount('features', features)
  if (!Number.isSafeInteger(classes) || classes < 2 || classes > 256) throw new InvalidDataOptionsError(`expected 2 to 256 classes, got ${classes}`)
  checkNoise(noise)
  const root = createRng(hashSeed(opts.seed, 'synthetic-logistic'))
  const wPlanted = gaussian(classes * features, root.fork('w'))
  const scale = 1 / Math.sqrt(features)
  for (let i = 0; i < wPlanted.length; i++) wPlanted[i] *= scale
  const train = drawSplit(samples, features, classes, wPlanted, noise, root.fork('train'))
  const test = drawSplit(testSamples, features, classes, wPlanted, noise, root.fork('test'))
  return {
    name: 'synthetic-logistic',
    features,
    classes,
    train: train.split,
    test: test.split,
    wPlanted,
    plantedAccuracy: { train: train.plantedAccuracy, test: test.plantedAccuracy },
    bayesAccuracy: { train: train.bayesAccuracy, test: test.bayesAccuracy }
  }
}

interface DrawnSplit { split: Split, plantedAccuracy: number, bayesAccuracy: number }

function drawSplit (n: number, d: number, classes: number, w: Float32Array, noise: number, rng: Rng): DrawnSplit {
  const x = gaussian(n * d, rng.fork('x'))
  const labelRng = rng.fork('y')
  const y = new Uint8Array(n)
  const p = new Float64Array(classes)
  let hits = 0
  let expected = 0
  for (let i = 0; i < n; i++) {
    let best = 0
    for (let c = 0; c < classes; c++) {
      let z = 0
      for (let j = 0; j < d; j++) z += w[c * d + j] * x[i * d + j]
      p[c] = z
      if (z > p[best]) best = c
    }
    if (noise === 0) {
      y[i] = best
      hits++
      expected++
      continue
    }
    // softmax with the max subtracted, then inverse-CDF sampling of the label
    let sum = 0
    const top = p[best]
    for (let c = 0; c < classes; c++) { p[c] = Math.exp((p[c] - top) / noise); sum += p[c] }
    let u = labelRng.next() * sum
    let label = classes - 1
    for (let c = 0; c < classes; c++) {
      u -= p[c]
      if (u < 0) { label = c; break }
    }
    y[i] = label
    if (label === best) hits++
    expected += p[best] / sum
  }
  return { split: { n, x, y }, plantedAccuracy: hits / n, bayesAccuracy: expected / n }
}

function residualOf (a: Float32Array, b: Float32Array, x: Float64Array, n: number, d: number, out: Float64Array): void {
  for (let i = 0; i < n; i++) {
    let s = b[i]
    for (let j = 0; j < d; j++) s -= a[i * d + j] * x[j]
    out[i] = s
  }
}

function gaussian (length: number, rng: Rng): Float32Array {
  const out = new Float32Array(length)
  for (let i = 0; i < length; i++) out[i] = rng.normal()
  return out
}

function checkCount (what: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 1) throw new InvalidDataOptionsError(`expected ${what} to be an integer >= 1, got ${value}`)
}

function checkNoise (noise: number): void {
  if (!Number.isFinite(noise) || noise < 0) throw new InvalidDataOptionsError(`expected noise to be a finite number >= 0, got ${noise}`)
}
