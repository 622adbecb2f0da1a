import assert from 'node:assert/strict'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildReport, lambda2OfConfig, loadRun, measureContraction } from '../../../node/report/index.ts'
import { runCli } from '../cli/run.ts'

/** Anything that would make a browser fetch: the page must open offline. (xmlns URIs are names, not fetches.) */
const EXTERNAL = /<script|<link|<img|<iframe|\bsrc=|href="(?!#)|url\((?!#)|@import/i

function tmp (): string {
  return mkdtempSync(join(tmpdir(), 'murmur-report-'))
}

describe('murmur report', function () {
  this.timeout(30_000)

  it('a real gossip simulation: self-contained page with every section, contraction = lambda2² of the recorded topology', async () => {
    const dir = join(tmp(), 'g')
    assert.equal((await runCli(['sim', '--algo', 'gossip', '--peers', '8', '--topology', 'ring', '--dim', '200', '--rounds', '40', '--quiet', '--out', dir])).code, 0)
    const { code, out } = await runCli(['report', dir])
    assert.equal(code, 0)
    const html = readFileSync(join(dir, 'report.html'), 'utf8')
    assert.match(out, /report\.html/)
    assert.doesNotMatch(html, EXTERNAL)
    for (const id of ['glance', 'accuracy', 'consensus', 'bytes', 'time', 'contraction', 'config']) assert.ok(html.includes(`<section id="${id}">`), id)
    assert.equal((html.match(/<svg /g) ?? []).length, 4, 'consensus, bytes, time, contraction (a gossip run has no accuracy)')
    assert.equal((html.match(/class="absent"/g) ?? []).length, 1)

    const run = loadRun(dir)
    const lambda2 = 1 / 3 + (2 / 3) * Math.cos(2 * Math.PI / 8)
    assert.ok(Math.abs((lambda2OfConfig(run.config) as number) - lambda2) < 1e-12, 'lambda2 rebuilt from config.json')
    assert.equal(run.dim, 200, 'the model\'s coordinates, from config.json\'s derived block')
    const fit = measureContraction(run.rows, null, { dim: run.dim ?? undefined }).fit
    assert.ok(fit !== null && fit.relativeError !== null && fit.relativeError < 0.02, `measured ${String(fit?.rate)} vs ${lambda2 ** 2}`)
  })

  it('lambda2 from a config whose topology has no graph on its peers: the nearest graph the run mixed over', () => {
    // a torus on 7 (prime) peers is the ring of 7 in sim, peer and cluster alike
    const ring7 = 1 / 3 + (2 / 3) * Math.cos(2 * Math.PI / 7)
    assert.ok(Math.abs((lambda2OfConfig({ peers: 7, topology: 'torus', weights: 'metropolis', seed: 1 }) as number) - ring7) < 1e-12)
  })

  it('a cluster folder (run.json, merged metrics without lambda2): lambda2 comes from the config, missing parts are named', async () => {
    const dir = tmp()
    writeFileSync(join(dir, 'run.json'), JSON.stringify({ peers: 8, topology: 'ring', weights: 'metropolis', algo: 'gossip', codec: 'none', seed: 1, runId: 'x' }))
    mkdirSync(join(dir, 'peer-0'))
    const lines = [10, 20, 30].map((round) => JSON.stringify({ round, consensusDistance: Math.pow(0.6, round), bytesThisRound: 100, lambda2: null, computeMs: 1, commMs: 4, roundMsMax: 9 }))
    writeFileSync(join(dir, 'metrics.jsonl'), lines.join('\n') + '\n{"round":')
    const run = loadRun(dir)
    assert.equal(run.kind, 'cluster')
    assert.equal(run.skippedLines, 1)
    assert.ok(run.notes.some((n) => n.includes('summary.json')))
    const html = await buildReport(run)
    assert.doesNotMatch(html, EXTERNAL)
    assert.ok(html.includes('computed from the run config'), 'says where lambda2 came from')
    assert.ok(html.includes('summary.json is absent'))
    assert.ok(html.includes('No accuracy'))
  })

  it('metrics.jsonl alone: every plot it allows, the config section says it is absent', async () => {
    const dir = tmp()
    writeFileSync(join(dir, 'metrics.jsonl'), JSON.stringify({ round: 1, accuracy: 0.5, bytesThisRound: 10 }) + '\n' + JSON.stringify({ round: 2, accuracy: 0.6, bytesThisRound: 10 }) + '\n')
    const html = await buildReport(loadRun(dir))
    assert.equal((html.match(/<svg /g) ?? []).length, 2, 'accuracy and bytes')
    assert.ok(html.includes('No run config was found'))
    assert.ok(html.includes('No lambda2'))
  })

  it('metrics.jsonl with garbage: rows out of range are dropped with a note naming their lines, torn and bad lines are told apart', async () => {
    const dir = tmp()
    writeFileSync(join(dir, 'metrics.jsonl'), [
      JSON.stringify({ round: 1, accuracy: 0.5, bytesThisRound: 10 }),
      JSON.stringify({ round: 2, accuracy: 7, bytesThisRound: 10 }),
      'not json',
      JSON.stringify({ round: 3, accuracy: 0.6, bytesThisRound: -10 }),
      JSON.stringify({ round: 4, accuracy: 0.7, bytesThisRound: 10 }),
      '{"round":5,"accur'
    ].join('\n'))
    const run = loadRun(dir)
    assert.deepEqual(run.rows.map((r) => r.round), [1, 4])
    assert.equal(run.skippedLines, 4)
    const notes = run.notes.filter((n) => n.startsWith('metrics.jsonl'))
    assert.equal(notes.length, 3, notes.join('\n'))
    assert.match(notes[0], /last line \(line 6\) is cut short/)
    assert.match(notes[1], /^metrics\.jsonl: 1 line is not a metrics record .*line 3 \(not JSON\)\.$/)
    assert.doesNotMatch(notes[1], /torn|cut short/, 'a bad line in the middle is not blamed on a torn write')
    assert.match(notes[2], /2 rows hold values out of range, dropped: line 2 \(round 2: accuracy 7 is outside \[0, 1\]\), line 4 \(round 3: bytesThisRound -10 is negative\)/)
    const html = await buildReport(run)
    assert.doesNotMatch(html, /700/, 'no accuracy of 700 %')
  })

  it('metrics.jsonl with no valid row: InvalidMetricsError, and murmur report exits 1 naming the file and what a valid row is', async () => {
    const dir = tmp()
    writeFileSync(join(dir, 'metrics.jsonl'), 'hello\n[1,2]\n' + JSON.stringify({ round: 1, accuracy: 7 }) + '\n')
    writeFileSync(join(dir, 'summary.json'), JSON.stringify({ rounds: 1 }))
    assert.throws(() => loadRun(dir), (err: any) => err.name === 'InvalidMetricsError' && err.file === join(dir, 'metrics.jsonl'))
    const { code, err } = await runCli(['report', dir])
    assert.equal(code, 1, err)
    assert.equal(err.trim().split('\n').length, 1, err)
    assert.ok(err.startsWith(`murmur report: ${join(dir, 'metrics.jsonl')} holds no valid metrics row: 3 lines, none usable: line 1 (not JSON), line 2 (a JSON array, not an object), line 3 (round 1: accuracy 7 is outside [0, 1])`), err)
    assert.match(err, /A valid row is one JSON object a line with a non-negative integer round/)
    assert.doesNotMatch(err, /Error:/, 'a CliError: no class name')
    assert.ok(!existsSync(join(dir, 'report.html')), 'no report written')
  })

  it('errors: no folder or no run in it is RunNotFoundError (exit 1); an existing --out needs --force', async () => {
    assert.throws(() => loadRun(join(tmp(), 'nope')), (err: any) => err.name === 'RunNotFoundError')
    assert.throws(() => loadRun(tmp()), (err: any) => err.name === 'RunNotFoundError')
    const missing = await runCli(['report', join(tmp(), 'nope')])
    assert.equal(missing.code, 1)
    assert.match(missing.err, /RunNotFoundError/)
    assert.equal((await runCli(['report'])).code, 2, 'RUN is required')
    const dir = tmp()
    writeFileSync(join(dir, 'metrics.jsonl'), JSON.stringify({ round: 1, bytesThisRound: 1 }) + '\n')
    const target = join(dir, 'r.html')
    writeFileSync(target, 'keep')
    assert.equal((await runCli(['report', dir, '--out', target])).code, 1)
    assert.equal(readFileSync(target, 'utf8'), 'keep')
    assert.equal((await runCli(['report', dir, '--out', target, '--force'])).code, 0)
    assert.match(readFileSync(target, 'utf8'), /^<!doctype html>/)
  })
  it('a run without accuracy (gossip) has no "first round at 97 %: not reached"; a training run that never reached it does', async () => {
    const summary = { rounds: 2, accuracy: null, roundsToAccuracy: { 0.9: null, 0.95: null, 0.97: null, 0.98: null }, consensusDistance: 0.25 }
    const gossip = tmp()
    writeFileSync(join(gossip, 'config.json'), JSON.stringify({ experiment: { peers: 4, topology: 'ring', algo: 'gossip', seed: 1 } }))
    writeFileSync(join(gossip, 'summary.json'), JSON.stringify(summary))
    writeFileSync(join(gossip, 'metrics.jsonl'), [1, 2].map((round) => JSON.stringify({ round, consensusDistance: 0.5 ** round })).join('\n') + '\n')
    const g = await buildReport(loadRun(gossip))
    assert.doesNotMatch(g, /first round at 97/)
    const train = tmp()
    writeFileSync(join(train, 'config.json'), JSON.stringify({ experiment: { peers: 4, topology: 'ring', algo: 'dpsgd', seed: 1 } }))
    writeFileSync(join(train, 'summary.json'), JSON.stringify({ ...summary, accuracy: 0.9 }))
    writeFileSync(join(train, 'metrics.jsonl'), [1, 2].map((round) => JSON.stringify({ round, trainLoss: 1 / round, accuracy: 0.9, consensusDistance: 0.5 ** round })).join('\n') + '\n')
    assert.match(await buildReport(loadRun(train)), /<b>not reached<\/b><span>first round at 97 %/)
  })

  it('one peer: consensus distance 0 every round is exact agreement, not "not recorded"; the lead says "1 peer"', async () => {
    const dir = tmp()
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ experiment: { peers: 1, topology: 'ring', algo: 'gossip', seed: 1 } }))
    writeFileSync(join(dir, 'metrics.jsonl'), [1, 2, 3].map((round) => JSON.stringify({ round, consensusDistance: 0, lambda2: 0 })).join('\n') + '\n')
    const html = await buildReport(loadRun(dir))
    assert.match(html, /Every recorded consensus distance is 0/)
    assert.doesNotMatch(html, /No consensus distance was recorded/)
    assert.match(html, /· 1 peer ·/)
  })

  it('a run whose training loss blew up is called diverged at a glance, with the loss it rose from and to', async () => {
    const dir = tmp()
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ experiment: { peers: 4, topology: 'ring', algo: 'dpsgd', seed: 1 } }))
    // as --lr 5 on the MNIST MLP: finite throughout, at chance level in the end
    const losses = [3.14, 282.6, 4568, 13531, 297.6, 2.49]
    writeFileSync(join(dir, 'metrics.jsonl'), losses.map((trainLoss, i) => JSON.stringify({ round: i + 1, trainLoss, accuracy: i === 5 ? 0.0959 : null, consensusDistance: 1e7 })).join('\n') + '\n')
    const html = await buildReport(loadRun(dir))
    assert.match(html, /The run diverged: the mean training loss rose from 3\.140 \(round 1\) to 1\.353e\+4 \(round 4\)/)
    // a healthy run, whose loss falls from round 1 (and noise within 10×), is not
    const ok = tmp()
    writeFileSync(join(ok, 'metrics.jsonl'), [2.3, 1.2, 0.6, 5.0, 0.3].map((trainLoss, i) => JSON.stringify({ round: i + 1, trainLoss })).join('\n') + '\n')
    assert.doesNotMatch(await buildReport(loadRun(ok)), /diverged/)
  })

  it('a run stopped by a non-finite model (summary.json has diverged) says in which round and why', async () => {
    const dir = tmp()
    writeFileSync(join(dir, 'metrics.jsonl'), [2.3, 40].map((trainLoss, i) => JSON.stringify({ round: i + 1, trainLoss })).join('\n') + '\n')
    writeFileSync(join(dir, 'summary.json'), JSON.stringify({ rounds: 2, diverged: { round: 3, reason: "the peer's own parameters are not finite" } }))
    assert.match(await buildReport(loadRun(dir)), /The run stopped in round 3: the model became non-finite \(the peer&#39;s own parameters are not finite\)/)
    writeFileSync(join(dir, 'summary.json'), JSON.stringify({ rounds: 2, diverged: null }))
    assert.doesNotMatch(await buildReport(loadRun(dir)), /The run stopped/)
  })
  it('a gossip run with message loss says why its contraction is slower than lambda2²; one without says nothing of it', async () => {
    const make = async (drop: number): Promise<string> => {
      const dir = tmp()
      writeFileSync(join(dir, 'config.json'), JSON.stringify({ experiment: { peers: 8, topology: 'ring', algo: 'gossip', seed: 1, drop, offline: 0 } }))
      writeFileSync(join(dir, 'metrics.jsonl'), [1, 2, 3, 4].map((round) => JSON.stringify({ round, consensusDistance: 0.8 ** round, lambda2: 0.8 })).join('\n') + '\n')
      return await buildReport(loadRun(dir))
    }
    assert.match(await make(0.3), /This run lost messages or peers \(--drop 0\.3\)/)
    assert.doesNotMatch(await make(0), /lost messages/)
  })

  it('a cluster gossip run at float32 round-off from its first snapshot: says so instead of a contraction', async () => {
    const dir = tmp()
    writeFileSync(join(dir, 'run.json'), JSON.stringify({ peers: 4, topology: 'ring', weights: 'metropolis', algo: 'gossip', dim: 50, seed: 1, evalEvery: 20 }))
    mkdirSync(join(dir, 'peer-0'))
    const lines = Array.from({ length: 10 }, (_, i) => JSON.stringify({ round: 20 * (i + 1), consensusDistance: i === 0 ? 8.6e-14 : 0, lambda2: 1 / 3, bytesThisRound: 1792 }))
    writeFileSync(join(dir, 'metrics.jsonl'), lines.join('\n') + '\n')
    const html = await buildReport(loadRun(dir))
    assert.match(html, /consensus reached float32 round-off by round 20; too few records above it to measure a contraction/)
    assert.doesNotMatch(html, /% from lambda2²/)
    assert.doesNotMatch(html, /measured 1\.0000 a round/)
  })

  it('a cluster run\'s time split is summary.json\'s, with the remainder named so the parts sum to 100 %', async () => {
    const dir = tmp()
    writeFileSync(join(dir, 'run.json'), JSON.stringify({ peers: 4, topology: 'ring', algo: 'dpsgd', seed: 1, evalEvery: 20, evalLimit: 0 }))
    mkdirSync(join(dir, 'peer-0'))
    writeFileSync(join(dir, 'metrics.jsonl'), [1, 2].map((round) => JSON.stringify({ round, computeMs: 1, commMs: 40, roundMsMax: 47 })).join('\n') + '\n')
    writeFileSync(join(dir, 'summary.json'), JSON.stringify({ rounds: 2, timeShare: { compute: 0.021, communicate: 0.736, wait: 0.164 } }))
    mkdirSync(join(dir, 'peer-0', 'snapshots'))
    writeFileSync(join(dir, 'peer-0', 'snapshots', 'round-00000002.f32'), new Uint8Array(4 * 10))
    const run = loadRun(dir)
    assert.equal(run.dim, 10, 'a training cluster\'s dimension is its snapshots\' float32 count, not run.json\'s gossip dim')
    const html = await buildReport(run)
    assert.match(html, /compute 2\.1 %, communicate 73\.6 %, wait 16\.4 %, other \([^)]*\) 7\.9 %/)
    assert.doesNotMatch(html, /communicate \(exchange\) 85/)
  })

  it('says how each kind of run tests its peers\' models: --peer-eval-limit for murmur sim only', async () => {
    const make = async (file: string, config: object): Promise<string> => {
      const dir = tmp()
      writeFileSync(join(dir, file), JSON.stringify(config))
      writeFileSync(join(dir, 'metrics.jsonl'), [20, 40].map((round) => JSON.stringify({ round, accuracy: 0.9, peerAccuracyMin: 0.88, peerAccuracyMean: 0.89 })).join('\n') + '\n')
      return await buildReport(loadRun(dir))
    }
    const cluster = await make('run.json', { peers: 4, topology: 'ring', algo: 'dpsgd', seed: 1, evalEvery: 20, evalLimit: 0, peerEvalLimit: 2000 })
    assert.doesNotMatch(cluster, /peer-eval-limit/)
    assert.match(cluster, /--snapshot-every/)
    assert.match(cluster, /all 0?\s*test samples|all the test samples|on all of the test set|every test sample/)
    const sim = await make('config.json', { experiment: { peers: 4, topology: 'ring', algo: 'dpsgd', seed: 1, evalEvery: 20, evalLimit: 0, peerEvalLimit: 2000 } })
    assert.match(sim, /--peer-eval-limit/)
  })

  it('a lambda2 that is 0 in theory (a 3-peer ring) is printed as 0, not as 3e-33', async () => {
    const dir = tmp()
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ experiment: { peers: 3, topology: 'ring', algo: 'dpsgd', seed: 1 } }))
    writeFileSync(join(dir, 'metrics.jsonl'), [1, 2, 3, 4].map((round) => JSON.stringify({ round, consensusDistance: 0.01 + 0.001 * round, lambda2: 1.7554e-17 })).join('\n') + '\n')
    const html = await buildReport(loadRun(dir))
    assert.doesNotMatch(html, /e-3\d/)
    assert.match(html, /lambda2² = 0\b/)
  })

  it('a folder with summary.json only: stdout and the page agree on the rounds, and nothing blames metrics.jsonl for what it lacks', async () => {
    const dir = tmp()
    writeFileSync(join(dir, 'summary.json'), JSON.stringify({ rounds: 30, accuracy: 0.91, consensusDistance: 0.002 }))
    const { code, err } = await runCli(['report', dir])
    assert.equal(code, 0, err)
    assert.match(err, /30 rounds/)
    assert.doesNotMatch(err, /\b0 rounds|\(unknown\)/)
    assert.doesNotMatch(err, /from the metrics only/)
    const html = readFileSync(join(dir, 'report.html'), 'utf8')
    assert.match(html, /<b>30<\/b><span>rounds/)
    assert.doesNotMatch(html, /recorded in metrics\.jsonl|no evaluation round was reached|from the metrics only/)
    assert.match(html, /metrics\.jsonl is absent/)
  })

  it('a cluster folder without summary.json: the time split says which rounds and whose time it covers, and that it is not murmur cluster\'s', async () => {
    const dir = tmp()
    writeFileSync(join(dir, 'run.json'), JSON.stringify({ peers: 3, topology: 'ring', algo: 'gossip', seed: 1 }))
    mkdirSync(join(dir, 'peer-0'))
    // rounds 1 to 3 timed; round 4 recorded bytes only (no peer's timings reached the merge)
    const rows = [1, 2, 3].map((round) => ({ round, computeMs: 1, commMs: 4, roundMsMax: 10, bytesThisRound: 10 })).concat([{ round: 4, bytesThisRound: 10 } as never])
    writeFileSync(join(dir, 'metrics.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n') + '\n')
    const html = await buildReport(loadRun(dir))
    const time = html.slice(html.indexOf('<section id="time">'), html.indexOf('</section>', html.indexOf('<section id="time">')))
    assert.doesNotMatch(time, /plotted rounds/, 'says which rounds, not "the plotted rounds"')
    assert.match(time, /3 of the 4 rounds in metrics\.jsonl \(those with timings, rounds 1 to 3\)/)
    assert.match(time, /slowest peer&#39;s round|slowest peer's round/)
    assert.match(time, /compute \(local steps, coding, mixing\) 10\.0 %, communicate \(exchange\) 40\.0 %, rest of the slowest peer(&#39;|')s round 50\.0 %/)
    assert.match(time, /summary\.json is absent/)
    assert.match(time, /not the split murmur cluster prints/)
  })

  it('the model\'s dimension is read from the snapshots of summary.json\'s peers only, not from a peer folder an earlier, larger run left', async () => {
    const dir = tmp()
    writeFileSync(join(dir, 'run.json'), JSON.stringify({ peers: 2, topology: 'ring', algo: 'dpsgd', seed: 1 }))
    writeFileSync(join(dir, 'metrics.jsonl'), JSON.stringify({ round: 1, consensusDistance: 0.1 }) + '\n')
    writeFileSync(join(dir, 'summary.json'), JSON.stringify({ peers: 2, rounds: 1 }))
    for (const [peer, bytes] of [['peer-0', 0], ['peer-1', 0], ['peer-2', 4 * 10]] as const) {
      mkdirSync(join(dir, peer, 'snapshots'), { recursive: true })
      if (bytes > 0) writeFileSync(join(dir, peer, 'snapshots', 'round-00000001.f32'), new Uint8Array(bytes))
    }
    assert.equal(loadRun(dir).dim, null, 'peer-2 is not one of this run\'s 2 peer processes')
    writeFileSync(join(dir, 'summary.json'), JSON.stringify({ peers: 3, rounds: 1 }))
    assert.equal(loadRun(dir).dim, 10, 'a joiner, peer-2 of 3 processes, counts')
  })
})
