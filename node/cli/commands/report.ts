import { existsSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { getOptionalString } from '../args.ts'
import type { Command } from '../command.ts'
import { CliError, checkOutFile, fsReason } from '../command.ts'

export const reportCommand: Command = {
  name: 'report',
  summary: 'turn a run folder (murmur sim or murmur cluster output) into one self-contained HTML report with plots',
  details: 'RUN is the --out folder of murmur sim (metrics.jsonl, config.json, summary.json) or murmur cluster ' +
    '(metrics.jsonl, run.json, summary.json). The page shows accuracy and consensus distance vs round, bytes per round, ' +
    'the round-time breakdown, the measured contraction of the consensus distance against lambda2², and the run config. ' +
    'Plots are inline SVG and the CSS is inline: the file opens offline and can be sent as one attachment. A section ' +
    'whose data the run lacks says what is absent.',
  positionals: { name: 'RUN', min: 1, max: 1 },
  options: [
    { name: 'out', type: 'string', placeholder: 'FILE', description: 'where to write the page (default: RUN/report.html)' },
    { name: 'force', type: 'boolean', description: 'overwrite FILE when it exists (RUN/report.html is always rewritten)' }
  ],
  examples: [
    'murmur sim --peers 8 --rounds 60 --out runs/r1 && murmur report runs/r1',
    'murmur cluster --peers 4 --rounds 30 --out runs/c1 && murmur report runs/c1 --out c1.html'
  ],
  async run (args, io) {
    const { buildReport, loadRun, roundsOf } = await import('../../report/index.ts')
    const dir = args.positionals[0]
    const given = getOptionalString(args, 'out')
    const out = resolve(given ?? join(dir, 'report.html'))
    if (given !== undefined) checkOutFile(out, '--out', 'report.html')
    if (given !== undefined && existsSync(out) && args.values.force !== true) {
      throw new CliError(`--out '${out}' exists; pass --force to overwrite it, or choose another file`)
    }
    let run: ReturnType<typeof loadRun>
    try {
      run = loadRun(dir)
    } catch (err) {
      // a metrics.jsonl with no valid row: the message names the file and what a valid row is
      if ((err as Error).name === 'InvalidMetricsError') throw new CliError((err as Error).message)
      throw err
    }
    const rounds = roundsOf(run)
    const count = rounds === null ? 'rounds unknown' : `${rounds} ${rounds === 1 ? 'round' : 'rounds'}`
    const source = run.rows.length > 0 ? '' : ` (summary.json's; metrics.jsonl ${run.metrics === 'absent' ? 'is absent' : run.metrics === 'unreadable' ? 'cannot be read' : 'holds no rounds'})`
    const writer = run.kind === 'unknown' ? 'writer unknown: no config.json or run.json' : `murmur ${run.kind}`
    io.err(`murmur report: ${run.dir} (${writer}), ${count}${source}; rendering plots`)
    const html = await buildReport(run, { generatedAt: new Date().toISOString() })
    try {
      await writeFile(out, html)
    } catch (err: any) {
      throw new CliError(`cannot write the report to '${out}': ${fsReason(err)}`)
    }
    for (const note of run.notes) io.err(`  note: ${note}`)
    io.out(`${out} (${(Buffer.byteLength(html) / 1024).toFixed(0)} kB)`)
    return 0
  }
}
