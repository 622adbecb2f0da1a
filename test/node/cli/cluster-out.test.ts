import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { formatHelp } from '../../../node/cli/args.ts'
import { CLUSTER_SPEC, isMergedAllowlist, prepareOut, runCluster } from '../../../scripts/cluster.ts'

/**
 * `murmur cluster --out DIR --force` over an earlier, larger run once left that run's peer-N folders (N at or above
 * the new --peers) beside the new run's, with their metrics and snapshots: the folder mixed two runs. --force now
 * deletes them when they hold only what murmur writes, and refuses (removing nothing) when they hold anything else.
 * These tests start no peer.
 */
describe('murmur cluster --force over an earlier, larger run', function () {
  this.timeout(20_000)
  const silent = { out: () => {}, err: () => {}, isTTY: false }

  /** a peer folder as murmur leaves it: identity, log, metrics, peer.json, snapshots, checkpoints, an archived earlier run, a stale lock */
  function peerFolder (dir: string): void {
    mkdirSync(join(dir, 'snapshots'), { recursive: true })
    mkdirSync(join(dir, 'checkpoints', 'superseded'), { recursive: true })
    mkdirSync(join(dir, 'previous', '20260101T000000Z', 'checkpoints'), { recursive: true })
    for (const f of ['identity.key', 'log.txt', 'metrics.jsonl', 'peer.json', 'snapshots/round-00000020.f32', 'snapshots/.tmp-123-round-00000040.f32',
      'checkpoints/checkpoint-0000000020.ckpt', 'checkpoints/superseded/checkpoint-0000000030.ckpt', 'previous/20260101T000000Z/metrics.jsonl',
      'previous/20260101T000000Z/checkpoints/checkpoint-0000000010.ckpt']) writeFileSync(join(dir, f), 'an earlier run\n')
    writeFileSync(join(dir, 'lock'), '999999999\n') // a peer SIGKILLed: its process is gone
  }

  /** an --out folder holding a 5-peer run (peer-0 to peer-4) and a file of the user's */
  function earlierRun (): string {
    const out = mkdtempSync(join(tmpdir(), 'murmur-cluster-force-'))
    for (const f of ['run.json', 'metrics.jsonl', 'summary.json', 'accuracy.svg', 'consensus.svg', 'report.html']) writeFileSync(join(out, f), 'an earlier run\n')
    writeFileSync(join(out, 'my-diagram.svg'), '<svg/>\n')
    for (let i = 0; i < 5; i++) peerFolder(join(out, `peer-${i}`))
    return out
  }

  it('removes the peer folders the new run does not start, and the run files murmur wrote; keeps the user\'s files', () => {
    const out = earlierRun()
    mkdirSync(join(out, 'notes'))
    writeFileSync(join(out, 'notes', 'mine.txt'), 'kept\n')
    prepareOut(out, true, 3)
    const left = readdirSync(out).sort()
    assert.deepEqual(left, ['my-diagram.svg', 'notes', 'peer-0', 'peer-1', 'peer-2'], 'peer-3 and peer-4 of the 5-peer run are gone')
    // the folders the new run starts in are its peers' own business (their earlier files go to previous/ at launch)
    assert.equal(readFileSync(join(out, 'peer-2', 'metrics.jsonl'), 'utf8'), 'an earlier run\n')
    assert.equal(readFileSync(join(out, 'notes', 'mine.txt'), 'utf8'), 'kept\n')
  })

  it('a leftover peer folder holding a file murmur did not write: refused, naming the folder and the file, and nothing removed', () => {
    const out = earlierRun()
    writeFileSync(join(out, 'peer-4', 'analysis.ipynb'), '{}\n')
    const before = readdirSync(out).sort()
    assert.throws(() => { prepareOut(out, true, 3) }, (e: Error & { option?: string }) => {
      assert.equal(e.name, 'UsageError')
      assert.equal(e.option, 'force')
      assert.ok(e.message.includes(join(out, 'peer-4')), e.message)
      assert.match(e.message, /analysis\.ipynb/)
      assert.match(e.message, /nothing (was )?removed/i)
      return true
    })
    assert.deepEqual(readdirSync(out).sort(), before, 'not even the run files or peer-3')
    assert.equal(readFileSync(join(out, 'summary.json'), 'utf8'), 'an earlier run\n')
  })

  it('a file of the user\'s deep inside a leftover peer folder (an archived run) counts too', () => {
    const out = earlierRun()
    writeFileSync(join(out, 'peer-3', 'previous', '20260101T000000Z', 'notes.md'), 'mine\n')
    assert.throws(() => { prepareOut(out, true, 3) }, (e: Error) => e.name === 'UsageError' && /previous\/20260101T000000Z\/notes\.md/.test(e.message))
    assert.ok(existsSync(join(out, 'peer-4')))
  })

  describe('a leftover peer folder locked by a live murmur peer', () => {
    let child: ChildProcess | undefined
    afterEach(() => { child?.kill('SIGKILL') })

    it('is refused (a run may still be going there), and nothing removed', async () => {
      const out = earlierRun()
      // a live process whose command line names murmur, as the lock's owner check wants
      child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 20000)', 'murmur-peer'], { stdio: 'ignore' })
      await new Promise((resolve) => child?.once('spawn', resolve))
      writeFileSync(join(out, 'peer-4', 'lock'), `${String(child.pid)}\n`)
      assert.throws(() => { prepareOut(out, true, 3) }, (e: Error) => e.name === 'CliError' && e.message.includes(join(out, 'peer-4')) && e.message.includes(String(child?.pid)))
      assert.ok(existsSync(join(out, 'peer-3', 'metrics.jsonl')), 'peer-3 was not removed either')
      assert.equal(readFileSync(join(out, 'peer-3', 'lock'), 'utf8'), '999999999\n', 'and its stale lock is as it was')
    })
  })

  it('murmur cluster refuses before any peer starts', async () => {
    const out = earlierRun()
    writeFileSync(join(out, 'peer-3', 'mine.txt'), 'x\n')
    await assert.rejects(runCluster(['--peers', '2', '--algo', 'gossip', '--dim', '8', '--rounds', '3', '--quiet', '--out', out, '--force'], silent),
      (e: Error) => e.name === 'UsageError' && e.message.includes(join(out, 'peer-3')))
    assert.equal(readFileSync(join(out, 'peer-0', 'log.txt'), 'utf8'), 'an earlier run\n', 'no peer was started')
    assert.equal(readFileSync(join(out, 'run.json'), 'utf8'), 'an earlier run\n')
  })

  it('--force removes the pages murmur report wrote beside the peer folders (peer-N-report.html), not a user\'s html', () => {
    const out = earlierRun()
    for (const f of ['peer-0-report.html', 'peer-12-report.html', 'my-peer-0-report.html', 'peer-x-report.html']) writeFileSync(join(out, f), '<html/>\n')
    prepareOut(out, true, 3)
    const left = readdirSync(out).filter((f) => f.endsWith('.html')).sort()
    assert.deepEqual(left, ['my-peer-0-report.html', 'peer-x-report.html'])
  })

  describe('--allow-peers: the merged list OUT/allow-peers.txt over a file of the user\'s', () => {
    const others = '# a peer on another machine\n12D3KooWGsdLw1gJFEMMc68weaEw68YkMPXMCocaybhmJksPd8ZC\n'
    /** a folder with no run in it, holding an allowlist of the user's */
    function userFolder (): string {
      const out = mkdtempSync(join(tmpdir(), 'murmur-cluster-allow-'))
      writeFileSync(join(out, 'allow-peers.txt'), others)
      return out
    }

    it('a folder with no run holding an allow-peers.txt of the user\'s: refused before any peer starts, naming the folder and --force, and the file kept', async () => {
      const out = userFolder()
      const list = join(mkdtempSync(join(tmpdir(), 'murmur-cluster-allow-list-')), 'list.txt')
      writeFileSync(list, others)
      await assert.rejects(runCluster(['--peers', '2', '--algo', 'gossip', '--dim', '8', '--rounds', '3', '--quiet', '--out', out, '--allow-peers', list], silent),
        (e: Error & { option?: string }) => e.name === 'UsageError' && e.option === 'out' && e.message.includes(out) && /allow-peers\.txt/.test(e.message) && /--force/.test(e.message))
      assert.equal(readFileSync(join(out, 'allow-peers.txt'), 'utf8'), others)
      assert.deepEqual(readdirSync(out), ['allow-peers.txt'], 'no peer folder, no run.json')
      // --force is the way out; prepareOut then lets the cluster replace it
      prepareOut(out, true, 2, list)
    })

    it('--allow-peers OUT/allow-peers.txt itself: refused, --force or not (the list would be replaced by the one made from it)', () => {
      const out = userFolder()
      for (const force of [false, true]) {
        assert.throws(() => { prepareOut(out, force, 2, join(out, 'allow-peers.txt')) }, (e: Error & { option?: string }) =>
          e.name === 'UsageError' && e.option === 'allow-peers' && e.message.includes(join(out, 'allow-peers.txt')), `force ${String(force)}`)
      }
      assert.equal(readFileSync(join(out, 'allow-peers.txt'), 'utf8'), others)
    })

    it('an allow-peers.txt an earlier cluster wrote is replaced without --force; --force over a run removes only that one', () => {
      const merged = join(mkdtempSync(join(tmpdir(), 'murmur-cluster-allow-')), 'run')
      mkdirSync(merged)
      writeFileSync(join(merged, 'allow-peers.txt'), `# /x/list.txt, then this cluster's own peers, then its observer (murmur watch --data-dir /x/observer) (written by murmur cluster)\n${others}`)
      assert.ok(isMergedAllowlist(join(merged, 'allow-peers.txt')))
      prepareOut(merged, false, 2, '/elsewhere/list.txt')
      // a run with a list of the user's beside it: --force clears the run, not the list
      const out = earlierRun()
      writeFileSync(join(out, 'allow-peers.txt'), others)
      prepareOut(out, true, 3)
      assert.equal(readFileSync(join(out, 'allow-peers.txt'), 'utf8'), others)
      writeFileSync(join(merged, 'run.json'), '{}\n')
      prepareOut(merged, true, 2)
      assert.ok(!existsSync(join(merged, 'allow-peers.txt')), 'the merged list of the earlier run is its output')
    })
  })

  it('--force\'s help says what it removes and when it refuses', () => {
    const help = formatHelp(CLUSTER_SPEC).replace(/\s+/g, ' ')
    const force = help.slice(help.indexOf('--force run'), help.indexOf('--config FILE'))
    assert.match(force, /peer-N/)
    assert.match(force, /--peers/)
    assert.match(force, /refused|refuses/i)
  })
})
