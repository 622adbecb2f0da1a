/**
 * A run on several machines has no run folder: each machine keeps its peer's --data-dir (docs/several-machines.md).
 * Gathered on one machine, those folders are merged here as `murmur cluster` merges its own peers' (the same
 * scripts/lib/cluster-merge.ts): the averaged model tested from the peers' snapshots, the consensus distance, every
 * peer's bytes and times. The run's config is the agreed one a peer's checkpoint holds, checked against peer.json's hash.
 *
 * Not exported from index.ts: cluster-merge imports this package's charts, and the CLI loads this file on its own.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative, resolve, sep } from 'node:path'
import { configHash, legacyConfigHash, resolveRunConfig } from '../../lib/experiment/index.ts'
import type { RunConfig } from '../../lib/experiment/index.ts'
import { mergeCluster } from '../../scripts/lib/cluster-merge.ts'
import { NotAPeerFolderError, PeerFoldersMismatchError } from './errors.ts'
import { loadRun } from './load.ts'
import type { LoadedRun } from './types.ts'

const PEER_FILE = 'peer.json'

/** The sub-folders of `dir` that are peers' --data-dirs (hold a peer.json), sorted by name; empty when none is. */
export function peerFoldersIn (dir: string): string[] {
  let names: string[]
  try {
    names = readdirSync(dir)
  } catch {
    return []
  }
  return names.filter((n) => {
    try { return statSync(join(dir, n)).isDirectory() && existsSync(join(dir, n, PEER_FILE)) } catch { return false }
  }).sort().map((n) => join(dir, n))
}

/** The model's coordinates from a peer's parameter snapshot (raw float32), for the round-off floor; null when none has one. */
function snapshotDim (dirs: readonly string[]): number | null {
  for (const dir of dirs) {
    const snaps = join(dir, 'snapshots')
    try {
      const file = readdirSync(snaps).find((f) => f.endsWith('.f32'))
      const size = file === undefined ? 0 : statSync(join(snaps, file)).size
      if (size > 0 && size % 4 === 0) return size / 4
    } catch {
      // no snapshots here: another peer's may do
    }
  }
  return null
}

/** The deepest folder holding every path. */
export function commonParent (paths: readonly string[]): string {
  const split = paths.map((p) => resolve(p).split(sep))
  const out: string[] = []
  for (let i = 0; split.every((s) => i < s.length - 1 && s[i] === split[0][i]); i++) out.push(split[0][i])
  return out.join(sep) || sep
}

/** The agreed config a checkpoint held, as the run config it was hashed from (its null fields are absent ones). */
function runConfigOf (agreed: Record<string, unknown>, evalLimit: number | undefined): RunConfig {
  const config = resolveRunConfig(agreed as Partial<RunConfig>)
  return evalLimit === undefined ? config : { ...config, evalLimit }
}

/**
 * Several peers' folders of one run → one loaded run (kind 'peers'), its metrics merged as murmur cluster merges them.
 * Throws NotAPeerFolderError for a folder that is no peer's, PeerFoldersMismatchError for folders of different runs
 * or configs, a slot given twice, or no usable config among them.
 */
export interface MergeOptions {
  /** test samples for the averaged model; default the run config's default, 0 = the whole test set */
  evalLimit?: number
}

export async function mergePeerFolders (dirArgs: readonly string[], opts: MergeOptions = {}): Promise<LoadedRun> {
  const dirs = dirArgs.map((d) => resolve(d))
  const runs = dirs.map((d) => loadRun(d))
  for (const run of runs) {
    if (run.kind !== 'peer' || run.peer === null) {
      throw new NotAPeerFolderError(run.dir, `'${run.dir}' is not a peer's --data-dir (no peer.json, and its metrics rows carry no peerId and slot); ` +
        'give several folders only to merge the peers of one run (murmur peer), or one run folder of murmur sim or murmur cluster')
    }
  }
  const ids = runs.map((r) => r.peer!)
  const distinct = (values: Array<string | null>): string[] => [...new Set(values.filter((v): v is string => v !== null))]
  const runIds = distinct(ids.map((p) => p.runId))
  if (runIds.length > 1) {
    throw new PeerFoldersMismatchError(dirs, `the folders are peers of different runs (${runs.map((r) => `${r.dir}: '${r.peer!.runId ?? '?'}'`).join(', ')}); give the folders of one run`)
  }
  const hashes = distinct(ids.map((p) => p.configHash))
  if (hashes.length > 1) {
    throw new PeerFoldersMismatchError(dirs, `the folders' peers ran different configs (peer.json configHash: ${runs.map((r) => `${r.dir}: ${r.peer!.configHash?.slice(0, 12) ?? '?'}…`).join(', ')}): ` +
      'a folder an earlier run of the same run id left? Give the folders of one run')
  }
  const slots = new Map<number, string>()
  for (const r of runs) {
    const slot = r.peer!.slot
    if (slot === null) continue
    const other = slots.get(slot)
    if (other !== undefined) throw new PeerFoldersMismatchError(dirs, `'${other}' and '${r.dir}' both ran slot ${slot} (--shard ${slot}/N): the same peer's folder given twice, or a copy of it`)
    slots.set(slot, r.dir)
  }
  const withConfig = runs.find((r) => r.config !== null)
  if (withConfig === undefined) {
    throw new PeerFoldersMismatchError(dirs, 'none of the folders holds the run config (a peer writes it into checkpoints/ every --checkpoint-every rounds and when it stops): ' +
      'the merge needs it to rebuild the model and test the averaged model. Report each folder on its own, or copy the peers\' checkpoints/ along')
  }
  const config = runConfigOf(withConfig.config!, opts.evalLimit)
  // an older murmur hashed a training run without its model's dim (legacyConfigHash): its folders still merge
  if (hashes.length === 1 && configHash(config) !== hashes[0] && legacyConfigHash(config) !== hashes[0]) {
    throw new PeerFoldersMismatchError(dirs, `the config in ${withConfig.dir}/${withConfig.configFile ?? ''} does not hash to peer.json's configHash ${hashes[0].slice(0, 12)}…: written by another version of murmur?`)
  }

  const order = runs.map((r, i) => ({ r, i })).sort((a, b) => (a.r.peer!.slot ?? Infinity) - (b.r.peer!.slot ?? Infinity) || a.i - b.i).map(({ r }) => r)
  const work = mkdtempSync(join(tmpdir(), 'murmur-report-merge-'))
  let merged: LoadedRun
  try {
    writeFileSync(join(work, 'run.json'), JSON.stringify(config))
    // exit codes and memory are what murmur cluster saw of its child processes: not known of peers on other machines
    await mergeCluster({ out: work, config, peers: order.map((r) => ({ dataDir: r.dir, slot: r.peer!.slot ?? 0, exitCode: null, signal: null, peakRssMb: 0 })), wallSeconds: 0 })
    merged = loadRun(work)
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
  const summary = merged.summary === null ? null : Object.fromEntries(Object.entries(merged.summary).filter(([k]) => !['wallSeconds', 'peakRssMb', 'peakRssMbMax', 'exits', 'exitedCleanly'].includes(k)))
  const notes = merged.notes.filter((n) => !n.startsWith('summary.json'))
  const base = commonParent(dirs)
  const names = order.map((r) => relative(base, r.dir) || r.dir).join(', ')
  notes.unshift(`Merged by murmur report from ${order.length} peers' folders (${names}), as murmur cluster merges its peers': the averaged model and the consensus ` +
    'distance come from the snapshots the peers saved (snapshots/, every --snapshot-every rounds), the rest from every peer\'s metrics.')
  if (order.length < config.peers) notes.push(`${order.length} of the run's ${config.peers} peers' folders were given: the averaged model, consensus distance and bytes are theirs only.`)
  for (const r of order) {
    if (r.rows.length === 0) notes.push(`${r.dir} holds no rounds.`)
  }
  return {
    ...merged,
    dir: base,
    kind: 'peers',
    // the agreed fields, and the evaluation limit this merge tested the averaged model with: per-peer settings are not known
    config: { ...withConfig.config!, evalLimit: config.evalLimit },
    configFile: null,
    peer: null,
    sources: order.map((r) => ({ dir: r.dir, ...r.peer! })),
    summary,
    notes,
    dim: merged.dim ?? snapshotDim(order.map((r) => r.dir))
  }
}

