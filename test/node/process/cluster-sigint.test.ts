import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { lastRecord, MURMUR, waitFor } from './helpers.ts'

describe('murmur cluster: Ctrl-C in a terminal', function () {
  this.timeout(90_000)

  it('SIGINT to the whole process group (what a terminal sends) is one request: every peer leaves gracefully and exits 0, the cluster 130 (128 + SIGINT)', async () => {
    const out = mkdtempSync(join(tmpdir(), 'murmur-cluster-int-'))
    // its own process group, as a shell gives a foreground job; the peers are in it too
    const child = spawn(process.execPath, [MURMUR, 'cluster', '--peers', '2', '--algo', 'gossip', '--dim', '64', '--rounds', '1000000', '--heartbeat', '200',
      '--out', out, '--quiet', '--run-id', 'cluster-int-test'], { stdio: ['ignore', 'pipe', 'pipe'], detached: true })
    let err = ''
    child.stderr.on('data', (b) => { err += String(b) })
    const exit = new Promise<number | null>((resolve) => { child.on('exit', (code) => { resolve(code) }) })
    try {
      await waitFor(() => (lastRecord(join(out, 'peer-1'))?.round ?? 0) >= 20, 60_000, 'the peers to run 20 rounds')
      process.kill(-(child.pid as number), 'SIGINT')
      // a cluster stopped by SIGINT exits 128 + 2, after its peers left
      assert.equal(await exit, 130, err)
    } finally {
      try { process.kill(-(child.pid as number), 'SIGKILL') } catch { /* already gone */ }
    }
    assert.doesNotMatch(err, /killing the peers/)
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { exitedCleanly: number, peers: number }
    assert.equal(summary.exitedCleanly, 2, err)
  })
})
