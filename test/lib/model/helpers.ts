/** Shared fixtures for the lib/model tests: seeded synthetic data, no files. */
import { createRng } from '../../../lib/random/index.ts'
import type { Split } from '../../../lib/data/index.ts'

/** Uniform inputs in [0, 1) and uniform labels: for shapes, gradients and leaks, not for learning. */
export function randomBatch (n: number, features: number, classes: number, seed: number): Split {
  const rng = createRng(seed)
  const x = new Float32Array(n * features)
  const y = new Uint8Array(n)
  for (let i = 0; i < x.length; i++) x[i] = rng.next()
  for (let i = 0; i < n; i++) y[i] = rng.int(classes)
  return { n, x, y }
}

/**
 * Linearly separable classes: class c is a Gaussian blob (σ = `noise`) around a centre with entries
 * ±1, drawn once from `seed` (shared by every split made with that seed), samples from `sampleSeed`.
 */
export function gaussianBlobs (n: number, features: number, classes: number, noise: number, seed: number, sampleSeed: number): Split {
  const centres = new Float32Array(classes * features)
  const crng = createRng(seed)
  for (let i = 0; i < centres.length; i++) centres[i] = crng.next() < 0.5 ? -1 : 1
  const rng = createRng(sampleSeed)
  const x = new Float32Array(n * features)
  const y = new Uint8Array(n)
  for (let i = 0; i < n; i++) {
    const c = rng.int(classes)
    y[i] = c
    for (let f = 0; f < features; f++) x[i * features + f] = centres[c * features + f] + noise * rng.normal()
  }
  return { n, x, y }
}

/**
 * Images of side `side` (one channel) where class c lights a bar: horizontal bars in row band c for
 * c < classes / 2, vertical bars otherwise, over uniform background noise. A convolution sees it at once.
 */
export function barImages (n: number, side: number, classes: number, seed: number): Split {
  const rng = createRng(seed)
  const x = new Float32Array(n * side * side)
  const y = new Uint8Array(n)
  const bands = Math.ceil(classes / 2)
  const band = Math.floor(side / bands)
  for (let i = 0; i < n; i++) {
    const c = rng.int(classes)
    y[i] = c
    const base = i * side * side
    for (let p = 0; p < side * side; p++) x[base + p] = 0.3 * rng.next()
    const vertical = c >= bands
    const k = vertical ? c - bands : c
    for (let a = k * band; a < (k + 1) * band; a++) {
      for (let b = 0; b < side; b++) x[base + (vertical ? b * side + a : a * side + b)] += 0.7
    }
  }
  return { n, x, y }
}

/** Rows [start, start + count) of a split. */
export function rows (split: Split, start: number, count: number, features: number): Split {
  return {
    n: count,
    x: split.x.subarray(start * features, (start + count) * features),
    y: split.y.subarray(start, start + count)
  }
}

/** largest |a − b| over the largest |b|: relative to the gradient's scale, as float32 round-off is */
export function relError (a: Float32Array, b: Float32Array): number {
  let scale = 0; let err = 0
  for (let i = 0; i < a.length; i++) { scale = Math.max(scale, Math.abs(b[i])); err = Math.max(err, Math.abs(a[i] - b[i])) }
  return err / scale
}
