/** Option checks shared by the objectives. */

import { InvalidObjectiveError } from './errors.ts'

/** The peer's row indices as a Uint32Array, every one in [0, total); default all rows. */
export function checkRows (rows: ArrayLike<number> | undefined, total: number): Uint32Array {
  if (rows === undefined) {
    const all = new Uint32Array(total)
    for (let k = 0; k < total; k++) all[k] = k
    if (total === 0) throw new InvalidObjectiveError('the problem has no rows')
    return all
  }
  if (rows.length === 0) throw new InvalidObjectiveError('a peer needs at least one row, got none')
  const out = new Uint32Array(rows.length)
  for (let k = 0; k < rows.length; k++) {
    const r = rows[k]
    if (!Number.isInteger(r) || r < 0 || r >= total) throw new InvalidObjectiveError(`row indices must be integers in [0, ${total}), got ${String(r)} at position ${k}`)
    out[k] = r
  }
  return out
}

/** The batch size, default (and at most) the local row count. */
export function checkBatch (batchSize: number | undefined, rows: number): number {
  if (batchSize === undefined) return rows
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new InvalidObjectiveError(`batchSize must be a positive integer, got ${String(batchSize)}`)
  return Math.min(batchSize, rows)
}
