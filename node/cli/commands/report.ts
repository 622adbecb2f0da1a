import { existsSync, openSync, readSync, closeSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { basename, dirname, join, resolve } from 'node:path'
import { getOptionalString } from '../args.ts'
import type { Command } from '../command.ts'
import { CliError, checkOutFile, fsReason } from '../command.ts'
import type { LoadedRun } from '../../report/index.ts'

/** A page murmur report wrote (its title says so): a default output that may be rewritten without --force. */
function isReportPage (path: string): boolean {
  let fd: number | undefined
  try {
    fd = openSync(path, 'r')
    const head = Buffer.alloc(512)
    const n = readSync(fd, head, 0, head.length, 0)
    return head.subarray(0, n).toString('utf8').includes('<title>murmur report: ')
  } catch {
    return false
  } finally {
    if (fd !== undefined) closeSync(fd)
  }
}

export const reportCommand: Command = {
  name: 'report',
  summary: 'turn a run folder (murmur sim or murmur cluster output, or peers\' --data-dirs) into one self-contained HTML report with plots',
  details: 'RUN is the --out folder of murmur sim (metrics.jsonl, config.json, summary.json) or murmur cluster ' +
    '(metrics.jsonl, run.json, summary.json). The page shows accuracy and consensus distance vs round, bytes per round, ' +
    'the round-time breakdown, the measured contraction of the consensus distance against lambda2², and the run config. ' +
    'Plots are inline SVG and the CSS is inline: the file opens offline and can be sent as one attachment. A section ' +
    'whose data the run lacks says what is absent. ' +
    'RUN may also be one peer\'s --data-dir (murmur peer): the page then shows that peer\'s own figures, and goes beside the folder ' +
    '(RUN-report.html), not into it. A run on several machines: gather every peer\'s --data-dir on one machine and give them all ' +
    '(or the folder holding them); they are merged as murmur cluster merges its peers (the averaged model is tested from their snapshots, ' +
    'on the whole test set unless --eval-limit), and the page goes into the folder holding them (report.html).',
  positionals: { name: 'RUN', min: 1, max: 4096 },
  options: [
    { name: 'out', type: 'string', placeholder: 'FILE', description: 'where to write the page (default: RUN/report.html; for a peer\'s --data-dir, RUN-report.html beside it; for several peers\' folders, report.html in the folder holding them)' },
    { name: 'force', type: 'boolean', description: 'overwrite FILE when it exists (RUN/report.html, or a default page murmur report wrote, is always rewritten)' },
    { name: 'eval-limit', type: 'int', min: 0, placeholder: 'N', description: 'several peers\' folders: test the averaged model on the first N test samples (default: 0 = all)' }
  ],
  examples: [
    'murmur sim --peers 8 --rounds 60 --out runs/r1 && murmur report runs/r1',
    'murmur cluster --peers 4 --rounds 30 --out runs/c1 && murmur report runs/c1 --out c1.html',
    'murmur report peer-a peer-b peer-c     # the --data-dirs of a run on several machines, copied to one'
  ],
  async run (args, io) {
    const { buildReport, loadRun, roundsOf } = await import('../../report/index.ts')
    const given = getOptionalString(args, 'out')
    const force = args.values.force === true
    const outGiven = given === undefined ? undefined : resolve(given)
    if (outGiven !== undefined) checkOutFile(outGiven, '--out', 'report.html')
    if (outGiven !== undefined && existsSync(outGiven) && !force) {
      throw new CliError(`--out '${outGiven}' exists; pass --force to overwrite it, or choose another file`)
    }
    const evalLimit = args.values['eval-limit'] as number | undefined
    let dirs = args.positionals
    let merge = dirs.length > 1
    if (!merge) {
      // a folder holding peers' --data-dirs (and no run of its own): the several machines' folders, gathered
      const { peerFoldersIn } = await import('../../report/merge.ts')
      const dir = dirs[0]
      const inside = existsSync(join(dir, 'metrics.jsonl')) || existsSync(join(dir, 'summary.json')) || existsSync(join(dir, 'peer.json')) ? [] : peerFoldersIn(dir)
      if (inside.length > 0) { dirs = inside; merge = true }
    }
    if (evalLimit !== undefined && !merge) throw new CliError('--eval-limit applies to several peers\' folders only (the averaged model murmur report tests); a run folder keeps the figures its run measured')
    let run: LoadedRun
    let fallback: string
    try {
      if (merge) {
        const { commonParent, mergePeerFolders } = await import('../../report/merge.ts')
        io.err(`murmur report: merging ${dirs.length} peers' folders (${dirs.join(', ')}); loading the dataset to test the averaged model`)
        run = await mergePeerFolders(dirs, { evalLimit })
        fallback = join(args.positionals.length > 1 ? commonParent(dirs) : resolve(args.positionals[0]), 'report.html')
      } else {
        run = loadRun(dirs[0])
        // a peer's --data-dir holds what murmur peer writes only: a page in it would be left beside the next run's metrics
        fallback = run.kind === 'peer' ? join(dirname(run.dir), `${basename(run.dir)}-report.html`) : join(run.dir, 'report.html')
      }
    } catch (err) {
      // a metrics.jsonl with no valid row: the message names the file and what a valid row is
      if ((err as Error).name === 'InvalidMetricsError') throw new CliError((err as Error).message)
      throw err
    }
    const out = outGiven ?? fallback
    if (outGiven === undefined && (merge || run.kind === 'peer') && existsSync(out) && !force && !isReportPage(out)) {
      throw new CliError(`'${out}' exists and is not a page murmur report wrote; pass --out another file, or --force to overwrite it`)
    }
    const rounds = roundsOf(run)
    const count = rounds === null ? 'rounds unknown' : `${rounds} ${rounds === 1 ? 'round' : 'rounds'}`
    const source = run.rows.length > 0 ? '' : ` (summary.json's; metrics.jsonl ${run.metrics === 'absent' ? 'is absent' : run.metrics === 'unreadable' ? 'cannot be read' : 'holds no rounds'})`
    const writer = run.kind === 'unknown'
      ? 'writer unknown: no config.json or run.json'
      : run.kind === 'peer' ? 'one peer\'s --data-dir, murmur peer' : run.kind === 'peers' ? `${run.sources.length} peers' folders merged` : `murmur ${run.kind}`
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
