import assert from 'node:assert/strict'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildReport, loadRun } from '../../../node/report/index.ts'

function text (html: string): string {
  return html.replace(/<[^>]*>/g, ' ').replace(/&#39;/g, '\'').replace(/&quot;/g, '"').replace(/&amp;/g, '&').replace(/\s+/g, ' ')
}

/** a sim folder of a D-PSGD run with `codec` whose training loss blew up from 2.3 to 2.3e6 */
function divergedRun (codec: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'murmur-report-diverged-'))
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ peers: 4, topology: 'ring', algo: 'dpsgd', codec, rounds: 8, model: 'softmax' }))
  const rows = Array.from({ length: 8 }, (_, i) => JSON.stringify({ round: i + 1, trainLoss: 2.3 * 10 ** i, accuracy: null, consensusDistance: 10 ** i, bytesSent: 100 * (i + 1), bytesThisRound: 100, lambda2: 0.5, online: 4 }))
  writeFileSync(join(dir, 'metrics.jsonl'), rows.join('\n') + '\n')
  return dir
}

describe('murmur report of a diverged run', () => {
  it('names the lossy codec as the likely cause, with what to use instead; without one, the step size', async () => {
    const lossy = text(await buildReport(loadRun(divergedRun('randk:0.1'))))
    assert.match(lossy, /The run diverged: .* Why: the lossy codec randk:0\.1 is a likely cause: .*\(use .*; or a step size too large/)
    const plain = text(await buildReport(loadRun(divergedRun('none'))))
    assert.match(plain, /The run diverged: .* Why: a step size too large \(try a smaller --lr\)\./)
    assert.ok(!plain.includes('lossy codec'), plain)
  })
})
