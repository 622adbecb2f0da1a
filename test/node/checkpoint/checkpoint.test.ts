import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, statSync, writeFileSync, readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createRng } from '../../../lib/random/index.ts'
import { decodeCheckpoint, encodeCheckpoint, listCheckpoints, loadLatestCheckpoint, writeCheckpoint } from '../../../node/checkpoint/index.ts'

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
})
