import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runCli } from './run.ts'

const gossip = ['sim', '--algo', 'gossip', '--peers', '6', '--topology', 'ring', '--dim', '16', '--rounds', '5', '--drop', '0.3', '--seed', '2', '--quiet']

function consensus (dir: string): number[] {
  return readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).consensusDistance)
}

const WARNING = /^murmur sim: warning: sync async runs as synchronous rounds here: .*--sync async is for murmur peer and murmur cluster/m

describe('murmur sim --sync async', function () {
  this.timeout(60_000)

  it('says once that the simulator runs synchronous rounds and --sync async is for peer and cluster, and runs exactly the synchronous run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'murmur-sim-sync-'))
    const async = await runCli([...gossip, '--sync', 'async', '--staleness', '3', '--out', join(dir, 'async')])
    assert.equal(async.code, 0, async.err)
    assert.match(async.err, WARNING)
    assert.equal(async.err.split('\n').filter((l) => /sync async/.test(l)).length, 1, async.err)
    assert.match(async.err, /staleness 3 has no effect either/)
    const sync = await runCli([...gossip, '--out', join(dir, 'sync')])
    assert.equal(sync.code, 0, sync.err)
    assert.doesNotMatch(sync.err, /sync async/)
    // what the warning claims: with messages lost too, the metrics are the synchronous run's
    assert.deepEqual(consensus(join(dir, 'async')), consensus(join(dir, 'sync')))
    // the run's config keeps what was asked, so murmur cluster --config of it runs asynchronously
    assert.equal(JSON.parse(readFileSync(join(dir, 'async', 'config.json'), 'utf8')).experiment.sync, 'async')
  })

  it('a --config file with sync async is warned of the same way', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'murmur-sim-sync-'))
    const file = join(dir, 'run.json')
    writeFileSync(file, JSON.stringify({ algo: 'gossip', peers: 4, dim: 8, rounds: 2, sync: 'async' }))
    const r = await runCli(['sim', '--config', file, '--quiet', '--out', join(dir, 'o')])
    assert.equal(r.code, 0, r.err)
    assert.match(r.err, WARNING)
    assert.doesNotMatch(r.err, /staleness/, 'staleness at its default is not named')
  })
})
