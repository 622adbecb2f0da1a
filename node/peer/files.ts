/** The files a peer keeps in its --data-dir, written so a crash never leaves a torn one under a real name. */
import { appendFileSync, mkdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { writeFileAtomic } from '../checkpoint/index.ts'

export const METRICS_FILE = 'metrics.jsonl'
export const PEER_FILE = 'peer.json'
export const SNAPSHOT_DIR = 'snapshots'
export const CHECKPOINT_DIR = 'checkpoints'

export function appendRecord (dataDir: string, record: unknown): void {
  appendFileSync(join(dataDir, METRICS_FILE), JSON.stringify(record) + '\n')
}

export function snapshotPath (dataDir: string, round: number): string {
  return join(dataDir, SNAPSHOT_DIR, `round-${String(round).padStart(8, '0')}.f32`)
}

/** The parameters after `round` rounds, raw little-endian float32 (dimension from the run config). */
export function writeSnapshot (dataDir: string, round: number, params: Float32Array): void {
  mkdirSync(join(dataDir, SNAPSHOT_DIR), { recursive: true })
  writeFileAtomic(snapshotPath(dataDir, round), new Uint8Array(params.buffer, params.byteOffset, params.byteLength))
}

export function readSnapshot (path: string, dim: number): Float32Array | undefined {
  let bytes: Buffer
  try {
    bytes = readFileSync(path)
  } catch {
    return undefined
  }
  if (bytes.length !== 4 * dim) return undefined
  const out = new Float32Array(dim)
  new Uint8Array(out.buffer).set(bytes)
  return out
}
