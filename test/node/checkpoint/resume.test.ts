import assert from 'node:assert/strict'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createAlgorithm } from '../../../lib/algorithms/index.ts'
import type { AlgorithmState, PeerAlgorithm } from '../../../lib/algorithms/index.ts'
import { agreedConfig, algorithmConfig, configHash, resolveRunConfig } from '../../../lib/experiment/index.ts'
import type { RunConfig } from '../../../lib/experiment/index.ts'
import { createRng } from '../../../lib/random/index.ts'
import { listCheckpoints, writeCheckpoint } from '../../../node/checkpoint/index.ts'
import { CHECKPOINT_DIR, catchUpRound } from '../../../node/peer/index.ts'
import { rejoinState, resumeFromCheckpoint } from '../../../node/peer/resume.ts'
import type { MemberView } from '../../../node/membership/index.ts'

const DIM = 64

function setup (overrides: Partial<RunConfig> = {}): { config: RunConfig, algorithm: PeerAlgorithm } {
  const config = resolveRunConfig({ algo: 'gossip', dim: DIM, peers: 4, rounds: 100, runId: 'resume-test', ...overrides })
  const x0 = new Float32Array(DIM)
  return { config, algorithm: createAlgorithm(algorithmConfig(config), { x0, rng: createRng(1), id: 'me' }) }
}

/** a checkpoint of round `round` whose params are all `round` */
function save (dataDir: string, config: RunConfig, algorithm: PeerAlgorithm, round: number): void {
  const state: AlgorithmState = { ...algorithm.exportState(), round, params: new Float32Array(DIM).fill(round) }
  writeCheckpoint(join(dataDir, CHECKPOINT_DIR), { configHash: configHash(config), round, writtenAt: Date.now(), config: agreedConfig(config), state }, 10)
}

function view (id: string, round: number, extra: Partial<MemberView> = {}): MemberView {
  return { id, addrs: [], slot: 1, round, state: 'active', lastSeen: 0, live: true, self: false, ...extra }
}

describe('node/peer resume: --resume from the newest usable checkpoint', () => {
  it('uses the newest valid checkpoint, loads its state into the algorithm and logs which', () => {
    const dir = mkdtempSync(join(tmpdir(), 'murmur-resume-'))
    const { config, algorithm } = setup()
    for (const r of [10, 20, 30]) save(dir, config, algorithm, r)
    const lines: string[] = []
    const got = resumeFromCheckpoint(dir, config, algorithm, (l) => lines.push(l))
    assert.equal(got?.round, 30)
    assert.equal(algorithm.round, 30)
    assert.equal(algorithm.params[5], 30)
    assert.ok(lines.some((l) => l.includes('checkpoint-0000000030.ckpt')), lines.join('\n'))
  })

  it('refuses a corrupt newest file and one of another config (naming the differing field), and falls back to the previous good one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'murmur-resume-'))
    const { config, algorithm } = setup()
    save(dir, config, algorithm, 10)
    save(dir, config, algorithm, 20)
    const other = setup({ lr: 0.3 })
    save(dir, other.config, other.algorithm, 40)
    const ckdir = join(dir, CHECKPOINT_DIR)
    const f20 = join(ckdir, listCheckpoints(ckdir).find((c) => c.round === 20)!.file)
    const bytes = readFileSync(f20); bytes[bytes.length - 40] ^= 0x5a; writeFileSync(f20, bytes)
    const lines: string[] = []
    const got = resumeFromCheckpoint(dir, config, algorithm, (l) => lines.push(l))
    assert.equal(got?.round, 10)
    assert.equal(got?.refused.length, 2)
    assert.match(got!.refused[0], /checkpoint-0000000040.*lr: this run 0\.05, checkpoint 0\.3/)
    assert.match(got!.refused[1], /checkpoint-0000000020.*checksum/)
    assert.equal(algorithm.params[0], 10)
  })

  it('ResumeFailedError when every checkpoint is refused; undefined (a new peer) when there is none; leftover temp files are removed', () => {
    const dir = mkdtempSync(join(tmpdir(), 'murmur-resume-'))
    const { config, algorithm } = setup()
    assert.equal(resumeFromCheckpoint(dir, config, algorithm, () => {}), undefined)
    const other = setup({ seed: 9 })
    save(dir, other.config, other.algorithm, 40)
    const leftover = join(dir, CHECKPOINT_DIR, '.tmp-999999999-checkpoint-0000000050.ckpt')
    writeFileSync(leftover, 'torn')
    const before = algorithm.exportState()
    assert.throws(() => resumeFromCheckpoint(dir, config, algorithm, () => {}), (e: Error) => e.name === 'ResumeFailedError' && /seed: this run 1, checkpoint 9/.test(e.message) && /written with \(--config\)/.test(e.message))
    assert.deepEqual(algorithm.exportState(), before, 'a refused state changes nothing')
    assert.equal(existsSync(leftover), false)
    // only corrupt files: the advice is not about configs
    const corrupt = mkdtempSync(join(tmpdir(), 'murmur-resume-'))
    save(corrupt, config, algorithm, 40)
    const file = join(corrupt, CHECKPOINT_DIR, 'checkpoint-0000000040.ckpt')
    const bytes = readFileSync(file); bytes[bytes.length - 50] ^= 0xff; writeFileSync(file, bytes)
    assert.throws(() => resumeFromCheckpoint(corrupt, config, algorithm, () => {}), (e: Error) => e.name === 'ResumeFailedError' && /Move them away/.test(e.message) && !/--config/.test(e.message))
  })

  it('a state the algorithm refuses (another dimension) is skipped for an older one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'murmur-resume-'))
    const { config, algorithm } = setup()
    save(dir, config, algorithm, 10)
    const bad = { ...algorithm.exportState(), round: 20, params: new Float32Array(DIM + 1) }
    mkdirSync(join(dir, CHECKPOINT_DIR), { recursive: true })
    writeCheckpoint(join(dir, CHECKPOINT_DIR), { configHash: configHash(config), round: 20, writtenAt: 0, state: bad }, 10)
    const got = resumeFromCheckpoint(dir, config, algorithm, () => {})
    assert.equal(got?.round, 10)
    assert.match(got!.refused[0], /InvalidAlgorithmStateError/)
  })

  it('a checkpoint of a round past the run\'s last (a crafted one) is refused for an older one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'murmur-resume-'))
    const { config, algorithm } = setup()
    save(dir, config, algorithm, 10)
    save(dir, config, algorithm, 100)
    mkdirSync(join(dir, CHECKPOINT_DIR), { recursive: true })
    writeCheckpoint(join(dir, CHECKPOINT_DIR), { configHash: configHash(config), round: 101, writtenAt: 0, state: { ...algorithm.exportState(), round: 101 } }, 10)
    const got = resumeFromCheckpoint(dir, config, algorithm, () => {})
    assert.equal(got?.round, 100, 'round 100 of a 100-round run is its last checkpoint and is used')
    assert.match(got!.refused[0], /checkpoint-0000000101.*a run of 100 rounds checkpoints at most round 100, got round 101/)
  })

  it('a checkpoint whose data position is past what its round allows (localSteps a round) is refused for an older one, not replayed', () => {
    const dir = mkdtempSync(join(tmpdir(), 'murmur-resume-'))
    const { config, algorithm } = setup()
    save(dir, config, algorithm, 10)
    mkdirSync(join(dir, CHECKPOINT_DIR), { recursive: true })
    writeCheckpoint(join(dir, CHECKPOINT_DIR), { configHash: configHash(config), round: 20, writtenAt: 0, state: { ...algorithm.exportState(), round: 20, objective: { steps: 2 ** 40 } } }, 10)
    const got = resumeFromCheckpoint(dir, config, algorithm, () => {})
    assert.equal(got?.round, 10)
    assert.match(got!.refused[0], /checkpoint-0000000020.*a state of round 20 has taken at most 20 minibatches \(1 a round\), got 1099511627776/)
  })

  it('rejoinState: the pulled model at the join round, own data position and CHOCO copies kept, momentum zeroed, no error memory', () => {
    const own: AlgorithmState = {
      algo: 'choco', round: 12, params: new Float32Array(3).fill(1), momentum: new Float32Array(3).fill(2), objective: { steps: 99 },
      choco: { selfCopy: new Float32Array(3), selfVersion: 12, fullRequested: false, copies: [] }, errorMemory: new Float32Array(3).fill(3)
    }
    const pulled = new Float32Array(3).fill(7)
    const s = rejoinState(own, pulled, 40)
    assert.equal(s.round, 40)
    assert.equal(s.params, pulled)
    assert.deepEqual([...s.momentum], [0, 0, 0])
    assert.equal(s.errorMemory, undefined)
    assert.deepEqual(s.objective, { steps: 99 })
    assert.equal(s.choco, own.choco)
    assert.deepEqual([...own.momentum], [2, 2, 2], 'the input is not modified')
  })
})

describe('node/peer catchUpRound: a peer behind its neighbours jumps to their round', () => {
  const cases: Array<{ id: string, view: MemberView[], neighbours: string[], round: number, expected: number | undefined }> = [
    { id: 'in step (neighbour one round ahead)', view: [view('a', 11)], neighbours: ['a'], round: 10, expected: undefined },
    { id: 'a neighbour two rounds ahead went past us', view: [view('a', 12)], neighbours: ['a'], round: 10, expected: 12 },
    { id: 'the furthest of several', view: [view('a', 30), view('b', 25)], neighbours: ['a', 'b'], round: 10, expected: 30 },
    { id: 'a peer that is not a neighbour is ignored', view: [view('c', 50)], neighbours: ['a'], round: 10, expected: undefined },
    { id: 'a silent (not live) neighbour is ignored', view: [view('a', 50, { live: false })], neighbours: ['a'], round: 10, expected: undefined },
    { id: 'a joiner or leaver is ignored', view: [view('a', 50, { state: 'joining' }), view('b', 50, { state: 'leaving' })], neighbours: ['a', 'b'], round: 10, expected: undefined },
    { id: 'our own record is ignored', view: [view('me', 50, { self: true })], neighbours: ['me'], round: 10, expected: undefined },
    { id: 'neighbours behind us', view: [view('a', 3)], neighbours: ['a'], round: 10, expected: undefined }
  ]
  for (const c of cases) {
    it(c.id, () => { assert.equal(catchUpRound(c.view, c.neighbours, c.round), c.expected) })
  }
})
