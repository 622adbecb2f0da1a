/**
 * --resume in another slot than the data dir's run (a copied folder, a mistyped --shard): refused with
 * ShardMismatchError naming both shards; the slot is recorded in each checkpoint, and a checkpoint written before
 * that (no slot) is judged by the folder's peer.json. And the pure rules of a restarting cohort's first round.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createAlgorithm } from '../../../lib/algorithms/index.ts'
import type { PeerAlgorithm } from '../../../lib/algorithms/index.ts'
import { agreedConfig, algorithmConfig, configHash, resolveRunConfig } from '../../../lib/experiment/index.ts'
import type { RunConfig } from '../../../lib/experiment/index.ts'
import { createRng } from '../../../lib/random/index.ts'
import { loadLatestCheckpoint, writeCheckpoint } from '../../../node/checkpoint/index.ts'
import type { MemberView } from '../../../node/membership/index.ts'
import { CHECKPOINT_DIR, PEER_FILE, cohortRound, laterCohortStart, readPeerFile } from '../../../node/peer/index.ts'
import { resumeFromCheckpoint } from '../../../node/peer/resume.ts'

const DIM = 16
const dirs: string[] = []

function setup (): { config: RunConfig, algorithm: PeerAlgorithm } {
  const config = resolveRunConfig({ algo: 'gossip', dim: DIM, peers: 3, rounds: 100, runId: 'resume-shard' })
  return { config, algorithm: createAlgorithm(algorithmConfig(config), { x0: new Float32Array(DIM), rng: createRng(1), id: 'me' }) }
}

/** a data dir with a checkpoint of round 30 written in `slot` (undefined: a file of before the slot was recorded) and a peer.json of `peerJsonSlot` */
function dataDir (config: RunConfig, algorithm: PeerAlgorithm, slot: number | undefined, peerJsonSlot?: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'murmur-resume-shard-'))
  dirs.push(dir)
  const state = { ...algorithm.exportState(), round: 30, params: new Float32Array(DIM).fill(30) }
  writeCheckpoint(join(dir, CHECKPOINT_DIR), { configHash: configHash(config), round: 30, writtenAt: 1, config: agreedConfig(config), state, ...(slot === undefined ? {} : { slot }) })
  if (peerJsonSlot !== undefined) writeFileSync(join(dir, PEER_FILE), JSON.stringify({ peerId: 'x', slot: peerJsonSlot, addrs: [], configHash: configHash(config), runId: config.runId, pid: 1 }))
  return dir
}

describe('node/peer resume: the shard of the data dir', () => {
  after(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }) })

  it('a checkpoint records its writer\'s slot; one without it (an older file) loads with none', () => {
    const { config, algorithm } = setup()
    assert.equal(loadLatestCheckpoint(join(dataDir(config, algorithm, 2), CHECKPOINT_DIR), configHash(config)).checkpoint?.slot, 2)
    assert.equal(loadLatestCheckpoint(join(dataDir(config, algorithm, undefined), CHECKPOINT_DIR), configHash(config)).checkpoint?.slot, undefined)
  })

  const cases: Array<{ id: string, checkpoint: number | undefined, peerJson?: number, given: number, refused?: RegExp }> = [
    { id: 'the checkpoint\'s slot differs', checkpoint: 1, given: 2, refused: /its checkpoint of round 30 was written as --shard 1\/3\), but this peer was given --shard 2\/3/ },
    { id: 'an older checkpoint (no slot) in a folder whose peer.json has another slot', checkpoint: undefined, peerJson: 1, given: 2, refused: /its peer\.json says it ran as --shard 1\/3\), but this peer was given --shard 2\/3/ },
    { id: 'the checkpoint\'s slot wins over a peer.json of another', checkpoint: 2, peerJson: 1, given: 2 },
    { id: 'an older checkpoint and no peer.json: nothing to judge by', checkpoint: undefined, given: 2 },
    { id: 'the same slot', checkpoint: 0, peerJson: 0, given: 0 }
  ]
  for (const c of cases) {
    it(`${c.id}: ${c.refused === undefined ? 'resumed' : 'ShardMismatchError'}`, () => {
      const { config, algorithm } = setup()
      const dir = dataDir(config, algorithm, c.checkpoint, c.peerJson)
      const run = (): unknown => resumeFromCheckpoint(dir, config, setup().algorithm, () => {}, { slot: c.given })
      if (c.refused === undefined) {
        assert.equal((run() as { round: number }).round, 30)
        return
      }
      assert.throws(run, (err: Error & { recorded?: number, given?: number }) => {
        assert.equal(err.name, 'ShardMismatchError')
        assert.equal(err.recorded, 1)
        assert.equal(err.given, 2)
        assert.match(err.message, c.refused as RegExp)
        assert.match(err.message, /Resume with --shard 1\/3/)
        return true
      })
    })
  }

  it('no checkpoint in a folder of another slot: a new peer, with a warning (nothing of the other slot is loaded)', () => {
    const { config, algorithm } = setup()
    const dir = mkdtempSync(join(tmpdir(), 'murmur-resume-shard-'))
    dirs.push(dir)
    writeFileSync(join(dir, PEER_FILE), JSON.stringify({ slot: 1 }))
    const lines: string[] = []
    assert.equal(resumeFromCheckpoint(dir, config, algorithm, (l) => lines.push(l), { slot: 2 }), undefined)
    assert.ok(lines.some((l) => l.startsWith('warning: --resume:') && l.includes('--shard 1/3') && l.includes('--shard 2/3')), lines.join('\n'))
  })

  it('readPeerFile: a torn or foreign peer.json is no record', () => {
    const dir = mkdtempSync(join(tmpdir(), 'murmur-resume-shard-'))
    dirs.push(dir)
    assert.equal(readPeerFile(dir), undefined)
    writeFileSync(join(dir, PEER_FILE), '{"slot": 1, "addrs": [')
    assert.equal(readPeerFile(dir), undefined)
    writeFileSync(join(dir, PEER_FILE), JSON.stringify({ slot: -1, peerId: 7 }))
    assert.deepEqual(readPeerFile(dir), {})
    writeFileSync(join(dir, PEER_FILE), JSON.stringify({ slot: 2, peerId: 'p' }))
    assert.deepEqual(readPeerFile(dir), { slot: 2, peerId: 'p' })
  })
})

function view (id: string, extra: Partial<MemberView>): MemberView {
  return { id, addrs: [], slot: 0, round: 0, state: 'joining', lastSeen: 0, live: true, self: false, ...extra }
}

describe('node/peer resume: the first round of a restarting cohort', () => {
  const me = view('me', { self: true, round: 20 })
  const table: Array<{ id: string, view: MemberView[], own: number, cohort: number }> = [
    { id: 'a new run', view: [view('a', {}), view('b', { since: 0 })], own: 0, cohort: 0 },
    { id: 'the newest checkpoint announced', view: [me, view('a', { round: 40 }), view('b', { round: 30 })], own: 20, cohort: 40 },
    { id: 'a round fixed', view: [me, view('a', { round: 30, since: 45 })], own: 20, cohort: 45 },
    { id: 'own newest', view: [me, view('a', { round: 10 })], own: 20, cohort: 20 },
    { id: 'a silent, a leaving or an active peer does not count', view: [me, view('a', { round: 90, live: false }), view('b', { round: 90, state: 'leaving', since: 0, until: 91 }), view('c', { round: 90, state: 'active', since: 0 })], own: 20, cohort: 20 }
  ]
  for (const t of table) it(`cohortRound: ${t.id}`, () => { assert.equal(cohortRound(t.view, t.own), t.cohort) })

  it('laterCohortStart: a peer fixing a later round before the run started here; not a joiner of a run started here', () => {
    assert.equal(laterCohortStart([me, view('a', { since: 40 }), view('b', { since: 45, state: 'active', round: 46 })], 20), 45)
    assert.equal(laterCohortStart([me, view('a', { since: 20 })], 20), undefined)
    // a member running from round 20: the run started there, and the peer of round 40 joins it
    assert.equal(laterCohortStart([me, view('a', { since: 20, state: 'active', round: 25 }), view('b', { since: 40 })], 20), undefined)
    assert.equal(laterCohortStart([me, view('b', { since: 40, live: false })], 20), undefined)
  })
})
