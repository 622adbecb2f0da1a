import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { MURMUR, waitFor } from './helpers.ts'

describe('murmur sim: Ctrl-C', function () {
  this.timeout(60_000)

  it('SIGINT during a long run stops it after the current round: exit 0, the summary written with the rounds run', async () => {
    const out = mkdtempSync(join(tmpdir(), 'murmur-sim-int-'))
    const child = spawn(process.execPath, [MURMUR, 'sim', '--algo', 'gossip', '--dim', '1000', '--peers', '16', '--rounds', '10000000', '--out', out, '--quiet'], { stdio: ['ignore', 'pipe', 'pipe'] })
    let err = ''
    child.stderr.on('data', (b) => { err += String(b) })
    const exit = new Promise<number | null>((resolve) => { child.on('exit', (code) => { resolve(code) }) })
    const metrics = join(out, 'metrics.jsonl')
    await waitFor(() => existsSync(metrics) && readFileSync(metrics, 'utf8').split('\n').length > 20, 30_000, 'the sim to run 20 rounds')
    child.kill('SIGINT')
    assert.equal(await exit, 0, err)
    assert.match(err, /stopping after this round/)
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { rounds: number }
    assert.ok(summary.rounds >= 20 && summary.rounds < 10_000_000, `rounds ${summary.rounds}`)
  })
})
