import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { MURMUR, waitFor } from './helpers.ts'

describe('murmur sim: Ctrl-C', function () {
  this.timeout(60_000)

  it('SIGINT during a long run stops it after the current round: exit 130, the summary written with the rounds run and where it stopped, and murmur report says so', async () => {
    const out = mkdtempSync(join(tmpdir(), 'murmur-sim-int-'))
    const child = spawn(process.execPath, [MURMUR, 'sim', '--algo', 'gossip', '--dim', '1000', '--peers', '16', '--rounds', '10000000', '--out', out, '--quiet'], { stdio: ['ignore', 'pipe', 'pipe'] })
    let err = ''
    child.stderr.on('data', (b) => { err += String(b) })
    const exit = new Promise<number | null>((resolve) => { child.on('exit', (code) => { resolve(code) }) })
    const metrics = join(out, 'metrics.jsonl')
    await waitFor(() => existsSync(metrics) && readFileSync(metrics, 'utf8').split('\n').length > 20, 30_000, 'the sim to run 20 rounds')
    child.kill('SIGINT')
    assert.equal(await exit, 130, err)
    assert.match(err, /stopping after this round/)
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { rounds: number, stopped?: { by: string, round: number, rounds: number } }
    assert.ok(summary.rounds >= 20 && summary.rounds < 10_000_000, `rounds ${summary.rounds}`)
    assert.deepEqual(summary.stopped, { by: 'SIGINT', round: summary.rounds, rounds: 10_000_000 })
    const report = spawnSync(process.execPath, [MURMUR, 'report', out], { encoding: 'utf8' })
    assert.equal(report.status, 0, report.stderr)
    const md = readFileSync(join(out, 'report.html'), 'utf8')
    assert.match(md, new RegExp(`stopped at round ${summary.rounds} of 10000000 by SIGINT`))
    assert.match(md, /A simulation does not resume/)
    assert.doesNotMatch(md, /murmur peer --resume/)
  })
})
