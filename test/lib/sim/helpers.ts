/** Shared fixtures of the lib/sim tests: a synthetic least-squares problem split evenly over n peers. */

import { leastSquares } from '../../../lib/objectives/index.ts'
import { syntheticLeastSquares } from '../../../lib/data/index.ts'
import type { LocalObjective } from '../../../lib/algorithms/index.ts'
import type { Rng } from '../../../lib/random/index.ts'

export interface SplitProblem {
  features: number
  xStar: Float32Array
  /** peer i's objective on its contiguous block of rows (heterogeneous peers); batchSize undefined = full batch */
  objective: (batchSize?: number) => (peer: number, rng: Rng) => LocalObjective
}

export function splitProblem (peers: number, features: number, rowsPerPeer: number, seed: number): SplitProblem {
  const p = syntheticLeastSquares({ samples: peers * rowsPerPeer, features, noise: 0.1, seed })
  return {
    features,
    xStar: Float32Array.from(p.xStar),
    objective: (batchSize) => (peer, rng) => leastSquares({
      a: p.a, b: p.b, features, batchSize, rng, rows: Array.from({ length: rowsPerPeer }, (_, k) => peer * rowsPerPeer + k)
    })
  }
}

export function gaussian (d: number) {
  return (_peer: number, rng: Rng): Float32Array => {
    const x = new Float32Array(d)
    for (let k = 0; k < d; k++) x[k] = rng.normal()
    return x
  }
}

export function relDist (x: Float32Array, y: Float32Array): number {
  let num = 0; let den = 0
  for (let i = 0; i < x.length; i++) { num += (x[i] - y[i]) ** 2; den += y[i] ** 2 }
  return Math.sqrt(num / den)
}
