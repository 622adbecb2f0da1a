/** The files a peer keeps in its --data-dir, written so a crash never leaves a torn one under a real name. */
import { appendFileSync, closeSync, existsSync, fstatSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, renameSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { listCheckpoints, loadLatestCheckpoint, writeFileAtomic } from '../checkpoint/index.ts'
import { makeFolder } from '../fs/make-folder.ts'

export const METRICS_FILE = 'metrics.jsonl'
export const PEER_FILE = 'peer.json'
export const SNAPSHOT_DIR = 'snapshots'
export const CHECKPOINT_DIR = 'checkpoints'
/** where a new run moves the files of an earlier run in the same --data-dir */
export const PREVIOUS_DIR = 'previous'

/**
 * A new run (not --resume) in a --data-dir that holds an earlier run's metrics or checkpoints moves them
 * into `previous/<time>/`, so nothing is lost and nothing of the earlier run is taken for this one (its
 * checkpoints would be resumed from, its records merged). Its snapshots are deleted: they are derived data
 * (a model copy every --snapshot-every rounds, tens of MB a run) that this run's would mix with. The
 * identity key stays. Returns the folder, or undefined if there was nothing to keep.
 */
export function archivePreviousRun (dataDir: string, now = new Date()): string | undefined {
  rmSync(join(dataDir, SNAPSHOT_DIR), { recursive: true, force: true })
  const items = [METRICS_FILE, CHECKPOINT_DIR].filter((name) => {
    const path = join(dataDir, name)
    if (!existsSync(path)) return false
    return statSync(path).isDirectory() ? readdirSync(path).length > 0 : statSync(path).size > 0
  })
  if (items.length === 0) return undefined
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')
  const target = createNewFolder(join(dataDir, PREVIOUS_DIR), stamp)
  for (const name of items) renameSync(join(dataDir, name), join(target, name))
  return target
}

/** What a --data-dir holds of a peer's earlier life in a run (sameRunRecords). */
export interface EarlierLife {
  /** the last round its metrics.jsonl records (undefined: none readable) */
  lastRound: number | undefined
  /** the round of its newest checkpoint (undefined: none) */
  checkpointRound: number | undefined
  snapshots: number
}

/**
 * What `dataDir` holds of this peer's earlier life in the same run: metrics or checkpoints written under config hash
 * `hash` in slot `slot`, as its peer.json says (written at every start), or, with no hash there (a cluster removes
 * the file before a restart), its newest checkpoint of this config. Undefined when it holds no metrics or checkpoints,
 * or those of another run or slot (a new run moves them aside: archivePreviousRun).
 */
export function sameRunRecords (dataDir: string, hash: string, slot: number): EarlierLife | undefined {
  const metrics = join(dataDir, METRICS_FILE)
  const hasMetrics = existsSync(metrics) && statSync(metrics).size > 0
  const checkpoints = listCheckpoints(join(dataDir, CHECKPOINT_DIR))
  if (!hasMetrics && checkpoints.length === 0) return undefined
  const peer = readPeerFile(dataDir)
  if (peer?.configHash !== undefined) {
    if (peer.configHash !== hash || (peer.slot !== undefined && peer.slot !== slot)) return undefined
  } else {
    const newest = loadLatestCheckpoint(join(dataDir, CHECKPOINT_DIR), hash).checkpoint
    if (newest === undefined || (newest.slot !== undefined && newest.slot !== slot)) return undefined
  }
  let snapshots = 0
  try {
    snapshots = readdirSync(join(dataDir, SNAPSHOT_DIR)).filter((f) => f.endsWith('.f32')).length
  } catch {
    // no snapshots/
  }
  return { lastRound: readLastRecord<{ round?: number }>(dataDir)?.round, checkpointRound: checkpoints.at(-1)?.round, snapshots }
}

/**
 * Creates a new folder `parent/name`, or `name-2`, `name-3`, ... when taken, and returns its path. mkdirSync
 * without `recursive` fails with EEXIST on a taken name, atomically, so two runs started in the same second
 * (the resolution of murmur sim's default name; the stamp of an archived run), even by two processes, never share a folder.
 */
export function createNewFolder (parent: string, name: string): string {
  makeFolder(parent)
  for (let k = 1; k <= 10_000; k++) {
    const dir = join(parent, k === 1 ? name : `${name}-${k}`)
    try {
      mkdirSync(dir)
      return dir
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
    }
  }
  throw new Error(`no free folder name ${join(parent, name)}-N`)
}

/** What a peer writes to `<data-dir>/peer.json` at each start (its slot since the first version, so older files have it too). */
export interface PeerFile {
  peerId?: string
  /** the `--shard` slot it ran in */
  slot?: number
  addrs?: string[]
  configHash?: string
  runId?: string
  pid?: number
}

/**
 * The peer.json of the data dir's last start, or undefined when there is none or it cannot be read (a torn or
 * hand-edited file is no record: nothing is refused on its account). Fields of the wrong type are left out.
 */
export function readPeerFile (dataDir: string): PeerFile | undefined {
  let raw: unknown
  try {
    raw = JSON.parse(readFileSync(join(dataDir, PEER_FILE), 'utf8'))
  } catch {
    return undefined
  }
  if (raw === null || typeof raw !== 'object') return undefined
  const o = raw as Record<string, unknown>
  const out: PeerFile = {}
  if (typeof o.peerId === 'string') out.peerId = o.peerId
  if (Number.isInteger(o.slot) && (o.slot as number) >= 0) out.slot = o.slot as number
  if (Array.isArray(o.addrs) && o.addrs.every((a) => typeof a === 'string')) out.addrs = o.addrs as string[]
  if (typeof o.configHash === 'string') out.configHash = o.configHash
  if (typeof o.runId === 'string') out.runId = o.runId
  if (Number.isInteger(o.pid)) out.pid = o.pid as number
  return out
}

export function appendRecord (dataDir: string, record: unknown): void {
  appendFileSync(join(dataDir, METRICS_FILE), JSON.stringify(record) + '\n')
}

export function snapshotPath (dataDir: string, round: number): string {
  return join(dataDir, SNAPSHOT_DIR, `round-${String(round).padStart(8, '0')}.f32`)
}

/** The parameters after `round` rounds, raw little-endian float32 (dimension from the run config). */
export function writeSnapshot (dataDir: string, round: number, params: Float32Array): void {
  makeFolder(join(dataDir, SNAPSHOT_DIR))
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
