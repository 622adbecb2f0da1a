/** The files a peer keeps in its --data-dir, written so a crash never leaves a torn one under a real name. */
import { appendFileSync, closeSync, fstatSync, mkdirSync, openSync, readFileSync, readSync } from 'node:fs'
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

/**
 * The last complete record of a peer's metrics.jsonl, reading only the file's tail (it is polled while the
 * file grows by a line a round); undefined when there is none yet.
 */
export function readLastRecord<T = unknown> (dataDir: string): T | undefined {
  let fd: number
  try {
    fd = openSync(join(dataDir, METRICS_FILE), 'r')
  } catch {
    return undefined
  }
  try {
    const size = fstatSync(fd).size
    const len = Math.min(size, 16_384)
    const buf = Buffer.alloc(len)
    readSync(fd, buf, 0, len, size - len)
    const lines = buf.toString('utf8').split('\n')
    // the last line may be torn (a peer killed mid-write) and the first one cut by the window
    for (let i = lines.length - 1; i >= 0; i--) {
      if (lines[i].trim() === '') continue
      try { return JSON.parse(lines[i]) as T } catch { /* torn: try the one before */ }
    }
    return undefined
  } finally {
    closeSync(fd)
  }
}
