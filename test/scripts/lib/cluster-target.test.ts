import assert from 'node:assert/strict'
import { appendFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { createClusterTargetWatch, createTargetWatch } from '../../../scripts/lib/cluster-target.ts'
import type { TargetHit, TargetWatch, WatchedPeer } from '../../../scripts/lib/cluster-target.ts'
import { resolveRunConfig } from '../../../lib/experiment/index.ts'
import { METRICS_FILE, snapshotPath } from '../../../node/peer/index.ts'

const DIM = 4

/** peer folders in a fresh temporary directory */
function peers (n: number): string[] {
  const root = mkdtempSync(join(tmpdir(), 'murmur-target-'))
  return Array.from({ length: n }, (_, i) => { const d = join(root, `peer-${i}`); mkdirSync(d); return d })
}

/** a peer's snapshot file as murmur peer writes it: raw little-endian float32 */
function snap (dir: string, round: number, value: number): void {
  const path = snapshotPath(dir, round)
  mkdirSync(dirname(path), { recursive: true })
  writeFileSync(path, new Uint8Array(new Float32Array(DIM).fill(value).buffer))
}

/** peers in the run from round 0 */
const live = (...dirs: string[]): WatchedPeer[] => dirs.map((dataDir) => ({ dataDir }))

/** a peer's metrics record of `round` */
function record (dir: string, round: number): void {
  appendFileSync(join(dir, METRICS_FILE), JSON.stringify({ round }) + '\n')
}

/** the fake test set scores a model by its first coordinate, so the averaged model's value is visible */
const byFirst = (x: Float32Array): number => x[0]

/** the last tested round (read through a function: an earlier assert on w.last must not narrow it for the compiler) */
function lastTested (w: TargetWatch): TargetHit {
  const last = w.last
  assert.ok(last !== null, 'a round was tested')
  return last
}

describe('scripts/lib/cluster-target: the averaged model of the peers\' snapshots against a target', () => {
  it('waits until every live peer has written the round, then tests the mean of their snapshots', () => {
    const [a, b] = peers(2)
    const w = createTargetWatch({ target: 0.5, every: 2, dim: DIM, evaluate: byFirst })
    snap(a, 2, 0.2)
    assert.equal(w.poll(live(a, b)), null)
    assert.equal(w.last, null, 'nothing tested while peer b has no snapshot of round 2')
    snap(b, 2, 0.4)
    assert.equal(w.poll(live(a, b)), null)
    assert.equal(lastTested(w).round, 2)
    assert.ok(Math.abs(lastTested(w).accuracy - 0.3) < 1e-6, `mean of 0.2 and 0.4, got ${lastTested(w).accuracy}`)
    assert.equal(w.hit, null)
    assert.ok(w.evalMs >= 0)
  })

  it('reports the first round that reaches the target, in round order, and then stops testing', () => {
    const [a, b] = peers(2)
    const w = createTargetWatch({ target: 0.5, every: 2, dim: DIM, evaluate: byFirst })
    snap(a, 2, 0.2); snap(b, 2, 0.4) // 0.3
    snap(a, 4, 0.5); snap(b, 4, 0.7) // 0.6: the first at or above 0.5
    snap(a, 6, 0.9); snap(b, 6, 0.9) // 0.9
    assert.equal(w.poll(live(a, b)), null, 'one round a call: round 2 first')
    const hit = w.poll(live(a, b))
    assert.equal(hit?.round, 4)
    assert.deepEqual(w.hit, hit)
    assert.equal(w.poll(live(a, b)), null, 'after the hit, polls do nothing')
    assert.equal(lastTested(w).round, 4)
  })

  it('does not wait for a peer that passed the round without its snapshot (it joined later)', () => {
    const [a, b, joiner] = peers(3)
    const w = createTargetWatch({ target: 0.99, every: 2, dim: DIM, evaluate: byFirst })
    snap(a, 2, 0.2); snap(b, 2, 0.4)
    assert.equal(w.poll(live(a, b, joiner)), null)
    assert.equal(w.last, null, 'the joiner has not run a round yet: it may still write round 2')
    record(joiner, 3)
    w.poll(live(a, b, joiner))
    assert.equal(lastTested(w).round, 2)
    assert.ok(Math.abs(lastTested(w).accuracy - 0.3) < 1e-6, 'tested with the two snapshots there are')
  })

  it('does not wait for a peer started into the running run until it has recorded a round (it may take many rounds to join)', () => {
    const [a, b, joiner, restarted] = peers(4)
    const w = createTargetWatch({ target: 0.99, every: 2, dim: DIM, evaluate: byFirst })
    record(restarted, 1) // its earlier life's last record, before it was killed and restarted
    snap(a, 2, 0.2); snap(b, 2, 0.4)
    w.poll([...live(a, b), { dataDir: joiner, startRound: 0 }, { dataDir: restarted, startRound: 1 }])
    assert.equal(lastTested(w).round, 2, 'tested without the joiner and the restarted peer, which have not joined yet')
    assert.ok(Math.abs(lastTested(w).accuracy - 0.3) < 1e-6)
    // once they recorded a round of their own, they are in the run: round 4 waits for them
    record(joiner, 3); record(restarted, 3)
    snap(a, 4, 0.2); snap(b, 4, 0.4)
    w.poll([...live(a, b), { dataDir: joiner, startRound: 0 }, { dataDir: restarted, startRound: 1 }])
    assert.equal(lastTested(w).round, 2, 'round 4 waits for the two that joined')
    snap(joiner, 4, 0.6); snap(restarted, 4, 0.8)
    w.poll([...live(a, b), { dataDir: joiner, startRound: 0 }, { dataDir: restarted, startRound: 1 }])
    assert.equal(lastTested(w).round, 4)
    assert.ok(Math.abs(lastTested(w).accuracy - 0.5) < 1e-6, 'the mean of all four')
  })

  it('a run whose peers have recorded nothing yet: nothing is tested and no round is skipped', () => {
    const [a, b] = peers(2)
    const w = createTargetWatch({ target: 0.99, every: 2, dim: DIM, evaluate: byFirst })
    assert.equal(w.poll([{ dataDir: a, startRound: 0 }, { dataDir: b, startRound: 0 }]), null)
    assert.equal(w.last, null)
    snap(a, 2, 0.2); snap(b, 2, 0.4); record(a, 2); record(b, 2)
    w.poll([{ dataDir: a, startRound: 0 }, { dataDir: b, startRound: 0 }])
    assert.equal(lastTested(w).round, 2)
  })

  it('needs snapshots to test: --snapshot-every 0 is a UsageError naming the option', () => {
    assert.throws(() => createTargetWatch({ target: 0.5, every: 0, dim: DIM, evaluate: byFirst }), (err: any) => err.name === 'UsageError' && err.option === 'snapshot-every')
  })

  it('a gossip run has no model to test: a UsageError naming --until-accuracy, before anything loads', async () => {
    await assert.rejects(createClusterTargetWatch(resolveRunConfig({ algo: 'gossip' }), 0.9, 10), (err: any) => err.name === 'UsageError' && err.option === 'until-accuracy')
  })
})
