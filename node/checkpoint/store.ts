/**
 * Checkpoints on disk: atomic writes (temporary file, fsync, rename, fsync of the folder) so a crash
 * mid-write never leaves a corrupt checkpoint under a real name, and loading that skips a corrupt or
 * mismatched file for the previous good one.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { decodeCheckpoint, encodeCheckpoint, InvalidCheckpointError } from './format.ts'

export interface Checkpoint<S = unknown> {
  /** the run's config hash: a checkpoint of another run is refused */
  configHash: string
  /** rounds completed when it was written */
  round: number
  /** ms since the epoch */
  writtenAt: number
  state: S
}

const NAME = /^checkpoint-(\d{10})\.ckpt$/

function fileName (round: number): string {
  return `checkpoint-${String(round).padStart(10, '0')}.ckpt`
}

/**
 * Writes a file so that a crash leaves either the old file or the new one, never a torn one: a temporary
 * file in the same folder, fsync, rename over the target, fsync of the folder.
 */
export function writeFileAtomic (path: string, bytes: Uint8Array, mode = 0o644): void {
  const dir = dirname(path)
  const tmp = join(dir, `.tmp-${process.pid}-${basename(path)}`)
  const fd = openSync(tmp, 'w', mode)
  try {
    let off = 0
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off)
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
  renameSync(tmp, path)
  try {
    const dfd = openSync(dir, 'r')
    try { fsyncSync(dfd) } finally { closeSync(dfd) }
  } catch {
    // some filesystems cannot fsync a directory; the rename is still atomic
  }
}

/** Writes atomically (mode 0600) and keeps the newest `keep` checkpoints; returns the path. */
export function writeCheckpoint (dir: string, checkpoint: Checkpoint, keep = 3): string {
  mkdirSync(dir, { recursive: true })
  const final = join(dir, fileName(checkpoint.round))
  writeFileAtomic(final, encodeCheckpoint(checkpoint), 0o600)
  const all = listCheckpoints(dir)
  for (const old of all.slice(0, Math.max(0, all.length - keep))) rmSync(join(dir, old.file), { force: true })
  return final
}

export function listCheckpoints (dir: string): Array<{ file: string, round: number }> {
  let names: string[]
  try {
    names = readdirSync(dir)
  } catch {
    return []
  }
  return names.flatMap((f) => {
    const m = NAME.exec(f)
    return m === null ? [] : [{ file: f, round: Number(m[1]) }]
  }).sort((a, b) => a.round - b.round)
}

export interface LoadResult<S> {
  checkpoint: Checkpoint<S> | undefined
  path: string | undefined
  /** newer files that were refused, with why */
  skipped: Array<{ file: string, reason: string }>
}

/**
 * The newest checkpoint that decodes, whose hash matches and that `validate` accepts (throws on a bad state).
 * Corrupt or mismatched newer files are reported in `skipped`, never deleted.
 */
export function loadLatestCheckpoint<S> (dir: string, configHash: string, validate: (state: unknown) => S = (s) => s as S): LoadResult<S> {
  const skipped: Array<{ file: string, reason: string }> = []
  for (const { file } of listCheckpoints(dir).reverse()) {
    try {
      const raw = decodeCheckpoint(readFileSync(join(dir, file))) as Partial<Checkpoint>
      if (raw === null || typeof raw !== 'object' || typeof raw.configHash !== 'string' || !Number.isInteger(raw.round)) {
        throw new InvalidCheckpointError('header', 'checkpoint lacks configHash or round')
      }
      if (raw.configHash !== configHash) {
        throw new InvalidCheckpointError('config', `checkpoint of another run config (hash ${raw.configHash.slice(0, 12)}…, this run ${configHash.slice(0, 12)}…)`)
      }
      const state = validate(raw.state)
      return { checkpoint: { configHash: raw.configHash, round: raw.round as number, writtenAt: raw.writtenAt ?? 0, state }, path: join(dir, file), skipped }
    } catch (err) {
      skipped.push({ file, reason: `${(err as Error).name}: ${(err as Error).message}` })
    }
  }
  return { checkpoint: undefined, path: undefined, skipped }
}
