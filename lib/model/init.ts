/** Deterministic initial parameters: the same vector for the same (layout, seed) on every machine. */
import { createRng, hashSeed } from '../random/index.ts'
import type { ParamLayout } from './layout.ts'

/**
 * Fill a fresh vector following each tensor's rule. Every tensor draws from its own stream, forked by
 * tensor name, so a change to one layer's size leaves the other layers' initial values unchanged.
 * Only lib/random (integer arithmetic) and one multiply per value are involved: no platform-dependent maths.
 */
export function initParams (layout: ParamLayout, seed: number): Float32Array {
  const params = new Float32Array(layout.dim)
  const root = createRng(hashSeed('murmur:model:init', seed))
  for (const t of layout.tensors) {
    if (t.init.kind === 'zeros') continue
    const rng = root.fork(t.name)
    const scale = 2 * t.init.limit
    const end = t.offset + t.size
    for (let i = t.offset; i < end; i++) params[i] = (rng.next() - 0.5) * scale
  }
  return params
}
