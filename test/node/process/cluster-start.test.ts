import assert from 'node:assert/strict'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { headline, prepareOut, roundTimeText, runCluster } from '../../../scripts/cluster.ts'
import { loadOrCreateIdentity } from '../../../node/p2p/index.ts'
import { resolveRunConfig } from '../../../lib/experiment/index.ts'

/**
 * A cluster that cannot start (walkthrough 3): its bootstrap peer exited before listening (no MNIST files), and --out
 * kept run.json and peer-0, so the retry was refused as "holds a run". It is now left as it was, as murmur sim leaves
 * it. And a cluster whose run had no round printed "round time p50 NaN ms" and a time split of four 0.0 %.
 */
describe('murmur cluster: a start that fails, and a run of no round', function () {
  this.timeout(30_000)
  const lines: string[] = []
  const io = { out: (t: string) => { lines.push(t) }, err: (t: string) => { lines.push(t) }, isTTY: false }
  const noData = (): string[] => ['--peers', '2', '--model', 'softmax', '--rounds', '2', '--dataset-dir', mkdtempSync(join(tmpdir(), 'murmur-nodata-')), '--heartbeat', '200', '--quiet']
  const bootstrapExited = (e: Error): boolean => e.name === 'CliError' && /the bootstrap peer exited \(code 1\) before listening/.test(e.message) && /DatasetNotFoundError/.test(e.message)

  it('a new --out (and the folders above it) is not left behind', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'murmur-cluster-start-'))
    const out = join(parent, 'a', 'b')
    await assert.rejects(runCluster([...noData(), '--out', out], io), bootstrapExited)
    assert.deepEqual(readdirSync(parent), [], 'not even a/')
  })

  it('an --out holding a file of the user\'s keeps it and nothing else, and the retry is not refused', async () => {
    const out = mkdtempSync(join(tmpdir(), 'murmur-cluster-start-'))
    writeFileSync(join(out, 'notes.txt'), 'mine\n')
    await assert.rejects(runCluster([...noData(), '--out', out], io), bootstrapExited)
    assert.deepEqual(readdirSync(out), ['notes.txt'])
    assert.equal(readFileSync(join(out, 'notes.txt'), 'utf8'), 'mine\n')
    prepareOut(out, false, 2) // what refused the retry: "holds a run (run.json); pass --force"
  })

  it('--force over an earlier run: its peer folder keeps its identity, its log as it was, and its earlier metrics in previous/', async () => {
    const out = mkdtempSync(join(tmpdir(), 'murmur-cluster-start-'))
    for (const f of ['run.json', 'metrics.jsonl', 'summary.json']) writeFileSync(join(out, f), 'an earlier run\n')
    const peer0 = join(out, 'peer-0')
    const id = (await loadOrCreateIdentity(peer0)).peerId
    const key = readFileSync(join(peer0, 'identity.key'))
    writeFileSync(join(peer0, 'metrics.jsonl'), '{"round":1}\n')
    writeFileSync(join(peer0, 'log.txt'), 'the earlier run\'s log\n')
    mkdirSync(join(out, 'notes'))
    writeFileSync(join(out, 'notes', 'mine.txt'), 'kept\n')
    await assert.rejects(runCluster([...noData(), '--force', '--out', out], io), bootstrapExited)
    // the earlier run's top-level files went first, as --force says; nothing of this start is left
    assert.deepEqual(readdirSync(out).sort(), ['notes', 'peer-0'])
    assert.deepEqual(readFileSync(join(peer0, 'identity.key')), key)
    assert.equal((await loadOrCreateIdentity(peer0)).peerId, id)
    assert.equal(readFileSync(join(peer0, 'log.txt'), 'utf8'), 'the earlier run\'s log\n')
    const archived = readdirSync(join(peer0, 'previous'))
    assert.equal(archived.length, 1)
    assert.equal(readFileSync(join(peer0, 'previous', archived[0], 'metrics.jsonl'), 'utf8'), '{"round":1}\n')
    assert.equal(readFileSync(join(out, 'notes', 'mine.txt'), 'utf8'), 'kept\n')
  })

  it('an --allow-peers file that cannot be read: the identities made for it are taken away too', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'murmur-cluster-start-')), 'o')
    await assert.rejects(runCluster(['--peers', '2', '--algo', 'gossip', '--dim', '8', '--rounds', '2', '--quiet', '--allow-peers', join(out, '..', 'missing.txt'), '--out', out], io))
    assert.ok(!existsSync(out))
  })

  it('--rounds 0: round time n/a, no time split, and "1 process"', async () => {
    lines.length = 0
    const out = join(mkdtempSync(join(tmpdir(), 'murmur-cluster-r0-')), 'o')
    const code = await runCluster(['--peers', '1', '--algo', 'gossip', '--dim', '8', '--rounds', '0', '--heartbeat', '200', '--quiet', '--out', out], io)
    const text = lines.join('\n')
    assert.equal(code, 0, text)
    assert.doesNotMatch(text, /NaN/)
    assert.match(text, /^rounds {12}0 in [\d.]+ s; round time n\/a$/m)
    assert.doesNotMatch(text, /time split/)
    assert.match(text, /^peers {13}1 process \(1 exited 0\)$/m)
    assert.match(text, /^murmur cluster: 1 peer, ring, gossip d=8, codec none, 0 rounds -> /m)
    assert.equal(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')).roundTimeP50, null)
  })

  it('the headline names the dataset and the model, as murmur sim\'s does', () => {
    const config = resolveRunConfig({ peers: 2, model: 'softmax', rounds: 30 })
    assert.equal(headline(config), '2 peers, ring, dpsgd on mnist iid, softmax, codec none, 30 rounds')
    // the graph the peers build where the spec has none on this many is named, as before
    assert.match(headline({ ...config, peers: 3, topology: 'hypercube', dataset: 'fashion-mnist', model: 'cnn', rounds: 1 }),
      /^3 peers, hypercube \(.*incomplete hypercube on 3 nodes\), dpsgd on fashion-mnist iid, cnn, codec none, 1 round$/)
    assert.equal(roundTimeText(41.2, 63.7), 'round time p50 41 ms, p95 64 ms')
    assert.equal(roundTimeText(NaN, NaN), 'round time n/a')
    assert.equal(roundTimeText(null, null), 'round time n/a')
  })
})
