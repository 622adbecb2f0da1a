/**
 * A crashed peer restarted without --resume in its own --data-dir, in the same run: it moved its earlier metrics to
 * previous/ and deleted its snapshots, so a report merged over the peers' folders silently lacked its early rounds
 * (found by a user's walkthrough). Now such a start is refused, with nothing touched, naming --resume (go on) and
 * --fresh (start afresh on purpose); a folder of another run, or of another slot, is still moved aside as before.
 */
import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { resolveRunConfig } from '../../../lib/experiment/index.ts'
import type { RunConfig } from '../../../lib/experiment/index.ts'
import { listCheckpoints } from '../../../node/checkpoint/index.ts'
import { CHECKPOINT_DIR, LOCK_FILE, METRICS_FILE, PEER_FILE, PREVIOUS_DIR, runPeer, SNAPSHOT_DIR } from '../../../node/peer/index.ts'
import type { PeerInit } from '../../../node/peer/index.ts'
import { startPeer } from '../process/helpers.ts'

const config = (over: Partial<RunConfig> = {}): RunConfig => ({ ...resolveRunConfig({ algo: 'gossip', dim: 8, peers: 1, rounds: 6, runId: 'same-run-test' }), ...over })

async function life (dataDir: string, opts: Partial<PeerInit> = {}): Promise<string[]> {
  const log: string[] = []
  await runPeer({
    config: config(), slot: 0, dataDir, listen: ['/ip4/127.0.0.1/tcp/0'], bootstrap: [], mdns: false, evalEvery: 0, evalLimit: 0,
    snapshotEvery: 1, checkpointEvery: 2, heartbeatMs: 100, startTimeoutMs: 0, stop: new AbortController().signal, log: (l) => { log.push(l) }, ...opts
  })
  return log
}

const rounds = (dataDir: string): number[] =>
  readFileSync(join(dataDir, METRICS_FILE), 'utf8').split('\n').filter((l) => l !== '').map((l) => (JSON.parse(l) as { round: number }).round)

describe('node/peer: a start without --resume in a --data-dir holding this peer\'s records of the same run', function () {
  this.timeout(60_000)

  it('is refused with SameRunDataDirError, nothing moved or deleted, naming --resume and --fresh', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'murmur-same-run-'))
    await life(dir)
    const metrics = readFileSync(join(dir, METRICS_FILE), 'utf8')
    const snapshots = readdirSync(join(dir, SNAPSHOT_DIR)).sort()
    assert.equal(snapshots.length, 6)
    await assert.rejects(life(dir), (e: Error) => {
      assert.equal(e.name, 'SameRunDataDirError')
      assert.match(e.message, /holds this peer's records of this same run \(run 'same-run-test', config [0-9a-f]{12}, --shard 0\/1: metrics up to round 6, checkpoints up to round 6, 6 snapshots\)/)
      assert.match(e.message, /Nothing was moved or deleted/)
      assert.match(e.message, /add --resume/)
      assert.match(e.message, /add --fresh/)
      return true
    })
    assert.equal(readFileSync(join(dir, METRICS_FILE), 'utf8'), metrics, 'the records are as they were')
    assert.deepEqual(readdirSync(join(dir, SNAPSHOT_DIR)).sort(), snapshots, 'and the snapshots')
    assert.deepEqual(listCheckpoints(join(dir, CHECKPOINT_DIR)).map((c) => c.round), [2, 4, 6])
    assert.ok(!existsSync(join(dir, PREVIOUS_DIR)))
    assert.ok(!existsSync(join(dir, LOCK_FILE)), 'the lock is released')
  })

  it('with no peer.json left (a cluster removes it before a restart), a checkpoint of this run and slot tells the same', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'murmur-same-run-'))
    await life(dir)
    rmSync(join(dir, PEER_FILE))
    await assert.rejects(life(dir), (e: Error) => e.name === 'SameRunDataDirError')
  })

  it('--fresh starts afresh on purpose: the earlier records go to previous/<time>/, and the log says so', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'murmur-same-run-'))
    await life(dir)
    const metrics = readFileSync(join(dir, METRICS_FILE), 'utf8')
    const log = await life(dir, { fresh: true })
    const previous = readdirSync(join(dir, PREVIOUS_DIR))
    assert.equal(previous.length, 1)
    assert.equal(readFileSync(join(dir, PREVIOUS_DIR, previous[0], METRICS_FILE), 'utf8'), metrics)
    assert.ok(log.some((l) => l.startsWith(`--fresh: moved this peer's earlier metrics and checkpoints of this run (up to round 6) to ${join(dir, PREVIOUS_DIR, previous[0])}`) && l.includes('snapshots are deleted')), log.join('\n'))
    assert.deepEqual(rounds(dir), [1, 2, 3, 4, 5, 6], 'this life\'s records only')
  })

  it('--resume appends to the same records, as before', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'murmur-same-run-'))
    await life(dir, { checkpointEvery: 0, config: config({ rounds: 6 }) })
    // a crash after round 6 is not reproducible in-process; a resumed peer of a finished run appends nothing and keeps all
    await life(dir, { resume: true })
    assert.deepEqual(rounds(dir), [1, 2, 3, 4, 5, 6])
    assert.ok(!existsSync(join(dir, PREVIOUS_DIR)))
  })

  it('a folder of another run (another config) is moved aside as before, and the log says so', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'murmur-same-run-'))
    await life(dir)
    const log = await life(dir, { config: config({ seed: 2 }) })
    assert.ok(log.some((l) => l.startsWith(`moved the metrics and checkpoints of an earlier run in ${dir} to ${join(dir, PREVIOUS_DIR)}`)), log.join('\n'))
  })

  it('a folder of this run\'s other slot is moved aside as before (what ShardMismatchError advises: drop --resume)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'murmur-same-run-'))
    const two = config({ peers: 2 })
    await life(dir, { config: two, slot: 0 })
    const log = await life(dir, { config: two, slot: 1 })
    assert.ok(log.some((l) => l.startsWith('moved the metrics and checkpoints of an earlier run')), log.join('\n'))
  })

  it('murmur peer: exit 1 with the error named; --fresh with --resume is a usage error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'murmur-same-run-'))
    const args = ['--data-dir', dir, '--shard', '0/1', '--peers', '1', '--algo', 'gossip', '--dim', '8', '--rounds', '3', '--run-id', 'same-run-cli',
      '--listen', '/ip4/127.0.0.1/tcp/0', '--heartbeat', '100', '--quiet']
    const first = startPeer(args)
    assert.equal((await first.exit).code, 0, first.err())
    const again = startPeer(args)
    assert.equal((await again.exit).code, 1, again.err())
    assert.match(again.err(), /murmur peer: SameRunDataDirError: .* holds this peer's records of this same run .*metrics up to round 3/)
    const both = startPeer([...args, '--fresh', '--resume'])
    assert.equal((await both.exit).code, 2, both.err())
    assert.match(both.err(), /--fresh .*--resume/)
  })
})
