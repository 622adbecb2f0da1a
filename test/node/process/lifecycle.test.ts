import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { configHash, resolveRunConfig } from '../../../lib/experiment/index.ts'
import { decodeCheckpoint, listCheckpoints } from '../../../node/checkpoint/index.ts'
import { bootstrapOf, lastRecord, metrics, startPeer, waitFor } from './helpers.ts'
import type { PeerProcess } from './helpers.ts'

const FAST = ['--listen', '/ip4/127.0.0.1/tcp/0', '--heartbeat', '150', '--round-deadline', '2000', '--algo', 'gossip', '--dim', '500', '--quiet']

describe('murmur peer processes: config refusal and graceful stop', function () {
  this.timeout(60_000)
  const procs: PeerProcess[] = []
  afterEach(() => { for (const p of procs.splice(0)) p.child.kill('SIGKILL') })

  it('a peer with a different config is refused, with the differing fields named on both sides', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'murmur-refuse-'))
    const a = startPeer([...FAST, '--data-dir', join(dir, 'a'), '--shard', '0/2', '--rounds', '50', '--start-timeout', '4000'])
    procs.push(a)
    const bs = await bootstrapOf(join(dir, 'a'), a)
    const b = startPeer([...FAST, '--data-dir', join(dir, 'b'), '--shard', '1/2', '--rounds', '50', '--lr', '0.3', '--codec', 'fp16', '--start-timeout', '4000', '--bootstrap', bs])
    procs.push(b)
    const exitB = await b.exit
    assert.notEqual(exitB.code, 0, 'the refused peer exits with an error')
    assert.match(b.err(), /ConfigMismatchError/)
    assert.match(b.err(), /codec: ours "fp16", theirs "none"/)
    assert.match(b.err(), /lr: ours 0\.3, theirs 0\.05/)
    await waitFor(() => /refused peer .*lr: ours 0\.05, theirs 0\.3/.test(a.err()), 10_000, 'the first peer to name the fields')
    assert.match(a.err(), /codec: ours "none", theirs "fp16"/)
  })

  it('a --listen port another process holds: one line naming the address and EADDRINUSE, exit 1', async () => {
    const server = createServer()
    await new Promise<void>((resolve) => { server.listen(0, '127.0.0.1', resolve) })
    const port = (server.address() as AddressInfo).port
    try {
      const dir = mkdtempSync(join(tmpdir(), 'murmur-port-'))
      const a = startPeer([...FAST.slice(2), '--data-dir', join(dir, 'a'), '--shard', '0/2', '--rounds', '5', '--listen', `/ip4/127.0.0.1/tcp/${port}`])
      procs.push(a)
      const exit = await a.exit
      assert.equal(exit.code, 1, a.err())
      assert.match(a.err(), new RegExp(`murmur peer: cannot listen on /ip4/127\\.0\\.0\\.1/tcp/${port}: listen EADDRINUSE`))
      assert.doesNotMatch(a.err(), /^\s+at /m, 'no stack trace')
    } finally {
      server.close()
    }
  })

  it('SIGTERM while waiting for the other peers to start: a requested stop, exit 0 and no checkpoint', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'murmur-term-early-'))
    const a = startPeer([...FAST, '--data-dir', join(dir, 'a'), '--shard', '0/2', '--rounds', '50', '--start-timeout', '60000'])
    procs.push(a)
    await bootstrapOf(join(dir, 'a'), a)
    a.child.kill('SIGTERM')
    const exit = await a.exit
    assert.equal(exit.code, 0, a.err())
    assert.match(a.out(), /stopped before joining the run/)
    assert.deepEqual(listCheckpoints(join(dir, 'a', 'checkpoints')), [])
  })

  it('SIGTERM: announces leaving, finishes the round, leaves a valid checkpoint and exits 0; the other peer carries on', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'murmur-term-'))
    const common = [...FAST, '--rounds', '1000000', '--start-timeout', '10000', '--run-id', 'term-test']
    const a = startPeer([...common, '--data-dir', join(dir, 'a'), '--shard', '0/2'])
    procs.push(a)
    const bs = await bootstrapOf(join(dir, 'a'), a)
    const b = startPeer([...common, '--data-dir', join(dir, 'b'), '--shard', '1/2', '--bootstrap', bs])
    procs.push(b)
    await waitFor(() => (lastRecord(join(dir, 'b'))?.round ?? 0) >= 20, 30_000, 'peer b to run 20 rounds')
    b.child.kill('SIGTERM')
    const exitB = await b.exit
    assert.equal(exitB.code, 0, b.err())
    assert.match(b.err(), /leaving after round \d+/)
    const ckpts = listCheckpoints(join(dir, 'b', 'checkpoints'))
    assert.equal(ckpts.length, 1)
    const ckpt = decodeCheckpoint(readFileSync(join(dir, 'b', 'checkpoints', ckpts[0].file))) as any
    const config = resolveRunConfig({ algo: 'gossip', dim: 500, rounds: 1_000_000, peers: 2, runId: 'term-test', roundDeadlineMs: 2000 })
    assert.equal(ckpt.configHash, configHash(config))
    const lastB = metrics(join(dir, 'b')).at(-1)
    assert.equal(ckpt.round, lastB.round, 'the checkpoint holds the last finished round')
    assert.equal(ckpt.state.params.length, 500)
    // a keeps going after b left, now alone (its neighbours list becomes empty)
    await waitFor(() => { const r = lastRecord(join(dir, 'a')); return r !== undefined && r.round > lastB.round + 5 && r.neighbours.length === 0 }, 20_000, 'peer a to continue alone')
    a.child.kill('SIGTERM')
    assert.equal((await a.exit).code, 0)
  })
})
