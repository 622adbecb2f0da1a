/**
 * Checkpoints on disk: atomic writes (temporary file, fsync, rename, fsync of the folder) so a crash
 * mid-write never leaves a corrupt checkpoint under a real name, and loading that skips a corrupt or
 * mismatched file for the previous good one.
 */
import { closeSync, fsyncSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { decodeCheckpoint, encodeCheckpoint, InvalidCheckpointError } from './format.ts'
import { makeFolder } from '../fs/make-folder.ts'

export interface Checkpoint<S = unknown> {
  /** the run's config hash: a checkpoint of another run is refused */
  configHash: string
  /** rounds completed when it was written */
  round: number
  /** ms since the epoch */
  writtenAt: number
  /** the run's agreed config fields, so a refusal can name the fields that differ (absent in older files) */
  config?: Record<string, unknown>
  /** the writer's slot (`--shard i/n`): its data shard and random streams, so a resume in another slot is refused (absent in older files) */
  slot?: number
  state: S
}

const NAME = /^checkpoint-(\d{10})\.ckpt$/
/** where writeCheckpoint moves checkpoints of later rounds than the one it writes */
export const SUPERSEDED_DIR = 'superseded'
/** the temporary files of writeFileAtomic: `.tmp-<pid>-<final name>` */
const TEMP = /^\.tmp-(\d+)-/

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

/** Writes atomically (mode 0600), keeps the newest `keep` checkpoints up to this one's round, moves later ones aside; returns the path. */
export function writeCheckpoint (dir: string, checkpoint: Checkpoint, keep = 3): string {
  makeFolder(dir)
  const final = join(dir, fileName(checkpoint.round))
  writeFileAtomic(final, encodeCheckpoint(checkpoint), 0o600)
  // files named with a later round are superseded by this newer write (a peer that rejoined a run at a lower
  // round than its last checkpoint, or a stray file): moved to superseded/, so that loading, which takes the
  // highest round, finds this one; the `keep` newest of the others stay
  const all = listCheckpoints(dir)
  const later = all.filter((c) => c.round > checkpoint.round)
  if (later.length > 0) {
    makeFolder(join(dir, SUPERSEDED_DIR))
    for (const c of later) renameSync(join(dir, c.file), join(dir, SUPERSEDED_DIR, c.file))
  }
  const older = all.filter((c) => c.round <= checkpoint.round)
  for (const old of older.slice(0, Math.max(0, older.length - keep))) rmSync(join(dir, old.file), { force: true })
  removeLeftovers(dir)
  return final
}

/**
 * Deletes the temporary files a process killed mid-write left (`.tmp-<pid>-…` of another process id). They
 * never carry a checkpoint's name, so loading ignores them anyway; this only reclaims their space. Returns their names.
 */
export function removeLeftovers (dir: string): string[] {
  let names: string[]
  try {
    names = readdirSync(dir)
  } catch {
    return []
  }
  const removed: string[] = []
  for (const f of names) {
    const m = TEMP.exec(f)
    if (m === null || Number(m[1]) === process.pid) continue
    rmSync(join(dir, f), { force: true })
    removed.push(f)
  }
  return removed
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

/** A checkpoint file that loading refused. */
export interface SkippedCheckpoint {
  file: string
  /** `<error name>: <message>` */
  reason: string
  /** InvalidCheckpointError's reason ('checksum', 'config', ...) or the name of the validator's error */
  fault: string
  /** for a checkpoint of another config ('config'): the config it holds, when the file has it */
  config?: Record<string, unknown>
}

export interface LoadResult<S> {
  checkpoint: Checkpoint<S> | undefined
  path: string | undefined
  /** newer files that were refused, with why */
  skipped: SkippedCheckpoint[]
}

/**
 * The newest checkpoint that decodes, whose hash matches and that `validate` accepts (throws on a bad state).
 * Corrupt or mismatched newer files are reported in `skipped`, never deleted.
 */
export function loadLatestCheckpoint<S> (dir: string, configHash: string, validate: (state: unknown) => S = (s) => s as S): LoadResult<S> {
  const skipped: SkippedCheckpoint[] = []
  for (const { file, round } of listCheckpoints(dir).reverse()) {
    let config: Record<string, unknown> | undefined
    try {
      const raw = decodeCheckpoint(readFileSync(join(dir, file))) as Partial<Checkpoint>
      if (raw === null || typeof raw !== 'object' || typeof raw.configHash !== 'string' || !Number.isInteger(raw.round)) {
        throw new InvalidCheckpointError('header', 'checkpoint lacks configHash or round')
      }
      // the name orders the files (the newest is tried first, the oldest pruned): it must tell the truth
      if (raw.round !== round) throw new InvalidCheckpointError('header', `the file's name says round ${round}, its contents round ${String(raw.round)}`)
      if (raw.config !== null && typeof raw.config === 'object') config = raw.config
      if (raw.configHash !== configHash) {
        throw new InvalidCheckpointError('config', `checkpoint of another run config (hash ${raw.configHash.slice(0, 12)}…, this run ${configHash.slice(0, 12)}…)`)
      }
      const state = validate(raw.state)
      const checkpoint: Checkpoint<S> = { configHash: raw.configHash, round: raw.round as number, writtenAt: raw.writtenAt ?? 0, state }
      if (config !== undefined) checkpoint.config = config
      if (Number.isInteger(raw.slot) && (raw.slot as number) >= 0) checkpoint.slot = raw.slot
      return { checkpoint, path: join(dir, file), skipped }
    } catch (err) {
      const e = err as Error
      const fault = e instanceof InvalidCheckpointError ? e.reason : e.name
      skipped.push({ file, reason: `${e.name}: ${e.message}`, fault, ...(fault === 'config' && config !== undefined ? { config } : {}) })
    }
  }
  return { checkpoint: undefined, path: undefined, skipped }
}
