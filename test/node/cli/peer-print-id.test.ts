import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadOrCreateIdentity, parseAllowlist } from '../../../node/p2p/index.ts'
import { runCli } from './run.ts'

describe('murmur peer --print-id: a peer\'s PeerId before it starts, for --allow-peers', function () {
  this.timeout(30_000)
  let dir = ''
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'murmur-print-id-')) })
  afterEach(() => { rmSync(dir, { recursive: true, force: true }) })

  it('creates the key in --data-dir, prints the PeerId the peer will have, and prints the same one again', async () => {
    const dataDir = join(dir, 'peer-a')
    const first = await runCli(['peer', '--data-dir', dataDir, '--print-id'])
    assert.equal(first.code, 0, first.err)
    assert.match(first.err, /created .*identity\.key/)
    assert.equal((statSync(join(dataDir, 'identity.key')).mode & 0o077), 0, 'the key is readable by its owner only')
    const id = first.out.trim()
    assert.deepEqual(parseAllowlist(first.out), [id], 'the output is an --allow-peers line')
    assert.equal((await loadOrCreateIdentity(dataDir)).peerId, id, 'the peer started on this folder has that PeerId')
    const again = await runCli(['peer', '--data-dir', dataDir, '--print-id'])
    assert.equal(again.out.trim(), id)
    assert.match(again.err, /read .*identity\.key/)
  })

  it('without --data-dir, or with a folder holding something that is not a key: one line, exit 1 or 2', async () => {
    const none = await runCli(['peer', '--print-id'])
    assert.equal(none.code, 2)
    assert.match(none.err, /--print-id prints the PeerId kept in --data-dir DIR/)
    writeFileSync(join(dir, 'identity.key'), 'not a key')
    const bad = await runCli(['peer', '--data-dir', dir, '--print-id'])
    assert.equal(bad.code, 1)
    assert.match(bad.err, /InvalidIdentityFileError/)
    assert.doesNotMatch(bad.err, /\n\s+at /, 'no stack trace')
  })
})
