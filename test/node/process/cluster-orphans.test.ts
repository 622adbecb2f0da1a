import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { listCheckpoints } from '../../../node/checkpoint/index.ts'
import { alive as running, lastRecord, MURMUR, waitFor } from './helpers.ts'

/**
 * The peers of `murmur cluster` run in process groups of their own (so a terminal's Ctrl-C reaches the cluster only),
 * and a SIGKILLed cluster runs no handler: they once trained on to the end of the run, orphans holding ports and CPU.
 */
describe('murmur cluster killed with SIGKILL: its peers do not outlive it', function () {
  this.timeout(60_000)

  /** `murmur cluster` of two fast gossip peers in a process group of its own, once both peers run; their pids */
  async function startCluster (out: string): Promise<{ cli: ReturnType<typeof spawn>, err: () => string, peers: number[] }> {
    const cli = spawn(process.execPath, [MURMUR, 'cluster', '--peers', '2', '--algo', 'gossip', '--dim', '64', '--rounds', '1000000', '--heartbeat', '200',
      '--out', out, '--quiet', '--run-id', 'orphans-test'], { stdio: ['ignore', 'pipe', 'pipe'], detached: true })
    let err = ''
    cli.stderr?.on('data', (b) => { err += String(b) })
    await waitFor(() => (lastRecord(join(out, 'peer-1'))?.round ?? 0) >= 10, 40_000, 'the peers to run 10 rounds')
    const peers = [0, 1].map((i) => (JSON.parse(readFileSync(join(out, `peer-${i}`, 'peer.json'), 'utf8')) as { pid: number }).pid)
    return { cli, err: () => err, peers }
  }

  /** a peer that left gracefully said why and checkpointed */
  function leftGracefully (dataDir: string, why: RegExp): void {
    const log = readFileSync(join(dataDir, 'log.txt'), 'utf8')
    assert.match(log, why)
    assert.match(log, /done: \d+ rounds/, log)
    assert.equal(listCheckpoints(join(dataDir, 'checkpoints')).length, 1, log)
  }

  it('SIGKILL of the whole cluster (murmur cluster and the script it runs): each peer leaves as on SIGTERM, within seconds', async () => {
    const out = mkdtempSync(join(tmpdir(), 'murmur-orphans-'))
    const { cli, peers } = await startCluster(out)
    try {
      process.kill(-(cli.pid as number), 'SIGKILL') // what `timeout -s KILL` does: the group, the peers' groups aside
      await waitFor(() => !peers.some(running), 15_000, 'the peers to exit')
    } finally {
      for (const pid of peers.filter(running)) process.kill(pid, 'SIGKILL')
    }
    for (const i of [0, 1]) leftGracefully(join(out, `peer-${i}`), /the murmur cluster that started this peer is gone: leaving now/)
  })

  it('SIGKILL of the murmur cluster process alone: the script behind it stops as on SIGTERM, so the peers leave and the merge still runs', async () => {
    const out = mkdtempSync(join(tmpdir(), 'murmur-orphans-cli-'))
    const { cli, err, peers } = await startCluster(out)
    try {
      process.kill(cli.pid as number, 'SIGKILL')
      await waitFor(() => !peers.some(running) && existsSync(join(out, 'summary.json')), 20_000, 'the peers to exit and the summary')
    } finally {
      for (const pid of peers.filter(running)) process.kill(pid, 'SIGKILL')
      try { process.kill(-(cli.pid as number), 'SIGKILL') } catch { /* the script exited */ }
    }
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { exitedCleanly: number }
    assert.equal(summary.exitedCleanly, 2, err())
    for (const i of [0, 1]) leftGracefully(join(out, `peer-${i}`), /SIGTERM: leaving now/)
  })
})
