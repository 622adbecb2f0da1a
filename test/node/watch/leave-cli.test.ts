import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { main } from '../../../node/cli/main.ts'
import { startLiveRun } from './live-run.ts'
import type { LiveRun } from './live-run.ts'

const RUN_ID = 'watch-leave'

describe('murmur watch --view lines while a peer leaves, real members over loopback', function () {
  this.timeout(30_000)
  let run: LiveRun | undefined
  afterEach(async () => { await run?.stop(); run = undefined })

  it('counts the peers that remain, names the round the leaver completed, and its times never go back', async () => {
    run = await startLiveRun(RUN_ID, [{}, {}, {}])
    const live = run
    const out: string[] = []
    const watching = main(['watch', '--bootstrap', run.bootstrap, '--run-id', RUN_ID, '--view', 'lines', '--refresh', '200', '--peer-timeout', '3000', '--duration', '5'],
      { out: (text) => { out.push(text) }, err: () => {}, isTTY: false })
    await sleep(2500)
    // stopped as murmur peer is by SIGTERM: it announces the round it is in as its last, and stays up a moment
    const rounds = await live.leave(2)
    const code = await watching
    assert.equal(code, 0)
    const id = (/peer (…\w+) \(slot 2\) leaves/.exec(out.join('\n')) ?? [])[1]
    assert.ok(id !== undefined, `the leave is reported:\n${out.join('\n')}`)
    const leave = out.findIndex((l) => l.includes(`peer ${id} (slot 2) leaves`))
    // its last summary was of round `rounds` (rounds completed), as the progress lines and the metrics count them
    assert.match(out[leave], new RegExp(`leaves after round ${rounds}$`))
    assert.ok(out.slice(0, leave).some((l) => / peers 3 /.test(l)), 'three peers before')
    const after = out.slice(leave + 1).filter((l) => / round \d+ peers /.test(l))
    assert.ok(after.length >= 5, out.join('\n'))
    assert.deepEqual(after.filter((l) => !/ peers 2 /.test(l)), [], `two live peers after the leave:\n${out.join('\n')}`)
    const times = out.map((l) => l.slice(0, 8))
    assert.deepEqual(times, [...times].sort(), `times never go back:\n${out.join('\n')}`)
  })
})
