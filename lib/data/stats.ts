/** Summary statistics of a partition: how much each peer's label mix departs from the global one. */
import { InvalidDataOptionsError } from './errors.ts'
import type { PartitionStats } from './types.ts'

/** Sizes, per-peer class histogram and label skew of a partition. */
export function partitionStats (labels: Uint8Array, parts: Uint32Array[], classes: number): PartitionStats {
  if (!Number.isSafeInteger(classes) || classes < 1) throw new InvalidDataOptionsError(`expected classes >= 1, got ${classes}`)
  const peers = parts.length
  const sizes = new Uint32Array(peers)
  const histogram = new Uint32Array(peers * classes)
  const global = new Float64Array(classes)
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] >= classes) throw new InvalidDataOptionsError(`expected labels below ${classes}, got ${labels[i]} at index ${i}`)
    global[labels[i]]++
  }
  for (let c = 0; c < classes; c++) global[c] /= labels.length
  const classesPerPeer = new Uint32Array(peers)
  let tvSum = 0
  let nonEmpty = 0
  for (let p = 0; p < peers; p++) {
    const part = parts[p]
    const row = p * classes
    sizes[p] = part.length
    for (let j = 0; j < part.length; j++) {
      if (part[j] >= labels.length) throw new InvalidDataOptionsError(`peer ${p} holds index ${part[j]}, beyond the ${labels.length} samples`)
      histogram[row + labels[part[j]]]++
    }
    if (part.length === 0) continue
    let tv = 0
    for (let c = 0; c < classes; c++) {
      if (histogram[row + c] > 0) classesPerPeer[p]++
      tv += Math.abs(histogram[row + c] / part.length - global[c])
    }
    tvSum += tv / 2
    nonEmpty++
  }
  return { sizes, histogram, classesPerPeer, skew: nonEmpty === 0 ? 0 : tvSum / nonEmpty }
}
