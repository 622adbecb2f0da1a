import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const MURMUR = fileURLToPath(new URL('../../../node/bin/murmur.js', import.meta.url))

/**
 * Node's mkdirSync(path, { recursive: true }) loops for ever under /proc (mkdir says ENOENT, its parent EEXIST), at
 * 100 % of a core and deaf to Ctrl-C: `murmur peer --data-dir /proc/x` and `murmur init --out /proc/x/run.jsonc` hung
 * so (walkthrough 3, finding 11). A folder right under /proc: one deeper, Node's loop gives up (wrongly saying it made it). Each runs in a child process killed with SIGKILL after a while, so that a
 * regression fails this test instead of hanging mocha.
 */
describe('a path under /proc fails at once instead of hanging in a recursive mkdir', function () {
  this.timeout(30_000)
  before(function () { if (!existsSync('/proc/self')) this.skip() }) // no procfs (not Linux): nothing to hang on

  const run = (args: string[]): { status: number | null, signal: NodeJS.Signals | null, stderr: string } =>
    spawnSync(process.execPath, [MURMUR, ...args], { encoding: 'utf8', timeout: 20_000, killSignal: 'SIGKILL' })

  const cases = [
    { id: 'murmur peer --data-dir /proc/...', args: ['peer', '--data-dir', '/proc/murmur-no-such', '--shard', '0/1', '--algo', 'gossip', '--dim', '4', '--rounds', '1', '--listen', '/ip4/127.0.0.1/tcp/0'] },
    { id: 'murmur init --out /proc/.../run.jsonc', args: ['init', '--out', '/proc/murmur-no-such/run.jsonc'] }
  ]
  for (const c of cases) {
    it(`${c.id}: one line naming the path and ENOENT, exit code 1`, () => {
      const r = run(c.args)
      assert.equal(r.signal, null, `killed after 20 s: it hung (${r.stderr})`)
      assert.equal(r.status, 1, r.stderr)
      const lines = r.stderr.trim().split('\n')
      assert.equal(lines.length, 1, r.stderr)
      assert.match(lines[0], /^murmur (peer|init): .*'\/proc\/murmur-no-such.*no such file or folder \(ENOENT/)
    })
  }
})
