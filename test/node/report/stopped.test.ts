import assert from 'node:assert/strict'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildReport, loadRun } from '../../../node/report/index.ts'

function text (html: string): string {
  return html.replace(/<[^>]*>/g, ' ').replace(/&#39;/g, '\'').replace(/&quot;/g, '"').replace(/&amp;/g, '&').replace(/\s+/g, ' ')
}

/** a cluster folder whose summary.json holds `summary`, with two rounds of records */
function clusterRun (summary: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), 'murmur-report-stopped-'))
  writeFileSync(join(dir, 'run.json'), JSON.stringify({ peers: 2, topology: 'ring', algo: 'gossip', dim: 4, rounds: 300 }))
  const rows = [1, 2].map((round) => JSON.stringify({ round, trainLoss: null, accuracy: null, consensusDistance: 1 / round, bytesSent: 100 * round, bytesThisRound: 100, lambda2: 0.5, online: 2 }))
  writeFileSync(join(dir, 'metrics.jsonl'), rows.join('\n') + '\n')
  writeFileSync(join(dir, 'summary.json'), JSON.stringify({ peers: 2, rounds: 2, ...summary }))
  return dir
}

describe('murmur report of a cluster run stopped early', () => {
  it('says where and why the run stopped, and how to go on; a run that finished says nothing of the kind', async () => {
    const cases: Array<{ stopped: unknown, want: RegExp | null }> = [
      { stopped: { by: 'SIGTERM', round: 2, rounds: 300 }, want: /The run was stopped at round 2 of 300 by SIGTERM: .* murmur peer --resume/ },
      { stopped: { by: 'timeout', round: 2, rounds: 300 }, want: /stopped at round 2 of 300 by the cluster's --timeout/ },
      { stopped: { by: 'peers', round: 2, rounds: 300 }, want: /stopped at round 2 of 300 because every peer exited early/ },
      { stopped: undefined, want: null }
    ]
    for (const c of cases) {
      const page = text(await buildReport(loadRun(clusterRun(c.stopped === undefined ? {} : { stopped: c.stopped }))))
      if (c.want === null) assert.ok(!page.includes('was stopped at round'), page)
      else assert.match(page, c.want)
    }
  })
})
