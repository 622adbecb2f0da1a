import assert from 'node:assert/strict'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createNewFolder } from '../../../node/peer/files.ts'
import { runCli } from './run.ts'

const gossip = (rounds = 3): string[] => ['sim', '--algo', 'gossip', '--peers', '4', '--dim', '16', '--rounds', String(rounds), '--quiet']

/** The files of a folder and their contents. */
function snapshot (dir: string): Record<string, string> {
  return Object.fromEntries(readdirSync(dir).sort().map((f) => [f, readFileSync(join(dir, f), 'utf8')]))
}

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

  it('the header says "1 peer", and a ring too large for four decimals keeps its gap', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'murmur-sim-'))
    const one = await runCli(['sim', '--algo', 'gossip', '--peers', '1', '--dim', '10', '--rounds', '2', '--quiet', '--out', join(dir, 'one')])
    assert.equal(one.code, 0)
    assert.match(one.err, /murmur sim: 1 peer, ring/)
    const big = await runCli(['sim', '--algo', 'gossip', '--peers', '512', '--dim', '4', '--rounds', '1', '--quiet', '--out', join(dir, 'big')])
    assert.equal(big.code, 0)
    // gap 2/3 (1 − cos(2π/512)) = 5.02e-5: toFixed(4) printed "gap 0.0001" and lambda2 "0.9999" (and "1 rounds")
    assert.match(big.err, /murmur sim: 512 peers, ring \(lambda2 0\.99994980, gap 0\.00005020\), gossip d=4, codec none, 1 round ->/)
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

  it('a diverging run exits 1 naming the round, and keeps the summary of the rounds before it in summary.json', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'murmur-sim-'))
    const out = join(dir, 'div')
    const { code, err } = await runCli(['sim', '--peers', '2', '--model', 'mlp:16', '--lr', '1000', '--batch', '8', '--rounds', '200', '--eval-every', '0', '--seed', '1', '--backend', 'cpu', '--quiet', '--out', out])
    assert.equal(code, 1)
    const m = /RunDivergedError: the run diverged in round (\d+) \(the metrics hold rounds 1 to (\d+)\)/.exec(err)
    assert.ok(m !== null, err)
    const recs = records(out)
    assert.equal(recs.length, Number(m[2]))
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'))
    assert.deepEqual(summary.diverged, { round: Number(m[1]), reason: summary.diverged.reason })
    assert.match(summary.diverged.reason, /not finite/)
    assert.equal(summary.rounds, recs.length)
    assert.equal(summary.bytesSent, recs[recs.length - 1].bytesSent)
  })

  it('a run whose loss blew up but stayed finite exits 0 with a warning naming the rise; a healthy run has none', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'murmur-sim-'))
    const blown = await runCli(['sim', '--peers', '4', '--model', 'mlp:16', '--lr', '500', '--batch', '8', '--rounds', '40', '--eval-every', '0', '--seed', '1', '--backend', 'cpu', '--quiet', '--out', join(dir, 'blown')])
    assert.equal(blown.code, 0, blown.err)
    assert.match(blown.err, /murmur sim: warning: the run diverged: the mean training loss rose from \S+ \(round 1\) to \S+ \(round \d+\), more than 10× its start/)
    const fine = await runCli(['sim', '--peers', '4', '--model', 'mlp:16', '--batch', '8', '--rounds', '20', '--eval-every', '0', '--seed', '1', '--backend', 'cpu', '--quiet', '--out', join(dir, 'fine')])
    assert.equal(fine.code, 0)
    assert.doesNotMatch(fine.err, /diverged/)
  })

  it('rejects invalid configs naming the field', async () => {
    const bad = await runCli(['sim', '--codec', 'topk:2', '--rounds', '1', '--quiet', '--out', mkdtempSync(join(tmpdir(), 'murmur-sim-'))])
    assert.equal(bad.code, 2, 'a codec spec is checked as the command line is parsed')
    assert.match(bad.err, /--codec/)
    const dir = mkdtempSync(join(tmpdir(), 'murmur-sim-'))
    writeFileSync(join(dir, 'run.json'), JSON.stringify({ codec: 'topk:2' }))
    const badFile = await runCli(['sim', '--config', join(dir, 'run.json'), '--rounds', '1', '--quiet', '--out', dir])
    assert.equal(badFile.code, 1, 'a bad field in a --config file is a config error')
    assert.match(badFile.err, /^murmur sim: --config '[^']*run\.json': codec: /, 'the file is named')
    writeFileSync(join(dir, 'edges.json'), JSON.stringify({ topology: 'file:edges.txt' }))
    const edgeFile = await runCli(['sim', '--config', join(dir, 'edges.json'), '--rounds', '1', '--quiet', '--out', dir])
    assert.equal(edgeFile.code, 1)
    assert.match(edgeFile.err, /topology: an edge list \(file:edges\.txt\) is read by 'murmur graph' only/)
    writeFileSync(join(dir, 'typo.json'), JSON.stringify({ topolgy: 'torus' }))
    const typo = await runCli(['sim', '--config', join(dir, 'typo.json'), '--rounds', '1', '--quiet', '--out', dir])
    assert.equal(typo.code, 1)
    assert.match(typo.err, /--config '[^']*typo\.json': unknown field 'topolgy'; did you mean 'topology'\?/)
    const noAttackers = await runCli(['sim', '--attack', 'alie', '--rounds', '1', '--quiet', '--out', mkdtempSync(join(tmpdir(), 'murmur-sim-'))])
    assert.match(noAttackers.err, /attack 'alie:1' needs the peers that run it: --attackers N \(a count, chosen from the seed\) or --attackers 3,7 \(slots\)/)
    const unknown = await runCli(['sim', '--algo', 'sgp'])
    assert.equal(unknown.code, 2)
    assert.match(unknown.err, /--algo/)
  })

  it('--out DIR holding a run: refused without --force, and a run that cannot start leaves it as it was', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'murmur-sim-')), 'r')
    assert.equal((await runCli([...gossip(), '--out', dir])).code, 0)
    const before = snapshot(dir)
    assert.deepEqual(Object.keys(before), ['config.json', 'metrics.jsonl', 'summary.json'])
    const refused = await runCli([...gossip(), '--seed', '2', '--out', dir])
    assert.equal(refused.code, 1)
    assert.match(refused.err, /holds a run .*--force/)
    // the data cannot be loaded: with --force too, the old run stays whole
    const empty = mkdtempSync(join(tmpdir(), 'murmur-nodata-'))
    const failed = await runCli(['sim', '--model', 'softmax', '--rounds', '1', '--quiet', '--dataset-dir', empty, '--force', '--out', dir])
    assert.equal(failed.code, 1)
    assert.match(failed.err, /DatasetNotFoundError/)
    assert.deepEqual(snapshot(dir), before)
    const fresh = join(dir, '..', 'never')
    assert.equal((await runCli(['sim', '--model', 'softmax', '--rounds', '1', '--quiet', '--dataset-dir', empty, '--out', fresh])).code, 1)
    assert.ok(!existsSync(fresh), 'no folder for a run that did not start')
    // --force overwrites the run
    assert.equal((await runCli([...gossip(5), '--force', '--out', dir])).code, 0)
    assert.equal(records(dir).length, 5)
    assert.equal(JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')).rounds, 5)
  })

  it('the default folder is a new one: runs started in the same second get sim-<time>-2, -3, ...', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'murmur-runs-'))
    assert.deepEqual([1, 2, 3].map(() => createNewFolder(parent, 'sim-x')), ['sim-x', 'sim-x-2', 'sim-x-3'].map((d) => join(parent, d)))
    // through the CLI: the folders of this second and the next two are taken already and must stay untouched
    const cwd = process.cwd()
    const work = mkdtempSync(join(tmpdir(), 'murmur-cwd-'))
    const taken = [0, 1, 2].map((s) => `sim-${new Date(Date.now() + s * 1000).toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15)}`)
    for (const t of taken) mkdirSync(join(work, 'runs', t), { recursive: true })
    try {
      process.chdir(work)
      assert.equal((await runCli(gossip())).code, 0)
    } finally {
      process.chdir(cwd)
    }
    for (const t of taken) assert.deepEqual(readdirSync(join(work, 'runs', t)), [], `${t} untouched`)
    const made = readdirSync(join(work, 'runs')).filter((d) => !taken.includes(d))
    assert.equal(made.length, 1)
    assert.match(made[0], /^sim-\d{8}-\d{6}-2$/)
    assert.equal(records(join(work, 'runs', made[0])).length, 3)
  })

  it('an invalid option value is a usage error naming the option (exit 2), also when only the library can tell', async () => {
    const cases: Array<{ argv: string[], option: string }> = [
      { argv: ['--aggregate', 'foo'], option: 'aggregate' },
      { argv: ['--attack', 'foo'], option: 'attack' },
      { argv: ['--attack', 'signflip', '--attackers', '17'], option: 'attackers' },
      { argv: ['--lr', '0'], option: 'lr' },
      { argv: ['--lr', '1001'], option: 'lr' },
      { argv: ['--batch', '100000'], option: 'batch' },
      { argv: ['--rounds', '20000000'], option: 'rounds' },
      { argv: ['--algo', 'gossip', '--order', 'cta'], option: 'order' },
      { argv: ['--algo', 'choco', '--overlap'], option: 'overlap' },
      { argv: ['--peers', '4', '--topology', 'torus', '--rows', '5000'], option: 'rows' }
    ]
    for (const c of cases) {
      const out = join(mkdtempSync(join(tmpdir(), 'murmur-sim-')), 'o')
      const { code, err } = await runCli(['sim', ...c.argv, '--quiet', '--out', out])
      assert.equal(code, 2, `${c.argv.join(' ')}: ${err}`)
      assert.match(err, new RegExp(`^murmur sim: invalid value for --${c.option}: `), c.argv.join(' '))
      assert.doesNotMatch(err, /Error:/, 'no error class name')
      assert.ok(!existsSync(out), 'nothing written')
    }
  })

  it('a model too big to hold: one line naming its parameter count and the limit, before allocating it', async () => {
    const { code, err } = await runCli(['sim', '--peers', '1', '--model', 'mlp:65536,65536,65536', '--rounds', '1', '--backend', 'cpu', '--quiet',
      '--out', join(mkdtempSync(join(tmpdir(), 'murmur-sim-')), 'o')])
    assert.equal(code, 2, err)
    assert.match(err, /^murmur sim: invalid value for --model: model 'mlp:65536,65536,65536' .* has 8,642,166,794 parameters \(8\.6e\+9\), more than the limit of 268,435,456/)
    assert.equal(err.trim().split('\n').length, 1)
  })
})
