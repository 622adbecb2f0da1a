import assert from 'node:assert/strict'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { agreedConfig, configHash, legacyConfigHash, resolveRunConfig } from '../../../lib/experiment/index.ts'
import type { RunConfig } from '../../../lib/experiment/index.ts'
import { writeCheckpoint } from '../../../node/checkpoint/index.ts'
import { buildReport, fieldNote, loadRun, unusedBecause } from '../../../node/report/index.ts'
import { mergePeerFolders } from '../../../node/report/merge.ts'
import { runCli } from '../cli/run.ts'

function tmp (): string {
  return mkdtempSync(join(tmpdir(), 'murmur-report-peer-'))
}

/** The page's text without tags, so a test reads what a user reads. */
function text (html: string): string {
  return html.replace(/<svg[\s\S]*?<\/svg>/g, '').replace(/<style[\s\S]*?<\/style>/g, '').replace(/<[^>]+>/g, ' ')
    .replace(/&#39;/g, '\'').replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&').replace(/\s+/g, ' ')
}

const GOSSIP: Partial<RunConfig> = { runId: 'mnist-ab', peers: 2, topology: 'ring', algo: 'gossip', dim: 4, rounds: 3, seed: 1 }

/**
 * A peer's --data-dir as node/peer writes it: peer.json, its own metrics rows (peerId, slot, cumulative bytesSent,
 * roundMs), a checkpoint holding the agreed config, and parameter snapshots of `dim` floats.
 */
function peerFolder (dir: string, slot: number, opts: { config?: Partial<RunConfig>, checkpoint?: boolean, snapshots?: Record<number, number[]>, legacy?: boolean, hash?: string } = {}): string {
  const config = resolveRunConfig(opts.config ?? GOSSIP)
  // legacy: as an older murmur wrote a training run's folder, its hash and checkpoint without the model's dim
  const hash = opts.hash ?? (opts.legacy === true ? legacyConfigHash(config) : configHash(config))
  const peerId = `12D3KooWpeer${slot}`
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, 'peer.json'), JSON.stringify({ peerId, slot, addrs: [], configHash: hash, runId: config.runId, pid: 1 }))
  const rows = [1, 2, 3].map((round) => JSON.stringify({
    peerId, slot, round, trainLoss: null, accuracy: round === 3 ? 0.9 : null, bytesSent: 1000 * round, bytesThisRound: 1000,
    lambda2: 0.5, computeMs: 2, commMs: 6, waitMs: 0, roundMs: 10, elapsedMs: 10 * round, time: 1_000_000 + 10 * round
  }))
  writeFileSync(join(dir, 'metrics.jsonl'), rows.join('\n') + '\n')
  if (opts.checkpoint !== false) {
    writeCheckpoint(join(dir, 'checkpoints'), { configHash: hash, round: 3, writtenAt: 0, config: { ...agreedConfig(config), ...(opts.legacy === true ? { dim: null } : {}) }, slot, state: {} })
  }
  for (const [round, values] of Object.entries(opts.snapshots ?? {})) {
    mkdirSync(join(dir, 'snapshots'), { recursive: true })
    writeFileSync(join(dir, 'snapshots', `round-${String(round).padStart(8, '0')}.f32`), Buffer.from(new Float32Array(values).buffer))
  }
  return dir
}

describe('murmur report of peers\' --data-dirs', function () {
  this.timeout(20_000)

  it('one peer\'s folder: its own figures labelled as its own, no summary.json "not finished" note, the agreed config from its checkpoint', async () => {
    const dir = peerFolder(join(tmp(), 'peer-a'), 1, { config: { ...GOSSIP, algo: 'dpsgd', model: 'softmax', dim: 7850 } })
    const run = loadRun(dir)
    assert.equal(run.kind, 'peer')
    assert.deepEqual(run.peer, { peerId: '12D3KooWpeer1', slot: 1, runId: 'mnist-ab', configHash: configHash(resolveRunConfig({ ...GOSSIP, algo: 'dpsgd', model: 'softmax', dim: 7850 })) })
    assert.equal(run.configFile, 'checkpoints/checkpoint-0000000003.ckpt')
    assert.equal(run.config?.model, 'softmax')
    assert.equal(run.config?.dim, 7850, 'a training run\'s dim is its model\'s parameter count in the agreed config')
    assert.deepEqual(run.rows.map((r) => r.roundMs), [10, 10, 10], 'a peer\'s own roundMs')
    assert.ok(!run.notes.some((n) => n.includes('summary.json is absent')), run.notes.join('\n'))
    assert.ok(!run.notes.some((n) => n.startsWith('No run config')), run.notes.join('\n'))
    const page = text(await buildReport(run))
    for (const wrong of ['averaged model, test accuracy', 'averaged model x̄', 'bytes sent, all peers', 'slowest peer', 'the peers sent', 'may not have finished']) assert.ok(!page.includes(wrong), wrong)
    for (const right of ['90.00 % this peer\'s own model, test accuracy', '3.0 kB bytes this peer sent', 'this peer\'s round time p50, ms', 'slot 1 of run \'mnist-ab\'',
      'Every byte this peer sent', 'rest of this peer\'s round']) assert.ok(page.includes(right), right)
  })

  it('one peer\'s folder without a checkpoint: says which run, slot and peer it is and where the config is', async () => {
    const run = loadRun(peerFolder(join(tmp(), 'peer-b'), 0, { checkpoint: false }))
    assert.equal(run.kind, 'peer')
    assert.equal(run.config, null)
    const note = run.notes.find((n) => n.startsWith('The run config is not in this folder'))
    assert.ok(note !== undefined, run.notes.join('\n'))
    assert.match(note, /peer\.json holds only its hash, [0-9a-f]{16}…/)
    const page = text(await buildReport(run))
    for (const right of ['12D3KooWpeer0', 'run id mnist-ab', 'slot (--shard) 0']) assert.ok(page.includes(right), right)
  })

  it('murmur report PEER-DIR writes its page beside the folder, not into the peer\'s --data-dir', async () => {
    const root = tmp()
    const dir = peerFolder(join(root, 'peer-a'), 0)
    const { code, out, err } = await runCli(['report', dir])
    assert.equal(code, 0, err)
    assert.ok(!existsSync(join(dir, 'report.html')), 'nothing murmur peer does not write in its folder')
    assert.ok(existsSync(join(root, 'peer-a-report.html')), out)
    assert.equal((await runCli(['report', dir])).code, 0, 'its own earlier page is rewritten')
    writeFileSync(join(root, 'peer-a-report.html'), 'my notes')
    assert.equal((await runCli(['report', dir])).code, 1, 'a file of the user\'s there is not')
    assert.equal(readFileSync(join(root, 'peer-a-report.html'), 'utf8'), 'my notes')
  })

  it('several peers\' folders are merged as murmur cluster merges its peers: consensus from the snapshots, bytes of all', async () => {
    const root = tmp()
    // gossip of dim 4: peers at ±1 in round 2, at ±0.5 in round 3 → (1/n) Σ‖x_i − x̄‖² = 4 and 1
    const a = peerFolder(join(root, 'peer-a'), 0, { snapshots: { 2: [1, 1, 1, 1], 3: [0.5, 0.5, 0.5, 0.5] } })
    const b = peerFolder(join(root, 'peer-b'), 1, { snapshots: { 2: [-1, -1, -1, -1], 3: [-0.5, -0.5, -0.5, -0.5] } })
    const run = await mergePeerFolders([b, a])
    assert.equal(run.kind, 'peers')
    assert.deepEqual(run.sources.map((s) => s.slot), [0, 1])
    assert.deepEqual(run.rows.map((r) => r.consensusDistance), [null, 4, 1])
    assert.deepEqual(run.rows.map((r) => r.bytesThisRound), [2000, 2000, 2000])
    assert.equal(run.dim, 4)
    assert.equal(run.summary?.bytesSent, 6000)
    assert.equal(run.summary?.peakRssMbMax, undefined, 'what murmur cluster measured of its child processes is not known here')
    const page = text(await buildReport(run))
    assert.ok(page.includes('2 peers\' folders (murmur peer), merged by murmur report'), page.slice(0, 300))

    const cli = await runCli(['report', root])
    assert.equal(cli.code, 0, cli.err)
    assert.ok(existsSync(join(root, 'report.html')), 'a folder holding peers\' folders: merged, the page in it')
  })

  it('the folders of a training run written by an older murmur (config hash without the model\'s dim) still merge', async () => {
    const root = tmp()
    const config = { ...GOSSIP, algo: 'dpsgd', model: 'softmax', evalLimit: 50 } as const
    const a = peerFolder(join(root, 'old-a'), 0, { config, legacy: true })
    const b = peerFolder(join(root, 'old-b'), 1, { config, legacy: true })
    const run = await mergePeerFolders([a, b], { evalLimit: 50 })
    assert.equal(run.kind, 'peers')
    assert.deepEqual(run.sources.map((s) => s.slot), [0, 1])
    // and folders whose checkpoint config hashes to neither are still refused
    const c = peerFolder(join(root, 'new-c'), 0, { config: { ...config, dim: 7850 }, hash: 'f'.repeat(64) })
    const d = peerFolder(join(root, 'new-d'), 1, { config: { ...config, dim: 7850 }, hash: 'f'.repeat(64) })
    await assert.rejects(mergePeerFolders([c, d], { evalLimit: 50 }), (err: Error) => err.name === 'PeerFoldersMismatchError' && err.message.includes('does not hash to'))
  })

  it('folders that are not the peers of one run are refused by name', async () => {
    const root = tmp()
    const a = peerFolder(join(root, 'a'), 0)
    const again = peerFolder(join(root, 'a2'), 0)
    const other = peerFolder(join(root, 'o'), 1, { config: { ...GOSSIP, dim: 8 } })
    const notPeer = join(root, 'sim')
    mkdirSync(notPeer)
    writeFileSync(join(notPeer, 'metrics.jsonl'), JSON.stringify({ round: 1, bytesThisRound: 1 }) + '\n')
    const noConfig = peerFolder(join(root, 'n'), 1, { checkpoint: false })
    const noConfig2 = peerFolder(join(root, 'n0'), 0, { checkpoint: false })
    const cases: Array<{ id: string, dirs: string[], expectedError: string }> = [
      { id: 'a slot twice', dirs: [a, again], expectedError: 'PeerFoldersMismatchError' },
      { id: 'another config', dirs: [a, other], expectedError: 'PeerFoldersMismatchError' },
      { id: 'not a peer\'s folder', dirs: [a, notPeer], expectedError: 'NotAPeerFolderError' },
      { id: 'no checkpoint holds the config', dirs: [noConfig2, noConfig], expectedError: 'PeerFoldersMismatchError' }
    ]
    for (const c of cases) await assert.rejects(mergePeerFolders(c.dirs), (err: Error) => err.name === c.expectedError, c.id)
    const cli = await runCli(['report', a, again, '--out', join(root, 'x.html')])
    assert.equal(cli.code, 1)
    assert.match(cli.err, /PeerFoldersMismatchError: .* both ran slot 0/)
  })
})

describe('murmur report: what does not apply is not shown as if it did', () => {
  it('a cluster run of 0 rounds shows no time split of four 0.0 % figures', async () => {
    const dir = tmp()
    writeFileSync(join(dir, 'run.json'), JSON.stringify({ peers: 2, topology: 'ring', algo: 'dpsgd', rounds: 0 }))
    writeFileSync(join(dir, 'metrics.jsonl'), '')
    writeFileSync(join(dir, 'summary.json'), JSON.stringify({ peers: 2, rounds: 0, timeShare: { compute: 0, communicate: 0, wait: 0, other: 0 } }))
    const page = text(await buildReport(loadRun(dir)))
    assert.ok(!page.includes('0.0 %'), page)
  })

  it('a peer\'s agreed dim (from its checkpoint) is its model\'s parameter count, not a field the run ignores', () => {
    const training = { peers: 2, algo: 'dpsgd', dim: 101770 }
    for (const kind of ['peer', 'peers'] as const) {
      assert.equal(unusedBecause('dim', training, kind), undefined, kind)
      assert.match(fieldNote('dim', training, kind) ?? '', /model's parameter count/, kind)
    }
    // a cluster's run.json and a sim's config.json hold the --dim given (or its default), which a training run ignores
    for (const kind of ['cluster', 'sim'] as const) {
      assert.match(unusedBecause('dim', training, kind) ?? '', /not used by dpsgd/, kind)
      assert.equal(fieldNote('dim', training, kind), undefined, kind)
    }
    assert.equal(fieldNote('dim', { peers: 2, algo: 'gossip', dim: 1000 }, 'peer'), undefined)
  })

  it('the config table marks fields the run does not use, by algorithm and by writer', async () => {
    const cases: Array<{ id: string, file: string, config: Record<string, unknown>, unused: string[], used: string[] }> = [
      { id: 'dpsgd cluster', file: 'run.json', config: { peers: 2, algo: 'dpsgd', dim: 1000, lr: 0.05, drop: 0, offline: 0, peerEvalLimit: 2000, evalLimit: 0 }, unused: ['dim', 'drop', 'offline', 'peerEvalLimit'], used: ['lr', 'evalLimit'] },
      { id: 'gossip sim', file: 'config.json', config: { peers: 2, algo: 'gossip', dim: 1000, lr: 0.05, momentum: 0.9, localSteps: 1, drop: 0.1 }, unused: ['lr', 'momentum', 'localSteps'], used: ['dim', 'drop'] }
    ]
    for (const c of cases) {
      const dir = tmp()
      writeFileSync(join(dir, c.file), JSON.stringify(c.config))
      writeFileSync(join(dir, 'metrics.jsonl'), JSON.stringify({ round: 1, bytesThisRound: 1 }) + '\n')
      const html = await buildReport(loadRun(dir))
      const row = (field: string): string => new RegExp(`<tr><th>${field}</th><td>(.*?)</td></tr>`).exec(html)?.[1] ?? ''
      for (const f of c.unused) assert.match(row(f), /not used by/, `${c.id}: ${f}`)
      for (const f of c.used) assert.doesNotMatch(row(f), /not used by/, `${c.id}: ${f}`)
    }
  })
})
