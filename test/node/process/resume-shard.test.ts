import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { decodeCheckpoint, listCheckpoints } from '../../../node/checkpoint/index.ts'
import { startPeer } from './helpers.ts'
import type { PeerProcess } from './helpers.ts'

const FAST = ['--listen', '/ip4/127.0.0.1/tcp/0', '--heartbeat', '100', '--round-deadline', '1000', '--algo', 'gossip', '--dim', '20', '--quiet', '--peers', '2', '--rounds', '3', '--start-timeout', '0']

describe('murmur peer --resume in another --shard than the data dir\'s run', function () {
  this.timeout(60_000)
  const procs: PeerProcess[] = []
  const dirs: string[] = []
  afterEach(() => {
    for (const p of procs.splice(0)) p.child.kill('SIGKILL')
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
  })

  it('is refused with ShardMismatchError naming both shards, exit 1; the same shard resumes, and its last lines count the rounds reached', async () => {
    // before: the folder of slot 1 resumed as --shard 0/2 without a word
    const dir = mkdtempSync(join(tmpdir(), 'murmur-resume-shard-'))
    dirs.push(dir)
    const first = startPeer([...FAST, '--data-dir', dir, '--shard', '1/2'])
    procs.push(first)
    assert.equal((await first.exit).code, 0, first.err())
    const ckdir = join(dir, 'checkpoints')
    const last = listCheckpoints(ckdir).at(-1)
    assert.ok(last !== undefined, first.err())
    assert.equal((decodeCheckpoint(readFileSync(join(ckdir, last.file))) as { slot?: number }).slot, 1, 'the checkpoint records its slot')

    const other = startPeer([...FAST, '--data-dir', dir, '--shard', '0/2', '--resume'])
    procs.push(other)
    assert.equal((await other.exit).code, 1, other.err())
    assert.match(other.err(), /murmur peer: ShardMismatchError: --resume: .* holds the run of --shard 1\/2 .*but this peer was given --shard 0\/2\. .*Resume with --shard 1\/2/)
    assert.doesNotMatch(other.err(), /^\s+at /m, 'no stack trace')

    const same = startPeer([...FAST, '--data-dir', dir, '--shard', '1/2', '--resume'])
    procs.push(same)
    assert.equal((await same.exit).code, 0, same.err())
    assert.match(same.err(), /the run is over: it ends at round 3; this peer, resumed at round 3, has no round left to run/)
    assert.match(same.err(), /this life: 0 rounds run, round 3 of 3 reached; it started at round 3/)
    assert.match(same.out(), /^done: round 3 reached, 0 rounds run from round 3 \(/m)
  })
})
