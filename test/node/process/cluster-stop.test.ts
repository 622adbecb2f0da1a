import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runCluster, stoppedText } from '../../../scripts/cluster.ts'
import { lastRecord, MURMUR, waitFor } from './helpers.ts'

/**
 * A `murmur cluster` stopped before its last round (found by a user's walkthrough): SIGTERM gave exit 0, or 128 with no
 * message when the script itself died of the signal, and neither the printed summary nor summary.json said the run
 * stopped at round 165 of 200.
 */
describe('murmur cluster stopped before its last round', function () {
  this.timeout(90_000)
  const RUN = ['--peers', '2', '--algo', 'gossip', '--dim', '64', '--rounds', '1000000', '--heartbeat', '200', '--quiet']

  /** the PeerIds' processes of OUT's peers, from their peer.json */
  const peerPids = (out: string, n: number): number[] => Array.from({ length: n }, (_, i) => (JSON.parse(readFileSync(join(out, `peer-${i}`, 'peer.json'), 'utf8')) as { pid: number }).pid)
  const alive = (pid: number): boolean => { try { process.kill(pid, 0); return true } catch { return false } }

  it('SIGTERM: the peers leave, the last line says at which round of how many, summary.json has stopped, exit 143', async () => {
    const out = mkdtempSync(join(tmpdir(), 'murmur-cluster-stop-'))
    const child = spawn(process.execPath, [MURMUR, 'cluster', ...RUN, '--out', out, '--run-id', 'cluster-stop-test'], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (b) => { stdout += String(b) })
    child.stderr.on('data', (b) => { stderr += String(b) })
    const exit = new Promise<number | null>((resolve) => { child.on('exit', (code) => { resolve(code) }) })
    try {
      await waitFor(() => (lastRecord(join(out, 'peer-1'))?.round ?? 0) >= 20, 60_000, 'the peers to run 20 rounds')
      child.kill('SIGTERM')
      assert.equal(await exit, 143, stderr)
    } finally {
      child.kill('SIGKILL')
    }
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { rounds: number, exitedCleanly: number, stopped: unknown }
    assert.equal(summary.exitedCleanly, 2, 'the peers left gracefully')
    assert.ok(summary.rounds >= 20, String(summary.rounds))
    assert.deepEqual(summary.stopped, { by: 'SIGTERM', round: summary.rounds, rounds: 1_000_000 })
    const lines = stdout.trim().split('\n')
    assert.match(lines.find((l) => l.startsWith('rounds ')) ?? '', new RegExp(`^rounds +${summary.rounds} of 1000000 in `))
    assert.match(lines.at(-1) ?? '', new RegExp(`^stopped +at round ${summary.rounds} of 1000000 by SIGTERM \\(the peers left, each with a checkpoint\\); to go on, restart each peer with murmur peer --resume`))
  })

  it('the cluster process itself killed by a signal: the CLI says so and exits 128 + its number, and the peers leave by themselves', async () => {
    const out = mkdtempSync(join(tmpdir(), 'murmur-cluster-stop-'))
    const child = spawn(process.execPath, [MURMUR, 'cluster', ...RUN, '--out', out, '--run-id', 'cluster-killed-test'], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stderr = ''
    child.stderr.on('data', (b) => { stderr += String(b) })
    const exit = new Promise<number | null>((resolve) => { child.on('exit', (code) => { resolve(code) }) })
    let pids: number[] = []
    try {
      await waitFor(() => (lastRecord(join(out, 'peer-1'))?.round ?? 0) >= 5, 60_000, 'the peers to run 5 rounds')
      pids = peerPids(out, 2)
      // the script `murmur cluster` runs (scripts/cluster.ts): the CLI's only child
      const script = Number(readFileSync(`/proc/${child.pid as number}/task/${child.pid as number}/children`, 'utf8').trim().split(/\s+/)[0])
      process.kill(script, 'SIGKILL')
      assert.equal(await exit, 128 + 9, stderr)
    } finally {
      child.kill('SIGKILL')
    }
    assert.match(stderr, /murmur cluster: the cluster process was ended by SIGKILL before it finished/)
    await waitFor(() => !pids.some(alive), 30_000, 'the peers to leave once their channel to the cluster closed')
  })

  it('a signal while the cluster starts: no run, --out as it was, no handler left behind', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'murmur-cluster-stop-')), 'run')
    const listeners = process.listenerCount('SIGTERM')
    const err: string[] = []
    const run = runCluster([...RUN, '--out', out, '--run-id', 'cluster-early-test'], { out: () => {}, err: (t) => { err.push(t) }, isTTY: false })
    // the bootstrap peer is loading: what a SIGTERM would run, without sending one to this test process
    await waitFor(() => existsSync(join(out, 'peer-0')), 10_000, 'the bootstrap peer to start')
    process.emit('SIGTERM', 'SIGTERM')
    await assert.rejects(run, (e: Error & { signal?: string }) => {
      assert.equal(e.name, 'ClusterStoppedError')
      assert.equal(e.signal, 'SIGTERM')
      assert.match(e.message, /SIGTERM before the run started/)
      return true
    })
    assert.ok(!existsSync(out), 'what the start wrote is removed')
    assert.equal(process.listenerCount('SIGTERM'), listeners)
  })

  it('every peer gone before the last round without the cluster asking: said, and in summary.json', async () => {
    const out = mkdtempSync(join(tmpdir(), 'murmur-cluster-stop-'))
    const lines: string[] = []
    const run = runCluster([...RUN, '--out', out, '--run-id', 'cluster-peers-gone-test'], { out: (t) => { lines.push(...t.split('\n')) }, err: () => {}, isTTY: false })
    await waitFor(() => (lastRecord(join(out, 'peer-1'))?.round ?? 0) >= 10, 60_000, 'the peers to run 10 rounds')
    for (const pid of peerPids(out, 2)) process.kill(pid, 'SIGTERM')
    assert.equal(await run, 0, 'they exited 0')
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { rounds: number, stopped: unknown }
    assert.deepEqual(summary.stopped, { by: 'peers', round: summary.rounds, rounds: 1_000_000 })
    assert.match(lines.at(-1) ?? '', new RegExp(`^stopped +at round ${summary.rounds} of 1000000: every peer exited before the last round`))
  })

  it('stoppedText: by a second signal, by --timeout', () => {
    assert.match(stoppedText({ by: 'SIGINT', round: 7, rounds: 50 }, 2), /^at round 7 of 50 by SIGINT \(again: the peers were killed; --resume goes on from their last --checkpoint-every checkpoint\)/)
    assert.match(stoppedText({ by: 'timeout', round: 7, rounds: 50 }, 0, 60), /^at round 7 of 50 by --timeout 60 s \(the peers were killed; --resume goes on from their last --checkpoint-every checkpoint\)/)
  })
})
