import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
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
    const fit = measureContraction(run.rows, null).fit
    assert.ok(fit !== null && fit.relativeError !== null && fit.relativeError < 0.02, `measured ${String(fit?.rate)} vs ${lambda2 ** 2}`)
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
})
