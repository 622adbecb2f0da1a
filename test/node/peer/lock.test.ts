import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { once } from 'node:events'
import { DataDirInUseError, LOCK_FILE, lockDataDir } from '../../../node/peer/index.ts'

describe('node/peer lockDataDir: one peer process a --data-dir', () => {
  it('takes the lock with its pid and releases it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'murmur-lock-'))
    const release = lockDataDir(dir)
    assert.equal(readFileSync(join(dir, LOCK_FILE), 'utf8'), `${process.pid}\n`)
    release()
    assert.equal(existsSync(join(dir, LOCK_FILE)), false)
  })

  it('refuses while another live murmur process holds it, naming its pid; takes over once that process is gone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'murmur-lock-'))
    // a stand-in peer process: alive, with "murmur" on its command line, as a real peer has
    const other = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', 'murmur-peer-stand-in'], { stdio: 'ignore' })
    try {
      writeFileSync(join(dir, LOCK_FILE), `${other.pid}\n`)
      assert.throws(() => lockDataDir(dir), (e: Error) => e instanceof DataDirInUseError && e.message.includes(`pid ${other.pid}`) && e.message.includes('--data-dir'))
      assert.equal(readFileSync(join(dir, LOCK_FILE), 'utf8'), `${other.pid}\n`, 'the holder keeps its lock')
    } finally {
      other.kill('SIGKILL')
      await once(other, 'exit')
    }
    // a SIGKILLed holder leaves a stale lock
    const release = lockDataDir(dir)
    assert.equal(readFileSync(join(dir, LOCK_FILE), 'utf8'), `${process.pid}\n`)
    release()
  })

  it('a lock that is garbage is stale; so is one whose pid now runs another program (where /proc tells)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'murmur-lock-'))
    writeFileSync(join(dir, LOCK_FILE), 'not a pid')
    lockDataDir(dir)()
    // pid 1 is alive (init) and not a murmur peer; without /proc (macOS) a live pid is taken for the owner
    if (existsSync('/proc/1/cmdline')) {
      writeFileSync(join(dir, LOCK_FILE), '1\n')
      lockDataDir(dir)()
    }
  })
})

describe('node/peer runPeer: an earlier run in --data-dir is moved aside only once this run has loaded', function () {
  this.timeout(60_000)

  it('a config the algorithm refuses leaves the earlier metrics and checkpoints where --resume finds them, and the lock released', async () => {
    const { runPeer } = await import('../../../node/peer/index.ts')
    const { resolveRunConfig } = await import('../../../lib/experiment/index.ts')
    const dir = mkdtempSync(join(tmpdir(), 'murmur-datadir-'))
    mkdirSync(join(dir, 'checkpoints'))
    writeFileSync(join(dir, 'metrics.jsonl'), '{"round":1}\n')
    writeFileSync(join(dir, 'checkpoints', 'checkpoint-0000000010.ckpt'), 'earlier')
    const config = { ...resolveRunConfig({ peers: 2, model: 'softmax', rounds: 5 }), codec: 'ef(topk:0.1)', algo: 'choco' as const }
    await assert.rejects(runPeer({
      config, slot: 0, dataDir: dir, listen: ['/ip4/127.0.0.1/tcp/0'], bootstrap: [], mdns: false, evalEvery: 0, evalLimit: 0, snapshotEvery: 0,
      checkpointEvery: 0, heartbeatMs: 200, startTimeoutMs: 1000, stop: new AbortController().signal, log: () => {}
    }), (e: Error) => e.name === 'InvalidAlgorithmConfigError')
    assert.equal(readFileSync(join(dir, 'metrics.jsonl'), 'utf8'), '{"round":1}\n')
    assert.equal(readFileSync(join(dir, 'checkpoints', 'checkpoint-0000000010.ckpt'), 'utf8'), 'earlier')
    assert.equal(existsSync(join(dir, 'previous')), false)
    assert.equal(existsSync(join(dir, LOCK_FILE)), false)
  })
})
