import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { main } from '../../../node/cli/main.ts'
import { startLiveRun } from './live-run.ts'
import type { LiveRun } from './live-run.ts'

const RUN_ID = 'watch-end'
/** a status line of --view lines: 'HH:MM:SS round R peers N …' */
const STATUS = /^\d\d:\d\d:\d\d round /

/** Runs the CLI in-process, keeping stdout and stderr lines in the order they were written. */
async function runOrdered (argv: string[]): Promise<{ code: number, lines: Array<{ to: 'out' | 'err', text: string }> }> {
  const lines: Array<{ to: 'out' | 'err', text: string }> = []
  const code = await main(argv, { out: (text) => { lines.push({ to: 'out', text }) }, err: (text) => { lines.push({ to: 'err', text }) }, isTTY: false })
  return { code, lines }
}

describe('murmur watch at the end of the run it watches, real members over loopback', function () {
  this.timeout(30_000)
  let run: LiveRun | undefined
  afterEach(async () => { await run?.stop(); run = undefined })

  /** watches a run of two members that leave, as murmur peer does at its last round, 2.5 s after the observer starts */
  async function watchToTheEnd (extra: string[]): Promise<{ code: number, lines: Array<{ to: 'out' | 'err', text: string }>, rounds: number, ms: number }> {
    run = await startLiveRun(RUN_ID, [{}, {}])
    const started = Date.now()
    const watching = runOrdered(['watch', '--bootstrap', run.bootstrap, '--run-id', RUN_ID, '--view', 'lines', '--refresh', '200', '--peer-timeout', '3000', ...extra])
    await sleep(2500)
    const rounds = await run.finish()
    const r = await watching
    return { ...r, rounds, ms: Date.now() - started }
  }

  it('prints the end of the run (round reached, peers that left) and exits 0 by itself: no empty status rows', async () => {
    const r = await watchToTheEnd(['--duration', '12'])
    assert.equal(r.code, 0, r.lines.map((l) => l.text).join('\n'))
    assert.ok(r.ms < 9000, `it stopped at the end of the run, not at --duration (${r.ms} ms)`)
    const out = r.lines.filter((l) => l.to === 'out').map((l) => l.text)
    const running = out.findIndex((l) => /peers 2 .*acc 90\.00%\/90\.00%/.test(l))
    assert.ok(running >= 0, 'it watched the run')
    const end = out.findIndex((l) => l.endsWith(`run ended at round ${r.rounds}: 2 peers left`))
    assert.ok(end >= 0, `the end is printed with the round reached (${r.rounds}):\n${out.join('\n')}`)
    assert.equal(end, out.length - 1, 'the end is the last line on stdout')
    // (before the observer hears anyone, 'round - peers 0' is what there is to say)
    assert.ok(!out.slice(running).some((l) => / peers 0 /.test(l)), 'no empty status row once the run was seen')
    const err = r.lines.filter((l) => l.to === 'err').map((l) => l.text)
    assert.equal(err.at(-1), `murmur watch: run ended at round ${r.rounds}: 2 peers left; exiting (--stay keeps watching)`)
  })

  it('with --stay: says so once and keeps watching until --duration, printing no status row while the run is over', async () => {
    const r = await watchToTheEnd(['--duration', '6', '--stay'])
    assert.equal(r.code, 0)
    assert.ok(r.ms >= 6000, `it kept watching (${r.ms} ms)`)
    const out = r.lines.filter((l) => l.to === 'out').map((l) => l.text)
    const ends = out.filter((l) => /run ended at round \d+: 2 peers left$/.test(l))
    assert.equal(ends.length, 1, `said once:\n${out.join('\n')}`)
    const after = out.slice(out.indexOf(ends[0]) + 1)
    assert.deepEqual(after.filter((l) => STATUS.test(l)), [], 'no status row after the end')
    assert.match(r.lines.filter((l) => l.to === 'err').at(-1)?.text ?? '', /^murmur watch: run ended at round \d+: 2 peers left; still watching \(--stay\)/)
  })

  it('with --stay once the peers have exited: no warnings about redialling them, one line saying it waits for a resumed run', async () => {
    run = await startLiveRun(RUN_ID, [{}, {}])
    const watching = runOrdered(['watch', '--bootstrap', run.bootstrap, '--run-id', RUN_ID, '--view', 'none', '--refresh', '200', '--peer-timeout', '3000', '--duration', '7', '--stay'])
    await sleep(2500)
    await run.finish()
    // the processes exit, after checkpointing as murmur peer does (the leave announcements go out first): the observer
    // loses its connections and redials --bootstrap (every 2 s, BOOTSTRAP_RETRY_MS)
    await sleep(500)
    await run.stop()
    const r = await watching
    assert.equal(r.code, 0)
    const err = r.lines.filter((l) => l.to === 'err').map((l) => l.text)
    assert.deepEqual(err.filter((l) => /cannot connect/.test(l)), [], `no redial warning:\n${err.join('\n')}`)
    const waits = err.filter((l) => /resumed run/.test(l))
    assert.equal(waits.length, 1, err.join('\n'))
    assert.match(waits[0], /^murmur watch: run ended at round \d+: 2 peers left; still watching \(--stay\) until --duration, for a resumed run/)
  })
})
