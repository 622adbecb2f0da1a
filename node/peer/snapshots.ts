/**
 * The peer's parameter snapshots (`<data-dir>/snapshots/round-R.f32`, every --snapshot-every rounds), which
 * `murmur cluster` merges into the averaged model's accuracy and the consensus distance. A snapshot is derived
 * data: a write that fails (a full disk, a folder made read-only) is logged once and counted, never a reason to
 * stop training or to lose the checkpoint of a graceful stop. `--keep-snapshots N` keeps the newest N files, for a
 * long run started by hand, whose snapshots would otherwise fill the disk (4 bytes a parameter each, all kept).
 */
import { readdirSync, rmSync } from 'node:fs'
import { InvalidParametersError } from '@libp2p/interface'
import { basename, join } from 'node:path'
import { SNAPSHOT_DIR, snapshotPath, writeSnapshot } from './files.ts'

/** above this projected size of a whole run's snapshots a peer that keeps them all says so at its start */
export const SNAPSHOT_NOTE_BYTES = 1e9

const SNAPSHOT_FILE = /^round-(\d{8})\.f32$/
/** writeFileAtomic's temporary file (node/checkpoint), left behind by a write that failed or a killed process */
const TEMP_FILE = /^\.tmp-(\d+)-round-\d{8}\.f32$/

export interface SnapshotStoreInit {
  dataDir: string
  /** keep the newest this many snapshot files, deleting older ones as new ones are written; default: all */
  keep?: number
  /** one human-readable line (the first failed write) */
  log: (line: string) => void
}

export interface SnapshotStoreComponents {
  /** writes one snapshot (default: node/peer files.ts writeSnapshot, atomic); replaced by tests to inject faults */
  write?: (dataDir: string, round: number, params: Float32Array) => void
}

export interface SnapshotStore {
  /** writes the snapshot of `round` and prunes; false when the write failed (logged the first time, counted) */
  write: (round: number, params: Float32Array) => boolean
  /** snapshot writes that failed so far */
  readonly skipped: number
  /** the error of the first failed write, e.g. `ENOSPC: no space left on device, write` */
  readonly firstError: string | undefined
}

export function createSnapshotStore (init: SnapshotStoreInit, components: SnapshotStoreComponents = {}): SnapshotStore {
  return new SnapshotStoreClass(init, components)
}

class SnapshotStoreClass implements SnapshotStore {
  private readonly dataDir: string
  private readonly keep: number | undefined
  private readonly log: (line: string) => void
  private readonly writeFile: (dataDir: string, round: number, params: Float32Array) => void
  skipped = 0
  firstError: string | undefined

  constructor (init: SnapshotStoreInit, components: SnapshotStoreComponents) {
    if (init.keep !== undefined && !(Number.isInteger(init.keep) && init.keep >= 1)) throw new InvalidParametersError(`keep: expected an integer >= 1, got ${String(init.keep)}`)
    this.dataDir = init.dataDir
    this.keep = init.keep
    this.log = init.log
    this.writeFile = components.write ?? writeSnapshot
  }

  write (round: number, params: Float32Array): boolean {
    try {
      try {
        this.writeFile(this.dataDir, round, params)
      } catch (err) {
        // a disk that holds N snapshots has no room for the (N + 1)th written before the oldest goes: delete the ones
        // the newest N leave out now, then try once more
        if (!isFull(err) || this.keep === undefined || !this.prune(round, this.keep)) throw err
        this.removeOwnTemp(round)
        this.writeFile(this.dataDir, round, params)
      }
    } catch (err) {
      // a bug (no system error code) is not a full disk: it still stops the peer
      if (typeof (err as NodeJS.ErrnoException).code !== 'string') throw err
      this.removeOwnTemp(round)
      this.skipped++
      if (this.firstError === undefined) {
        this.firstError = (err as Error).message
        this.log(`warning: could not write the snapshot of round ${round} to ${join(this.dataDir, SNAPSHOT_DIR)}: ${this.firstError}. ` +
          'Training goes on without it; later failures are not logged, only counted (snapshotsSkipped in metrics.jsonl, and the done line)')
      }
      return false
    }
    if (this.keep !== undefined) this.prune(round, this.keep)
    return true
  }

  /**
   * Deletes the snapshot files the newest `keep` leave out (`written` always counts as one of them, written yet or
   * not), and temporary files of dead writers. Returns whether it deleted a snapshot.
   */
  private prune (written: number, keep: number): boolean {
    const dir = join(this.dataDir, SNAPSHOT_DIR)
    let names: string[]
    try {
      names = readdirSync(dir)
    } catch {
      return false
    }
    const rounds: number[] = []
    for (const name of names) {
      const m = SNAPSHOT_FILE.exec(name)
      if (m !== null) rounds.push(Number(m[1]))
      // one process holds a data dir (lock.ts): another pid's temporary file is a killed writer's leftover
      const t = TEMP_FILE.exec(name)
      if (t !== null && Number(t[1]) !== process.pid) this.remove(join(dir, name))
    }
    const old = snapshotsToDelete(rounds, keep, written)
    for (const round of old) this.remove(snapshotPath(this.dataDir, round))
    return old.length > 0
  }

  private removeOwnTemp (round: number): void {
    const path = snapshotPath(this.dataDir, round)
    this.remove(join(path, '..', `.tmp-${process.pid}-${basename(path)}`))
  }

  private remove (path: string): void {
    // a file that cannot be deleted stays; the next prune tries again
    try { rmSync(path, { force: true }) } catch { }
  }
}

/**
 * The snapshot rounds to delete so that `keep` remain: the one just written (`written`) and the newest others, by
 * round. The one just written is kept even when files of later rounds exist (after --resume from a checkpoint
 * behind the last snapshot, those are the earlier life's and are overwritten as the rounds come again).
 */
export function snapshotsToDelete (rounds: readonly number[], keep: number, written: number): number[] {
  const others = [...new Set(rounds)].filter((r) => r !== written).sort((a, b) => b - a)
  return others.slice(Math.max(0, keep - 1)).sort((a, b) => a - b)
}

/** Bytes the snapshots of a whole run take: one every `every` rounds and one of the last round, 4 bytes a parameter. */
export function projectedSnapshotBytes (dim: number, rounds: number, every: number): number {
  if (every <= 0 || rounds <= 0) return 0
  const files = Math.floor(rounds / every) + (rounds % every === 0 ? 0 : 1)
  return files * dim * 4
}

/**
 * The note a peer that keeps every snapshot logs at its start when they would take more than SNAPSHOT_NOTE_BYTES
 * over the whole run, with the two ways out; undefined otherwise.
 */
export function snapshotSizeNote (opts: { dim: number, rounds: number, every: number, keep: number | undefined, dir: string }): string | undefined {
  if (opts.keep !== undefined) return undefined
  const bytes = projectedSnapshotBytes(opts.dim, opts.rounds, opts.every)
  if (bytes <= SNAPSHOT_NOTE_BYTES) return undefined
  const each = opts.dim * 4
  return `note: the snapshots of this run will take about ${formatBytes(bytes)} in ${opts.dir} (${formatBytes(each)} every ${opts.every} rounds, ` +
    `${opts.rounds} rounds; all kept). Keep only the newest with --keep-snapshots N (murmur cluster's merge needs them all; ` +
    'a peer started by hand does not), or write fewer with a larger --snapshot-every (0: none)'
}

function isFull (err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code
  return code === 'ENOSPC' || code === 'EDQUOT'
}

function formatBytes (bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(1)} GB`
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(1)} MB`
  return `${(bytes / 1e3).toFixed(1)} KB`
}
