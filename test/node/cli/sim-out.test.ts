import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { batchNote, roundsToLine } from '../../../node/cli/commands/sim.ts'
import { makeFolder } from '../../../node/fs/make-folder.ts'
import { runCli } from './run.ts'

const MURMUR = fileURLToPath(new URL('../../../node/bin/murmur.js', import.meta.url))
const gossip = ['sim', '--algo', 'gossip', '--peers', '4', '--dim', '16', '--rounds', '3', '--quiet']

/**
 * murmur sim's --out folder and the lines it prints (walkthrough 3): a config.json of the user's was replaced without a
 * word; --out under /proc hung for ever in Node's recursive mkdir; "rounds to 97 %: not reached" whatever the run
 * reached; no word when --batch is larger than a peer's shard.
 */
describe('murmur sim: --out and the summary', function () {
  this.timeout(30_000)

  it('an --out holding a config.json murmur did not write is refused (exit 1, the file as it was); --force replaces it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'murmur-sim-mine-'))
    writeFileSync(join(dir, 'config.json'), '{"mine":1}\n')
    writeFileSync(join(dir, 'notes.txt'), 'important\n')
    const refused = await runCli([...gossip, '--out', dir])
    assert.equal(refused.code, 1, refused.err)
    assert.match(refused.err, /holds a config\.json that murmur did not write.*--force/)
    assert.ok(refused.err.includes(dir), refused.err)
    assert.deepEqual(readdirSync(dir).sort(), ['config.json', 'notes.txt'], 'nothing written')
    assert.equal(readFileSync(join(dir, 'config.json'), 'utf8'), '{"mine":1}\n')
    // an { experiment }-wrapped file (what --config accepts) is a user's too, and so is one that is not JSON
    for (const text of ['{"experiment":{"peers":4}}\n', 'not json\n']) {
      writeFileSync(join(dir, 'config.json'), text)
      assert.equal((await runCli([...gossip, '--out', dir])).code, 1, text)
      assert.equal(readFileSync(join(dir, 'config.json'), 'utf8'), text)
    }
    const forced = await runCli([...gossip, '--force', '--out', dir])
    assert.equal(forced.code, 0, forced.err)
    assert.equal(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')).experiment.peers, 4)
    assert.equal(readFileSync(join(dir, 'notes.txt'), 'utf8'), 'important\n')
  })

  it('murmur\'s own config.json in a folder holding no run is replaced as before, without --force', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'murmur-sim-own-'))
    assert.equal((await runCli([...gossip, '--out', dir])).code, 0)
    for (const f of ['metrics.jsonl', 'summary.json']) rmSync(join(dir, f)) // murmur's config.json is left alone
    const again = await runCli([...gossip, '--seed', '7', '--out', dir])
    assert.equal(again.code, 0, again.err)
    assert.equal(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')).experiment.seed, 7)
  })

  it('--out under /proc fails at once with ENOENT (Node\'s recursive mkdir loops there for ever, deaf to Ctrl-C)', () => {
    const run = spawnSync(process.execPath, [MURMUR, ...gossip, '--out', '/proc/murmur-no-such/out'], { encoding: 'utf8', timeout: 20_000, killSignal: 'SIGKILL' })
    assert.equal(run.signal, null, 'it did not hang')
    assert.equal(run.status, 1, run.stderr)
    assert.match(run.stderr, /'\/proc\/murmur-no-such': no such file or folder \(ENOENT/)
  })

  it('makeFolder makes the missing folders one by one and returns the first it made', () => {
    const root = mkdtempSync(join(tmpdir(), 'murmur-mkdir-'))
    assert.equal(makeFolder(join(root, 'a', 'b', 'c')), join(root, 'a'))
    assert.ok(existsSync(join(root, 'a', 'b', 'c')))
    assert.equal(makeFolder(join(root, 'a', 'b')), undefined, 'there already')
    mkdirSync(join(root, 'x'))
    assert.equal(makeFolder(join(root, 'x', 'y')), join(root, 'x', 'y'))
    writeFileSync(join(root, 'file'), '')
    assert.throws(() => makeFolder(join(root, 'file', 'z')), (e: NodeJS.ErrnoException) => e.code === 'ENOTDIR')
    // a file where the folder should be: an error, as mkdirSync's recursive gives, not a folder taken as made
    assert.throws(() => makeFolder(join(root, 'file')), (e: NodeJS.ErrnoException) => e.code === 'EEXIST')
  })

  it('the summary names the highest accuracy threshold reached, "not reached" below the lowest, n/a when nothing was measured', () => {
    const t = (r90: number | null, r95: number | null, r97: number | null, r98: number | null): Record<string, number | null> => ({ 0.9: r90, 0.95: r95, 0.97: r97, 0.98: r98 })
    assert.equal(roundsToLine({ rounds: 200, bestAccuracy: 0.975, roundsToAccuracy: t(20, 60, 180, null) }), 'rounds to 97 %    180 (98 % not reached)')
    assert.equal(roundsToLine({ rounds: 300, bestAccuracy: 0.985, roundsToAccuracy: t(20, 60, 180, 260) }), 'rounds to 98 %    260')
    assert.equal(roundsToLine({ rounds: 100, bestAccuracy: 0.812, roundsToAccuracy: t(null, null, null, null) }), 'rounds to 90 %    not reached')
    assert.equal(roundsToLine({ rounds: 0, bestAccuracy: null, roundsToAccuracy: t(null, null, null, null) }), 'rounds to 90 %    n/a (no round ran)')
    assert.equal(roundsToLine({ rounds: 10, bestAccuracy: null, roundsToAccuracy: t(null, null, null, null) }), 'rounds to 90 %    n/a (no accuracy measured)')
  })

  it('--rounds 0 prints "n/a", not "rounds to 97 %: not reached"', async () => {
    const { code, out } = await runCli(['sim', '--peers', '2', '--model', 'softmax', '--backend', 'cpu', '--rounds', '0', '--quiet', '--out', join(mkdtempSync(join(tmpdir(), 'murmur-sim-')), 'o')])
    assert.equal(code, 0)
    assert.match(out, /^rounds to 90 % {4}n\/a \(no round ran\)$/m)
    assert.doesNotMatch(out, /97 %/)
  })

  it('a --batch larger than a peer\'s shard is said in one line; one that fits is not', async () => {
    assert.equal(batchNote(32, { min: 15000, max: 15000 }), undefined)
    assert.equal(batchNote(15000, { min: 15000, max: 15000 }), undefined)
    assert.equal(batchNote(65536, { min: 15000, max: 15000 }), 'batch 65,536 is larger than a peer\'s shard (15,000 samples): a step takes the whole shard instead')
    assert.match(batchNote(4000, { min: 3000, max: 9000 }) ?? '', /larger than the smallest peer's shard \(3,000 to 9,000 samples\)/)
    assert.equal(batchNote(65536, null), undefined, 'no shards (gossip)')
    const { code, err } = await runCli(['sim', '--peers', '4', '--model', 'softmax', '--backend', 'cpu', '--batch', '65536', '--rounds', '1', '--eval-every', '0', '--quiet',
      '--out', join(mkdtempSync(join(tmpdir(), 'murmur-sim-')), 'o')])
    assert.equal(code, 0, err)
    assert.match(err, /^murmur sim: warning: batch 65,536 is larger than a peer's shard \(15,000 samples\): a step takes the whole shard instead$/m)
    assert.equal(err.match(/larger than a peer's shard/g)?.length, 1)
  })
})
