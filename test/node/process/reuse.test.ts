import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runCluster } from '../../../scripts/cluster.ts'

/**
 * A second `murmur cluster` into the same --out folder: the first run's peer.json held a dead address, which the
 * new peers bootstrapped from, and the run never started (found by hand: 0 rounds in ten minutes).
 */
describe('murmur cluster: an OUT folder reused from an earlier run', function () {
  this.timeout(120_000)

  it('runs again, with the new peers finding each other and the new run\'s rounds in the merge', async () => {
    const out = mkdtempSync(join(tmpdir(), 'murmur-reuse-'))
    const run = async (rounds: number): Promise<{ code: number, summary: { rounds: number, exitedCleanly: number } }> => {
      const code = await runCluster([
        '--peers', '2', '--algo', 'gossip', '--dim', '64', '--rounds', String(rounds), '--heartbeat', '200', '--timeout', '60',
        '--out', out, '--quiet', '--run-id', 'reuse-test'
      ], { out: () => {}, err: () => {}, isTTY: false })
      return { code, summary: JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) }
    }
    const first = await run(12)
    assert.equal(first.code, 0)
    assert.equal(first.summary.rounds, 12)
    const second = await run(6)
    assert.equal(second.code, 0)
    assert.equal(second.summary.exitedCleanly, 2)
    assert.equal(second.summary.rounds, 6, 'the merge sees the new run only')
  })
})
