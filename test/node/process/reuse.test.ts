import assert from 'node:assert/strict'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runCluster } from '../../../scripts/cluster.ts'
import { listCheckpoints } from '../../../node/checkpoint/index.ts'

/**
 * A second `murmur cluster` into the same --out folder: the first run's peer.json held a dead address, which the
 * new peers bootstrapped from, and the run never started (found by hand: 0 rounds in ten minutes).
 */
describe('murmur cluster: an OUT folder reused from an earlier run', function () {
  this.timeout(120_000)

  it('runs again (with --force), with the new peers finding each other and the new run\'s rounds in the merge', async () => {
    const out = mkdtempSync(join(tmpdir(), 'murmur-reuse-'))
    const run = async (rounds: number, extra: string[] = []): Promise<{ code: number, summary: { rounds: number, exitedCleanly: number } }> => {
      const code = await runCluster([
        '--peers', '2', '--algo', 'gossip', '--dim', '64', '--rounds', String(rounds), '--heartbeat', '200', '--timeout', '60',
        '--out', out, '--force', '--quiet', '--run-id', 'reuse-test', ...extra
      ], { out: () => {}, err: () => {}, isTTY: false })
      return { code, summary: JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) }
    }
    const first = await run(12, ['--checkpoint-every', '4'])
    assert.equal(first.code, 0)
    assert.equal(first.summary.rounds, 12)
    const second = await run(6, ['--checkpoint-every', '2'])
    assert.equal(second.code, 0)
    assert.equal(second.summary.exitedCleanly, 2)
    assert.equal(second.summary.rounds, 6, 'the merge sees the new run only')
    // the first run's files were moved aside, not mixed with the second's: its round-12 checkpoint would have
    // been kept over (and resumed instead of) the second run's rounds 2 to 6
    const peer0 = join(out, 'peer-0')
    assert.deepEqual(listCheckpoints(join(peer0, 'checkpoints')).map((c) => c.round), [2, 4, 6])
    const previous = readdirSync(join(peer0, 'previous'))
    assert.equal(previous.length, 1)
    assert.deepEqual(listCheckpoints(join(peer0, 'previous', previous[0], 'checkpoints')).map((c) => c.round), [4, 8, 12])
  })

  it('--allow-peers FILE: the cluster\'s own peers are allowed beside the file\'s, so the run starts', async () => {
    const out = mkdtempSync(join(tmpdir(), 'murmur-allow-'))
    const file = join(out, 'others.txt')
    writeFileSync(file, '# a peer on another machine\n12D3KooWGsdLw1gJFEMMc68weaEw68YkMPXMCocaybhmJksPd8ZC\n')
    const code = await runCluster([
      '--peers', '2', '--algo', 'gossip', '--dim', '64', '--rounds', '5', '--heartbeat', '200', '--timeout', '60',
      '--out', join(out, 'run'), '--quiet', '--run-id', 'allow-test', '--allow-peers', file
    ], { out: () => {}, err: () => {}, isTTY: false })
    assert.equal(code, 0)
    const summary = JSON.parse(readFileSync(join(out, 'run', 'summary.json'), 'utf8')) as { rounds: number, exitedCleanly: number }
    assert.equal(summary.rounds, 5)
    assert.equal(summary.exitedCleanly, 2)
    const allowed = readFileSync(join(out, 'run', 'allow-peers.txt'), 'utf8')
    assert.match(allowed, /12D3KooWGsdLw1gJFEMMc68weaEw68YkMPXMCocaybhmJksPd8ZC/)
    assert.equal(allowed.split('\n').filter((l) => l.startsWith('12D3KooW')).length, 4, 'the file\'s peer, the two of the cluster and its observer (OUT/observer)')
  })

  it('a join that fires as the run ends does not hang the cluster: a joiner the run is over for is stopped and exits 0', async () => {
    const out = mkdtempSync(join(tmpdir(), 'murmur-latejoin-'))
    const err: string[] = []
    const code = await runCluster([
      '--peers', '2', '--algo', 'gossip', '--dim', '64', '--rounds', '40', '--heartbeat', '200', '--timeout', '60',
      '--out', out, '--quiet', '--run-id', 'latejoin-test', '--churn', 'join:1@38'
    ], { out: () => {}, err: (t) => { err.push(t) }, isTTY: false })
    assert.equal(code, 0, err.join('\n'))
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { rounds: number }
    assert.equal(summary.rounds, 40)
    // the joiner, if started, exits 0 by itself ("the run is over") or is stopped by the cluster
    // the joiner, if it was started at all, did not train a run of its own after the others had left
    const joinerMetrics = join(out, 'peer-2', 'metrics.jsonl')
    if (existsSync(joinerMetrics)) assert.equal(readFileSync(joinerMetrics, 'utf8').trim(), '', readFileSync(join(out, 'peer-2', 'log.txt'), 'utf8'))
  })

  it('a peer restarted as the run ends does not hang the cluster either (its records of its earlier life notwithstanding)', async () => {
    const out = mkdtempSync(join(tmpdir(), 'murmur-laterestart-'))
    const err: string[] = []
    const code = await runCluster([
      '--peers', '2', '--algo', 'dpsgd', '--model', 'softmax', '--rounds', '60', '--sync', 'async', '--slowdown', '1:20', '--checkpoint-every', '10',
      '--heartbeat', '200', '--timeout', '60', '--out', out, '--quiet', '--run-id', 'laterestart-test', '--churn', 'restart:1@59'
    ], { out: () => {}, err: (t) => { err.push(t) }, isTTY: false })
    assert.equal(code, 0, err.join('\n'))
  })

  it('--churn restart without --checkpoint-every is a usage error naming the fix', async () => {
    const err: string[] = []
    await assert.rejects(runCluster(['--peers', '2', '--algo', 'gossip', '--dim', '8', '--rounds', '5', '--churn', 'restart:1@2', '--out', mkdtempSync(join(tmpdir(), 'murmur-restart-'))],
      { out: () => {}, err: (t) => { err.push(t) }, isTTY: false }), (e: Error) => e.name === 'UsageError' && /--checkpoint-every/.test(e.message))
  })

  it('a bootstrap peer that fails at start in a reused folder: the end of log.txt quoted is this run\'s, not the earlier run\'s', async () => {
    const out = mkdtempSync(join(tmpdir(), 'murmur-failedlog-'))
    mkdirSync(join(out, 'peer-0'))
    writeFileSync(join(out, 'peer-0', 'log.txt'), 'an earlier run: line 1\nan earlier run: line 2\nan earlier run: line 3\n')
    // a swarm key file that does not exist: the peer refuses it before it listens
    await assert.rejects(runCluster(['--peers', '2', '--algo', 'gossip', '--dim', '8', '--rounds', '5', '--swarm-key', join(out, 'no-such-key'), '--out', out, '--quiet'],
      { out: () => {}, err: () => {}, isTTY: false }), (e: Error) => {
      assert.match(e.message, /bootstrap peer exited .*\n.*SwarmKeyNotFoundError/s)
      assert.doesNotMatch(e.message, /an earlier run/)
      return true
    })
  })

  it('--train-thread worker without --overlap is refused by the cluster itself, as a usage error, before any peer starts', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'murmur-worker-')), 'run')
    await assert.rejects(runCluster(['--peers', '2', '--model', 'softmax', '--rounds', '5', '--train-thread', 'worker', '--out', out, '--quiet'],
      { out: () => {}, err: () => {}, isTTY: false }), (e: Error & { option?: string }) => e.name === 'UsageError' && e.option === 'train-thread' && /--overlap/.test(e.message))
    assert.ok(!existsSync(join(out, 'peer-0')), 'no peer was started')
  })
})
