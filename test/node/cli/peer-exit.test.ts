/**
 * The end of a `murmur peer` process: a graceful stop beside a healthy neighbour takes a fraction of a second (it used
 * to pause a fixed second for its last sends, and the process then stayed up about one more second for a timer a
 * stopped libp2p node leaves behind), with its output, records and checkpoint whole; a peer whose snapshot writes
 * fail trains on and says so in its done line.
 */
import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { bootstrapOf, lastRecord, metrics, startPeer, waitFor } from '../process/helpers.ts'
import type { PeerProcess } from '../process/helpers.ts'
import { runCli } from './run.ts'

const dirs: string[] = []
const procs: PeerProcess[] = []

function newDir (): string {
  const d = mkdtempSync(join(tmpdir(), 'murmur-peer-exit-'))
  dirs.push(d)
  return d
}

describe('murmur peer: the end of the process', function () {
  this.timeout(60_000)
  afterEach(async () => {
    for (const p of procs.splice(0)) {
      p.child.kill('SIGKILL')
      await p.exit
    }
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
  })

  it('SIGTERM beside a healthy neighbour: exit 0 well within a second, its done line printed, its last message read by the neighbour', async () => {
    const run = ['--peers', '2', '--algo', 'gossip', '--dim', '20000', '--rounds', '1000000', '--seed', '1', '--run-id', 'peer-exit', '--heartbeat', '200',
      '--listen', '/ip4/127.0.0.1/tcp/0', '--quiet', '--telemetry-every', '0', '--snapshot-every', '0']
    const [da, db] = [newDir(), newDir()]
    const a = startPeer(['--data-dir', da, '--shard', '0/2', ...run])
    procs.push(a)
    const b = startPeer(['--data-dir', db, '--shard', '1/2', ...run, '--bootstrap', await bootstrapOf(da, a)])
    procs.push(b)
    await waitFor(() => (lastRecord(da)?.round ?? 0) >= 20 && (lastRecord(db)?.round ?? 0) >= 20, 40_000, `both peers at round 20; a: ${a.err()}\nb: ${b.err()}`)

    const t0 = performance.now()
    a.child.kill('SIGTERM')
    const { code } = await a.exit
    const ms = performance.now() - t0
    // before: 2.1 s (a fixed 1 s pause, then about 1 s for libp2p's address-manager debounce timer)
    assert.equal(code, 0, a.err())
    assert.ok(ms < 1000, `SIGTERM to exit took ${Math.round(ms)} ms:\n${a.err()}`)
    assert.match(a.out(), /^done: \d+ rounds \(stopped on request\), accuracy n\/a, checkpoint .+\.ckpt$/m)
    const checkpoint = /checkpoint (\S+\.ckpt)$/m.exec(a.out())?.[1]
    assert.ok(checkpoint !== undefined && existsSync(checkpoint), a.out())
    const last = lastRecord(da).round as number
    await waitFor(() => (lastRecord(db)?.round ?? 0) > last, 20_000, `b past round ${last}`)
    const seen = metrics(db).find((r) => r.round === last)
    assert.equal(seen?.received, 1, `b's record of a's leaving round ${last}: ${JSON.stringify(seen)}`)
  })

  it('snapshots it cannot write: trains to the end, exit 0, the done line counts them, and the process ends promptly after it', async () => {
    const d = newDir()
    writeFileSync(join(d, 'snapshots'), 'a file where the folder should be')
    // --resume without a checkpoint starts a new run without clearing the folder
    const p = startPeer(['--data-dir', d, '--shard', '0/1', '--peers', '1', '--algo', 'gossip', '--dim', '100', '--rounds', '20', '--snapshot-every', '5',
      '--resume', '--listen', '/ip4/127.0.0.1/tcp/0', '--quiet', '--telemetry-every', '0'])
    procs.push(p)
    let doneAt = 0
    p.child.stdout?.on('data', (buf) => { if (doneAt === 0 && String(buf).includes('done:')) doneAt = performance.now() })
    const { code } = await p.exit
    const afterDone = performance.now() - doneAt
    assert.equal(code, 0, p.err())
    assert.match(p.out(), /^done: 20 rounds \(the run's last round reached\), accuracy n\/a, checkpoint \S+; 4 snapshots not written \(E[A-Z]+: .+\)$/m)
    assert.equal(p.err().split('\n').filter((l) => l.includes('could not write the snapshot')).length, 1, p.err())
    assert.equal(metrics(d).at(-1)?.snapshotsSkipped, 4)
    // before: about 1 s, a libp2p timer kept the finished process up
    assert.ok(afterDone < 500, `exit ${Math.round(afterDone)} ms after the done line`)
  })

  it('--keep-snapshots 0 is refused (at least 1; --snapshot-every 0 writes none)', async () => {
    const { code, err } = await runCli(['peer', '--data-dir', newDir(), '--shard', '0/1', '--keep-snapshots', '0'])
    assert.equal(code, 2)
    assert.match(err, /invalid value for --keep-snapshots: '0'/)
  })
})
