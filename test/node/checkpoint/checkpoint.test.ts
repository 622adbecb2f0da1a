import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync, readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createRng } from '../../../lib/random/index.ts'
import { decodeCheckpoint, encodeCheckpoint, listCheckpoints, loadLatestCheckpoint, writeCheckpoint } from '../../../node/checkpoint/index.ts'
import { archivePreviousRun, CHECKPOINT_DIR, METRICS_FILE, SNAPSHOT_DIR } from '../../../node/peer/index.ts'

function vec (n: number, seed: number): Float32Array {
  const r = createRng(seed); const v = new Float32Array(n)
  for (let i = 0; i < n; i++) v[i] = r.normal()
  return v
}

const state = () => ({ algo: 'choco', round: 7, params: vec(1001, 1), momentum: new Float32Array(0), objective: { steps: 12 }, choco: { selfCopy: vec(1001, 2), selfVersion: 7, fullRequested: false, copies: [{ id: 'a', version: 6, values: vec(1001, 3) }] } })

describe('node/checkpoint', () => {
  it('round-trips nested state with Float32Arrays exactly', () => {
    const s = state()
    const back = decodeCheckpoint(encodeCheckpoint({ configHash: 'h', round: 7, writtenAt: 1, state: s })) as any
    assert.deepEqual(back.state, s)
    assert.ok(back.state.params instanceof Float32Array)
  })

  it('refuses vector references that together claim more than the file\'s vectors (one blob named many times), which would allocate without bound', () => {
    // a file as a writer would not make it: header, 4-aligned blob area, SHA-256 of everything before
    const raw = (header: string, blob: Uint8Array): Uint8Array => {
      const h = new TextEncoder().encode(header)
      const blobStart = (16 + h.length + 3) & ~3
      const out = new Uint8Array(blobStart + blob.length + 32)
      out.set(new TextEncoder().encode('MRMRCKPT'), 0)
      new DataView(out.buffer).setUint32(8, 1, true)
      new DataView(out.buffer).setUint32(12, h.length, true)
      out.set(h, 16)
      out.set(blob, blobStart)
      out.set(createHash('sha256').update(out.subarray(0, out.length - 32)).digest(), out.length - 32)
      return out
    }
    const blob = new Uint8Array(new Float32Array([1.5, 2.5]).buffer)
    assert.deepEqual(decodeCheckpoint(raw('{"s":[{"$f32":[0,1]},{"$f32":[4,1]}]}', blob)), { s: [Float32Array.of(1.5), Float32Array.of(2.5)] }, 'the format itself')
    const twice = raw('{"s":[{"$f32":[0,2]},{"$f32":[0,1]}]}', blob)
    assert.throws(() => decodeCheckpoint(twice), (e: Error & { reason?: string }) => e.name === 'InvalidCheckpointError' && e.reason === 'blob' && /named twice/.test(e.message))
    const many = raw(JSON.stringify({ s: new Array(1000).fill({ $f32: [0, 2] }) }), blob)
    assert.throws(() => decodeCheckpoint(many), (e: Error & { reason?: string }) => e.reason === 'blob')
  })

  it('detects every single-byte corruption and every truncation it is given', () => {
    const bytes = encodeCheckpoint({ configHash: 'h', round: 1, writtenAt: 1, state: state() })
    const r = createRng(5)
    for (let k = 0; k < 300; k++) {
      const copy = bytes.slice()
      const at = r.int(copy.length)
      copy[at] ^= 1 + r.int(255)
      assert.throws(() => decodeCheckpoint(copy), (e: any) => e.name === 'InvalidCheckpointError')
    }
    for (const len of [0, 10, 47, 100, bytes.length - 1]) {
      assert.throws(() => decodeCheckpoint(bytes.subarray(0, len)), (e: any) => e.name === 'InvalidCheckpointError')
    }
  })

  it('writes atomically with mode 0600, keeps the newest three and falls back past corrupt or foreign files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'murmur-ckpt-'))
    for (const round of [5, 10, 15, 20]) writeCheckpoint(dir, { configHash: 'run', round, writtenAt: Date.now(), state: { ...state(), round } })
    assert.deepEqual(listCheckpoints(dir).map((c) => c.round), [10, 15, 20])
    assert.equal(statSync(join(dir, listCheckpoints(dir)[0].file)).mode & 0o777, 0o600)
    assert.equal(readdirSync(dir).filter((f) => f.startsWith('.tmp')).length, 0)
    // corrupt the newest, and write a newer one of another run
    const newest = join(dir, listCheckpoints(dir)[2].file)
    const b = readFileSync(newest); b[b.length - 100] ^= 0xff; writeFileSync(newest, b)
    writeCheckpoint(dir, { configHash: 'other-run', round: 25, writtenAt: 0, state: state() }, 10)
    const got = loadLatestCheckpoint<any>(dir, 'run')
    assert.equal(got.checkpoint?.round, 15)
    assert.deepEqual(got.skipped.map((s) => s.reason.split(':')[0]), ['InvalidCheckpointError', 'InvalidCheckpointError'])
    assert.match(got.skipped[0].reason, /another run/)
    // a validator that refuses the state makes it fall back further
    const older = loadLatestCheckpoint<any>(dir, 'run', (s: any) => { if (s.round === 15) throw new Error('bad'); return s })
    assert.equal(older.checkpoint?.round, 10)
    assert.equal(loadLatestCheckpoint(mkdtempSync(join(tmpdir(), 'murmur-empty-')), 'run').checkpoint, undefined)
  })

  it('a file whose name gives another round than its contents is refused, so it can neither be resumed nor push out the newest', () => {
    const dir = mkdtempSync(join(tmpdir(), 'murmur-ckpt-'))
    for (const round of [5, 10]) writeCheckpoint(dir, { configHash: 'run', round, writtenAt: 0, state: { ...state(), round } })
    copyFileSync(join(dir, 'checkpoint-0000000005.ckpt'), join(dir, 'checkpoint-0000099999.ckpt'))
    const got = loadLatestCheckpoint<any>(dir, 'run')
    assert.equal(got.checkpoint?.round, 10)
    assert.equal(got.skipped[0].fault, 'header')
    assert.match(got.skipped[0].reason, /name says round 99999, its contents round 5/)
    for (const round of [15, 20, 25]) writeCheckpoint(dir, { configHash: 'run', round, writtenAt: 0, state: { ...state(), round } })
    assert.deepEqual(listCheckpoints(dir).map((c) => c.round), [15, 20, 25], 'the newest three kept; the later-named file moved aside')
    assert.deepEqual(listCheckpoints(join(dir, 'superseded')).map((c) => c.round), [99999])
    assert.equal(loadLatestCheckpoint<any>(dir, 'run').checkpoint?.round, 25)
  })

  it('a checkpoint of a lower round than earlier ones (a peer that rejoined behind its last checkpoint) is the one resumed', () => {
    const dir = mkdtempSync(join(tmpdir(), 'murmur-ckpt-'))
    for (const round of [40, 47]) writeCheckpoint(dir, { configHash: 'run', round, writtenAt: 0, state: { ...state(), round } })
    writeCheckpoint(dir, { configHash: 'run', round: 45, writtenAt: 1, state: { ...state(), round: 45 } })
    assert.equal(loadLatestCheckpoint<any>(dir, 'run').checkpoint?.round, 45)
    assert.deepEqual(listCheckpoints(dir).map((c) => c.round), [40, 45])
    assert.deepEqual(listCheckpoints(join(dir, 'superseded')).map((c) => c.round), [47])
  })

  it('a new run moves an earlier run\'s metrics and checkpoints to previous/<time>/, deletes its snapshots and keeps the identity', () => {
    const dir = mkdtempSync(join(tmpdir(), 'murmur-data-'))
    assert.equal(archivePreviousRun(dir), undefined, 'nothing to move in a new folder')
    writeFileSync(join(dir, METRICS_FILE), '')
    assert.equal(archivePreviousRun(dir), undefined, 'an empty metrics file is nothing')
    writeFileSync(join(dir, METRICS_FILE), '{"round":1}\n')
    writeFileSync(join(dir, 'peer.key'), 'key')
    mkdirSync(join(dir, SNAPSHOT_DIR))
    writeFileSync(join(dir, SNAPSHOT_DIR, 'round-00000010.f32'), new Uint8Array(8))
    writeCheckpoint(join(dir, CHECKPOINT_DIR), { configHash: 'old-run', round: 3000, writtenAt: 0, state: state() })
    const when = new Date(Date.UTC(2026, 10, 23, 21, 30, 5))
    const moved = archivePreviousRun(dir, when)
    assert.equal(moved, join(dir, 'previous', '20261123T213005Z'))
    assert.deepEqual(readdirSync(moved).sort(), [CHECKPOINT_DIR, METRICS_FILE])
    assert.deepEqual(readdirSync(dir).sort(), ['peer.key', 'previous'].sort(), 'the snapshots are gone, the key stays')
    assert.equal(readFileSync(join(moved, METRICS_FILE), 'utf8'), '{"round":1}\n')
    assert.deepEqual(listCheckpoints(join(moved, CHECKPOINT_DIR)).map((c) => c.round), [3000])
    // this run's checkpoints are no longer pruned by the old round 3000
    for (const round of [50, 100, 150, 200]) writeCheckpoint(join(dir, CHECKPOINT_DIR), { configHash: 'run', round, writtenAt: 0, state: state() })
    assert.deepEqual(listCheckpoints(join(dir, CHECKPOINT_DIR)).map((c) => c.round), [100, 150, 200])
    // a second archive in the same second gets its own folder
    assert.equal(archivePreviousRun(dir, when), join(dir, 'previous', '20261123T213005Z-2'))
    assert.ok(existsSync(join(dir, 'previous', '20261123T213005Z-2', CHECKPOINT_DIR)))
  })
})
