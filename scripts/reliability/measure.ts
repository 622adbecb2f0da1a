/** Figures read back from what the peers of a fault scenario wrote. */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { meanAndSpread } from '../../lib/vector/index.ts'
import { readSnapshot, snapshotPath } from '../../node/peer/index.ts'
import type { PeerRecord } from '../../node/peer/index.ts'

/** (1/n) Σ‖x_i − x̄‖² over the peers that have a snapshot of `round`; undefined unless all `dataDirs` do. */
export function consensusAt (dataDirs: readonly string[], round: number, dim: number): number | undefined {
  const xs: Float32Array[] = []
  for (const d of dataDirs) {
    const x = readSnapshot(snapshotPath(d, round), dim)
    if (x === undefined) return undefined
    xs.push(x)
  }
  return meanAndSpread(xs, new Float32Array(dim))
}

/** the model dimension, from any snapshot of the peer */
export function snapshotDim (dataDir: string, round: number): number | undefined {
  const p = snapshotPath(dataDir, round)
  return existsSync(p) ? readFileSync(p).length / 4 : undefined
}

/** the largest exchange time (ms) of the records, and how many rounds waited out most of the deadline */
export function exchangeTimes (recs: readonly PeerRecord[], deadlineMs: number): { maxCommMs: number, maxRoundMs: number, deadlineRounds: number } {
  let maxCommMs = 0
  let maxRoundMs = 0
  let deadlineRounds = 0
  for (const r of recs) {
    maxCommMs = Math.max(maxCommMs, r.commMs)
    maxRoundMs = Math.max(maxRoundMs, r.roundMs)
    if (r.commMs >= 0.9 * deadlineMs) deadlineRounds++
  }
  return { maxCommMs, maxRoundMs, deadlineRounds }
}

/** the peer's log (log.txt in its data dir) */
export function logOf (dataDir: string): string {
  const p = join(dataDir, 'log.txt')
  return existsSync(p) ? readFileSync(p, 'utf8') : ''
}
