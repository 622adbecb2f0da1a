/**
 * The peer's parameter snapshots: --keep-snapshots N keeps exactly the newest N files and never the one just
 * written; the start note when a run's snapshots would pass 1 GB; a failed write (a full disk, a read-only or
 * broken folder) is logged once and counted, and the peer trains on to its checkpoint instead of crashing.
 */
import assert from 'node:assert/strict'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import fc from 'fast-check'
import { resolveRunConfig } from '../../../lib/experiment/index.ts'
import { METRICS_FILE, SNAPSHOT_DIR, runPeer, snapshotPath } from '../../../node/peer/index.ts'
import type { PeerRecord } from '../../../node/peer/index.ts'
import { createSnapshotStore, projectedSnapshotBytes, SNAPSHOT_NOTE_BYTES, snapshotSizeNote, snapshotsToDelete } from '../../../node/peer/snapshots.ts'
import { writeSnapshot } from '../../../node/peer/files.ts'
import { LOOPBACK } from './helpers.ts'

const dirs: string[] = []
function newDir (): string {
  const d = mkdtempSync(join(tmpdir(), 'murmur-snapshots-'))
  dirs.push(d)
  return d
}

function snapshotRounds (dataDir: string): number[] {
  const dir = join(dataDir, SNAPSHOT_DIR)
  if (!existsSync(dir)) return []
  return readdirSync(dir).flatMap((f) => { const m = /^round-(\d{8})\.f32$/.exec(f); return m === null ? [] : [Number(m[1])] }).sort((a, b) => a - b)
}

function fsError (code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: simulated, write`), { code })
}

afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

describe('node/peer snapshotsToDelete: which snapshot rounds --keep-snapshots N deletes', () => {
  const cases: Array<{ id: string, rounds: number[], keep: number, written: number, expected: number[] }> = [
    { id: 'the newest N remain', rounds: [20, 40, 60, 80, 100], keep: 2, written: 100, expected: [20, 40, 60] },
    { id: 'fewer than N: nothing', rounds: [20, 40], keep: 3, written: 40, expected: [] },
    { id: 'keep 1: only the one written', rounds: [20, 40, 60], keep: 1, written: 60, expected: [20, 40] },
    // after --resume from a checkpoint behind the last snapshot: the earlier life's later files are the newest by round
    { id: 'the one written stays when later rounds exist', rounds: [20, 40, 60, 80], keep: 1, written: 40, expected: [20, 60, 80] },
    { id: 'the one written and the newest other', rounds: [20, 40, 60, 80], keep: 2, written: 40, expected: [20, 60] },
    { id: 'the one written not yet listed', rounds: [20, 40], keep: 2, written: 60, expected: [20] }
  ]
  for (const c of cases) {
    it(c.id, () => { assert.deepEqual(snapshotsToDelete(c.rounds, c.keep, c.written), c.expected) })
  }

  it('law: min(N, files) remain, the one written among them, the others the newest', () => {
    fc.assert(fc.property(fc.uniqueArray(fc.integer({ min: 1, max: 10_000 }), { maxLength: 40 }), fc.integer({ min: 1, max: 50 }), fc.nat(), (rounds, keep, pick) => {
      const written = rounds.length > 0 ? rounds[pick % rounds.length] : 1
      const all = [...new Set([...rounds, written])]
      const gone = new Set(snapshotsToDelete(rounds, keep, written))
      const left = all.filter((r) => !gone.has(r))
      assert.equal(left.length, Math.min(keep, all.length))
      assert.ok(left.includes(written))
      const others = left.filter((r) => r !== written)
      for (const g of gone) for (const o of others) assert.ok(o > g, `kept ${o} but deleted the newer ${g}`)
    }))
  })
})

describe('node/peer createSnapshotStore', () => {
  const params = new Float32Array([1, 2, 3])

  it('keeps exactly the newest N files as it writes, the one just written always among them, and clears dead writers\' temporary files', () => {
    const dataDir = newDir()
    const store = createSnapshotStore({ dataDir, keep: 3, log: () => {} })
    writeSnapshot(dataDir, 5, params)
    writeFileSync(join(dataDir, SNAPSHOT_DIR, `.tmp-${process.pid + 1}-round-00000007.f32`), new Uint8Array(4))
    writeFileSync(join(dataDir, SNAPSHOT_DIR, 'notes.txt'), 'a file murmur did not write')
    for (let round = 10; round <= 100; round += 10) {
      assert.equal(store.write(round, params), true)
      const left = snapshotRounds(dataDir)
      assert.ok(left.includes(round), `round ${round} written and deleted: ${left.join(', ')}`)
      assert.ok(left.length <= 3, left.join(', '))
    }
    assert.deepEqual(snapshotRounds(dataDir), [80, 90, 100])
    assert.deepEqual(readdirSync(join(dataDir, SNAPSHOT_DIR)).filter((f) => !/^round-/.test(f)), ['notes.txt'])
    assert.equal(store.skipped, 0)
  })

  it('keeps every file without keep', () => {
    const dataDir = newDir()
    const store = createSnapshotStore({ dataDir, log: () => {} })
    for (let round = 1; round <= 12; round++) store.write(round, params)
    assert.equal(snapshotRounds(dataDir).length, 12)
  })

  it('a failed write (ENOSPC, EACCES, ...) returns false, logs one line, then counts; its temporary file is removed', () => {
    const dataDir = newDir()
    const log: string[] = []
    const codes = ['ENOSPC', 'EACCES', 'ENOSPC']
    let k = 0
    const store = createSnapshotStore({ dataDir, keep: 2, log: (l) => { log.push(l) } }, {
      write: (dir, round) => {
        // a write cut by a full disk leaves a partial temporary file
        mkdirSync(join(dir, SNAPSHOT_DIR), { recursive: true })
        writeFileSync(join(dir, SNAPSHOT_DIR, `.tmp-${process.pid}-${basename(snapshotPath(dir, round))}`), new Uint8Array(8))
        throw fsError(codes[k++])
      }
    })
    assert.equal(store.write(10, params), false)
    assert.equal(store.write(20, params), false)
    assert.equal(store.write(30, params), false)
    assert.equal(store.skipped, 3)
    assert.equal(log.length, 1, log.join('\n'))
    assert.match(log[0], /^warning: could not write the snapshot of round 10 .*ENOSPC/)
    assert.match(store.firstError ?? '', /ENOSPC/)
    assert.deepEqual(readdirSync(join(dataDir, SNAPSHOT_DIR)), [])
  })

  it('a disk with room for exactly N snapshots: the oldest goes first, and every write succeeds', () => {
    const dataDir = newDir()
    // a disk that holds two snapshots: the third is refused with ENOSPC
    const write = (dir: string, round: number, p: Float32Array): void => {
      if (snapshotRounds(dir).filter((r) => r !== round).length >= 2) throw fsError('ENOSPC')
      writeSnapshot(dir, round, p)
    }
    const log: string[] = []
    const store = createSnapshotStore({ dataDir, keep: 2, log: (l) => { log.push(l) } }, { write })
    for (let round = 10; round <= 50; round += 10) assert.equal(store.write(round, params), true, `round ${round}: ${log.join('\n')}`)
    assert.deepEqual(snapshotRounds(dataDir), [40, 50])
    assert.equal(store.skipped, 0)
    // without --keep-snapshots nothing is deleted to make room: the write is skipped
    const all = createSnapshotStore({ dataDir, log: () => {} }, { write })
    assert.equal(all.write(60, params), false)
    assert.deepEqual(snapshotRounds(dataDir), [40, 50])
  })

  it('an error without a system code (a bug) still throws', () => {
    const store = createSnapshotStore({ dataDir: newDir(), log: () => {} }, { write: () => { throw new TypeError('bug') } })
    assert.throws(() => store.write(1, params), { name: 'TypeError' })
  })

  it('refuses keep < 1', () => {
    assert.throws(() => createSnapshotStore({ dataDir: newDir(), keep: 0, log: () => {} }), { name: 'InvalidParametersError' })
  })
})

describe('node/peer snapshotSizeNote: the start note when a run\'s snapshots would pass 1 GB', () => {
  it('projects one file every N rounds and one of the last round', () => {
    assert.equal(projectedSnapshotBytes(100, 1000, 20), 50 * 400)
    assert.equal(projectedSnapshotBytes(100, 1001, 20), 51 * 400)
    assert.equal(projectedSnapshotBytes(100, 1000, 0), 0)
  })

  // 250,000 parameters are 1 MB a snapshot: 1,000 of them are 1 GB
  const dim = 250_000
  const cases: Array<{ id: string, rounds: number, every: number, keep?: number, note: boolean }> = [
    { id: 'exactly 1 GB: no note', rounds: 20_000, every: 20, note: false },
    { id: 'one snapshot more: the note', rounds: 20_020, every: 20, note: true },
    { id: 'the same with --keep-snapshots: no note', rounds: 20_020, every: 20, keep: 5, note: false },
    { id: '--snapshot-every 0: no note', rounds: 1_000_000, every: 0, note: false }
  ]
  for (const c of cases) {
    it(c.id, () => {
      const note = snapshotSizeNote({ dim, rounds: c.rounds, every: c.every, keep: c.keep, dir: 'p0/snapshots' })
      assert.equal(note !== undefined, c.note, note)
      assert.equal(projectedSnapshotBytes(dim, c.rounds, c.every) > SNAPSHOT_NOTE_BYTES, c.note || c.keep !== undefined)
      if (note !== undefined) {
        assert.match(note, /about 1\.0 GB in p0\/snapshots/)
        assert.match(note, /--keep-snapshots N/)
        assert.match(note, /--snapshot-every/)
      }
    })
  }
})

describe('node/peer runPeer: snapshots of a peer alone', function () {
  this.timeout(30_000)

  function records (dataDir: string): PeerRecord[] {
    return readFileSync(join(dataDir, METRICS_FILE), 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as PeerRecord)
  }

  async function runAlone (dataDir: string, opts: { rounds: number, dim?: number, snapshotEvery: number, keepSnapshots?: number, resume?: boolean, stopAfterStart?: boolean }) {
    const config = resolveRunConfig({ runId: 'snapshots', peers: 1, algo: 'gossip', dim: opts.dim ?? 10, rounds: opts.rounds, seed: 1 })
    const log: string[] = []
    const stop = new AbortController()
    const result = await runPeer({
      config, slot: 0, dataDir, listen: LOOPBACK, bootstrap: [], mdns: false, evalEvery: 0, evalLimit: 0, telemetryEvery: 0,
      snapshotEvery: opts.snapshotEvery, keepSnapshots: opts.keepSnapshots, checkpointEvery: 0, resume: opts.resume, heartbeatMs: 100, startTimeoutMs: 1000,
      stop: stop.signal,
      log: (l) => { log.push(l) },
      onRound: () => { if (opts.stopAfterStart === true) stop.abort() }
    })
    return { result, log }
  }

  it('a folder it cannot write (snapshots/ is a file: ENOTDIR): one warning, trains to the end, checkpoints, and counts the skipped snapshots', async () => {
    const dataDir = newDir()
    writeFileSync(join(dataDir, SNAPSHOT_DIR), 'not a folder')
    // --resume without a checkpoint starts as a new peer without clearing the folder, as a full disk would find it
    const { result, log } = await runAlone(dataDir, { rounds: 12, snapshotEvery: 2, resume: true })
    assert.equal(result.rounds, 12)
    assert.equal(result.snapshotsSkipped, 6)
    assert.ok(result.checkpoint !== undefined && existsSync(result.checkpoint), 'the checkpoint is written')
    assert.equal(log.filter((l) => /could not write the snapshot/.test(l)).length, 1, log.join('\n'))
    const recs = records(dataDir)
    assert.equal(recs.length, 12)
    assert.equal(recs[0].snapshotsSkipped, undefined)
    assert.equal(recs[1].snapshotsSkipped, 1)
    assert.equal(recs.at(-1)?.snapshotsSkipped, 6)
  })

  it('--keep-snapshots 2: the last two snapshot rounds remain, the run\'s last among them', async () => {
    const dataDir = newDir()
    const { result, log } = await runAlone(dataDir, { rounds: 25, snapshotEvery: 4, keepSnapshots: 2 })
    assert.equal(result.rounds, 25)
    assert.equal(result.snapshotsSkipped, 0)
    assert.deepEqual(snapshotRounds(dataDir), [24, 25])
    assert.ok(!log.some((l) => l.startsWith('note: the snapshots')), log.join('\n'))
  })

  it('the 1 GB note: logged once at the start when all are kept, not with --keep-snapshots', async () => {
    // 1,000 parameters every round for 300,000 rounds: 1.2 GB; the peer is stopped after its first round
    const kept = await runAlone(newDir(), { rounds: 300_000, dim: 1000, snapshotEvery: 1, stopAfterStart: true })
    const notes = kept.log.filter((l) => l.startsWith('note: the snapshots'))
    assert.equal(notes.length, 1, kept.log.join('\n'))
    assert.match(notes[0], /about 1\.2 GB/)
    const pruned = await runAlone(newDir(), { rounds: 300_000, dim: 1000, snapshotEvery: 1, keepSnapshots: 10, stopAfterStart: true })
    assert.ok(!pruned.log.some((l) => l.startsWith('note: the snapshots')), pruned.log.join('\n'))
  })
})
