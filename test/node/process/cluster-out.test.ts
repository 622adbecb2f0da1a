import assert from 'node:assert/strict'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runCluster } from '../../../scripts/cluster.ts'

/**
 * `murmur cluster --out DIR` once wrote over an earlier run's metrics.jsonl and summary.json without a word and left
 * its accuracy.svg and report.html beside the new run's; an --out that is a file failed with a raw EEXIST. Like
 * `murmur sim`, a folder holding a run is refused without --force, and --force clears the old run's files first.
 */
describe('murmur cluster --out and --force', function () {
  this.timeout(60_000)
  const silent = { out: () => {}, err: () => {}, isTTY: false }
  const small = ['--peers', '2', '--algo', 'gossip', '--dim', '8', '--rounds', '3', '--heartbeat', '200', '--timeout', '60', '--quiet']

  /** a folder holding (the files of) an earlier run */
  function earlierRun (files: string[]): string {
    const out = mkdtempSync(join(tmpdir(), 'murmur-cluster-out-'))
    for (const f of files) writeFileSync(join(out, f), 'an earlier run\n')
    return out
  }

  for (const files of [['metrics.jsonl', 'summary.json', 'run.json'], ['run.json']]) {
    it(`a folder holding ${files.join(', ')} is refused without --force, naming the folder and --force, and left as it was`, async () => {
      const out = earlierRun(files)
      await assert.rejects(runCluster([...small, '--out', out], silent), (e: Error & { option?: string }) =>
        e.name === 'UsageError' && e.option === 'out' && e.message.includes(out) && /--force/.test(e.message))
      for (const f of files) assert.equal(readFileSync(join(out, f), 'utf8'), 'an earlier run\n', f)
      assert.ok(!existsSync(join(out, 'peer-0')), 'no peer was started')
    })
  }

  it('--force: the earlier run\'s top-level files (metrics, summary, plots, report) are removed before the run', async () => {
    const out = earlierRun(['metrics.jsonl', 'summary.json', 'run.json', 'accuracy.svg', 'consensus.svg', 'report.html', 'commands.txt'])
    mkdirSync(join(out, 'notes'))
    writeFileSync(join(out, 'notes', 'mine.txt'), 'kept\n')
    const code = await runCluster([...small, '--out', out, '--force', '--run-id', 'force-test'], silent)
    assert.equal(code, 0)
    for (const f of ['accuracy.svg', 'report.html', 'commands.txt']) assert.ok(!existsSync(join(out, f)), `${f} of the earlier run is gone`)
    assert.equal(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')).rounds, 3)
    assert.doesNotMatch(readFileSync(join(out, 'metrics.jsonl'), 'utf8'), /an earlier run/)
    assert.equal(readFileSync(join(out, 'notes', 'mine.txt'), 'utf8'), 'kept\n', 'what the cluster does not write is left alone')
  })

  it('--out naming a file is a clear error, not EEXIST', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'murmur-cluster-out-')), 'a-file')
    writeFileSync(file, 'x')
    await assert.rejects(runCluster([...small, '--out', file], silent), (e: Error) => {
      assert.doesNotMatch(e.message, /EEXIST/)
      assert.match(e.message, /not a folder/)
      assert.ok(e.message.includes(file), e.message)
      return true
    })
  })
})
