import assert from 'node:assert/strict'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { bootstrapOf, startMurmur, startPeer, waitFor } from '../process/helpers.ts'
import type { PeerProcess } from '../process/helpers.ts'

const ROUNDS = 40
const FAST = ['--listen', '/ip4/127.0.0.1/tcp/0', '--heartbeat', '150', '--round-deadline', '2000', '--algo', 'gossip', '--dim', '500', '--quiet', '--rounds', String(ROUNDS)]

/** `murmur watch ARGS` as a real process */
const startWatch = (args: string[]): PeerProcess => startMurmur('watch', args)

describe('murmur watch of murmur peer processes that finish their run', function () {
  this.timeout(60_000)
  const procs: PeerProcess[] = []
  afterEach(() => { for (const p of procs.splice(0)) p.child.kill('SIGKILL') })

  it('exits 0 by itself once both peers have left after their last round, its last line saying so', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'murmur-watch-end-'))
    const a = startPeer([...FAST, '--data-dir', join(dir, 'a'), '--shard', '0/2'])
    procs.push(a)
    const bootstrap = await bootstrapOf(join(dir, 'a'), a)
    // the run starts only once the second peer is there: let the observer hear the first one before that
    const watch = startWatch(['--bootstrap', bootstrap, '--view', 'lines', '--refresh', '200', '--duration', '50'])
    procs.push(watch)
    await waitFor(() => /\(slot 0\) is heard|\(slot 0\) joins/.test(watch.out()), 20_000, `the observer to hear peer 0; stderr: ${watch.err()}`)
    const b = startPeer([...FAST, '--data-dir', join(dir, 'b'), '--shard', '1/2', '--bootstrap', bootstrap])
    procs.push(b)
    const [ea, eb] = await Promise.all([a.exit, b.exit])
    assert.equal(ea.code, 0, a.err())
    assert.equal(eb.code, 0, b.err())
    const peersDone = Date.now()
    const ew = await watch.exit
    assert.equal(ew.code, 0, watch.err())
    assert.ok(Date.now() - peersDone < 15_000, 'it exited at the end of the run, not at --duration')
    const out = watch.out().trimEnd().split('\n')
    const running = out.findIndex((l) => / round \d+ peers 2 /.test(l))
    assert.ok(running >= 0, `it watched both peers:\n${watch.out()}`)
    assert.match(out.at(-1) ?? '', new RegExp(`^\\d\\d:\\d\\d:\\d\\d run ended at round ${ROUNDS}: 2 peers left$`), watch.out())
    // (before the run, while nothing is heard yet, 'round - peers 0' is what there is to say)
    assert.ok(!out.slice(running).some((l) => / peers 0 /.test(l)), `no empty status row once the run was seen:\n${watch.out()}`)
    assert.match(watch.err(), new RegExp(`murmur watch: run ended at round ${ROUNDS}: 2 peers left; exiting \\(--stay keeps watching\\)\\n$`))
  })
})
