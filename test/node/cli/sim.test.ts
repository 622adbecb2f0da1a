import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runCli } from './run.ts'

function records (dir: string): any[] {
  return readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l))
}

describe('murmur sim', function () {
  this.timeout(60_000)

  it('gossip: writes metrics.jsonl with the documented fields, and a config that reruns to the same metrics', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'murmur-sim-'))
    const a = join(dir, 'a')
    const { code, out } = await runCli(['sim', '--algo', 'gossip', '--peers', '8', '--topology', 'ring', '--dim', '200', '--rounds', '30', '--seed', '3', '--quiet', '--out', a])
    assert.equal(code, 0)
    assert.match(out, /consensus/)
    const recs = records(a)
    assert.equal(recs.length, 30)
    for (const key of ['round', 'trainLoss', 'accuracy', 'peerAccuracyMin', 'peerAccuracyMean', 'consensusDistance', 'bytesSent', 'lambda2']) {
      assert.ok(key in recs[0], key)
    }
    assert.deepEqual(recs.map((r) => r.round), Array.from({ length: 30 }, (_, i) => i + 1))
    assert.ok(recs[29].consensusDistance < recs[0].consensusDistance / 10, 'consensus shrinks')
    for (let i = 1; i < 30; i++) assert.ok(recs[i].bytesSent > recs[i - 1].bytesSent, 'bytesSent is cumulative')
    const expectedLambda2 = 1 / 3 + (2 / 3) * Math.cos(2 * Math.PI / 8)
    assert.ok(Math.abs(recs[0].lambda2 - expectedLambda2) < 1e-9)
    const config = JSON.parse(readFileSync(join(a, 'config.json'), 'utf8'))
    assert.equal(config.experiment.peers, 8)
    assert.ok(existsSync(join(a, 'summary.json')))
    // rerun from config.json alone: identical metrics (timings aside)
    const b = join(dir, 'b')
    assert.equal((await runCli(['sim', '--config', join(a, 'config.json'), '--quiet', '--out', b])).code, 0)
    const again = records(b)
    assert.deepEqual(again.map((r) => [r.consensusDistance, r.bytesSent]), recs.map((r) => [r.consensusDistance, r.bytesSent]))
  })

  it('--config of a network run (runId, roundDeadlineMs): simulated, those fields ignored with a note', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'murmur-sim-'))
    const file = join(dir, 'run.json')
    writeFileSync(file, JSON.stringify({ algo: 'gossip', peers: 4, dim: 16, rounds: 5, runId: 'net-run', roundDeadlineMs: 2000 }))
    const { code, err } = await runCli(['sim', '--config', file, '--quiet', '--out', join(dir, 'o')])
    assert.equal(code, 0, err)
    assert.match(err, /ignoring runId and roundDeadlineMs of --config/)
    assert.equal(records(join(dir, 'o')).length, 5)
  })

  it('dpsgd on MNIST: the averaged model learns in a few rounds and accuracy is recorded on evaluation rounds', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'murmur-sim-'))
    const { code } = await runCli(['sim', '--peers', '4', '--model', 'softmax', '--backend', 'cpu', '--rounds', '40', '--eval-every', '20',
      '--eval-limit', '1000', '--peer-eval-limit', '500', '--lr', '0.05', '--quiet', '--out', dir])
    assert.equal(code, 0)
    const recs = records(dir)
    assert.equal(recs[0].accuracy, null)
    assert.ok(recs[19].accuracy > 0.7, `accuracy at round 20: ${String(recs[19].accuracy)}`)
    assert.ok(recs[39].peerAccuracyMin > 0.6)
    const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'))
    assert.equal(summary.rounds, 40)
    assert.equal(summary.backend, 'cpu')
  })

  it('rejects invalid configs naming the field', async () => {
    const bad = await runCli(['sim', '--codec', 'topk:2', '--rounds', '1', '--quiet', '--out', mkdtempSync(join(tmpdir(), 'murmur-sim-'))])
    assert.equal(bad.code, 2, 'a codec spec is checked as the command line is parsed')
    assert.match(bad.err, /--codec/)
    const dir = mkdtempSync(join(tmpdir(), 'murmur-sim-'))
    writeFileSync(join(dir, 'run.json'), JSON.stringify({ codec: 'topk:2' }))
    const badFile = await runCli(['sim', '--config', join(dir, 'run.json'), '--rounds', '1', '--quiet', '--out', dir])
    assert.equal(badFile.code, 1, 'a bad field in a --config file is a config error')
    assert.match(badFile.err, /InvalidExperimentConfigError/)
    writeFileSync(join(dir, 'edges.json'), JSON.stringify({ topology: 'file:edges.txt' }))
    const edgeFile = await runCli(['sim', '--config', join(dir, 'edges.json'), '--rounds', '1', '--quiet', '--out', dir])
    assert.equal(edgeFile.code, 1)
    assert.match(edgeFile.err, /topology: an edge list \(file:edges\.txt\) is read by 'murmur graph' only/)
    const unknown = await runCli(['sim', '--algo', 'sgp'])
    assert.equal(unknown.code, 2)
    assert.match(unknown.err, /--algo/)
  })
})
