/**
 * One peer process a --data-dir. Two peers in one folder share an identity (they never connect: they are the same
 * PeerId) and write into each other's metrics and checkpoints; the second would even move the first's files aside
 * as an earlier run's. The lock is a file holding the owner's pid: created exclusively, removed at exit. A lock
 * whose process is gone (a SIGKILL, a crash, a reboot) is stale and taken over.
 */
import { existsSync, openSync, readFileSync, renameSync, rmSync, writeFileSync, closeSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { DataDirInUseError } from './errors.ts'

export const LOCK_FILE = 'lock'

/** Takes the lock of `dataDir` for this process; returns what releases it. Throws DataDirInUseError when a live peer holds it. */
export function lockDataDir (dataDir: string, pid = process.pid): () => void {
  const path = join(dataDir, LOCK_FILE)
  const mine = `${pid}\n`
  try {
    const fd = openSync(path, 'wx')
    try { writeSync(fd, mine) } finally { closeSync(fd) }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
    const owner = ownerOf(path)
    if (owner !== undefined && owner !== pid && isPeerProcess(owner)) throw inUse(dataDir, owner)
    // stale: replace it atomically; of two processes taking over the same stale lock, the later rename wins and
    // the other sees a live owner that is not itself on the re-read below
    const tmp = `${path}.${pid}`
    writeFileSync(tmp, mine)
    renameSync(tmp, path)
    const now = ownerOf(path)
    if (now !== pid) throw inUse(dataDir, now ?? -1)
  }
  return () => {
    if (existsSync(path) && ownerOf(path) === pid) rmSync(path, { force: true })
  }
}

function inUse (dataDir: string, owner: number): DataDirInUseError {
  return new DataDirInUseError(`${dataDir} is in use by another murmur peer (pid ${owner}); give every peer its own --data-dir (if that process is gone, delete ${join(dataDir, LOCK_FILE)})`)
}

function ownerOf (path: string): number | undefined {
  let text: string
  try { text = readFileSync(path, 'utf8') } catch { return undefined }
  const pid = Number(text.trim())
  return Number.isInteger(pid) && pid > 0 ? pid : undefined
}

/** The process exists and, where /proc tells, runs murmur (a pid reused by another program after a crash is not an owner). */
function isPeerProcess (pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch (err) {
    // EPERM: it exists but belongs to another user
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false
  }
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('murmur')
  } catch {
    return true
  }
}
