import assert from 'node:assert/strict'
import { chmod, mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateKeyPair, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { IDENTITY_FILE, loadOrCreateIdentity } from '../../../node/p2p/index.ts'

describe('node/p2p identity', () => {
  let dir: string
  beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'murmur-identity-')) })
  afterEach(async () => { await rm(dir, { recursive: true, force: true }) })

  it('creates an Ed25519 key with mode 0600 and keeps the same PeerId on the next start', async () => {
    const dataDir = join(dir, 'peer', 'data')
    const first = await loadOrCreateIdentity(dataDir)
    assert.equal(first.created, true)
    assert.equal(first.privateKey.type, 'Ed25519')
    assert.match(first.peerId, /^12D3KooW/)
    assert.equal((await stat(first.path)).mode & 0o777, 0o600)
    const second = await loadOrCreateIdentity(dataDir)
    assert.equal(second.created, false)
    assert.equal(second.peerId, first.peerId)
    assert.deepEqual(second.warnings, [])
    assert.deepEqual(await readdir(dataDir), [IDENTITY_FILE], 'no temporary file is left behind')
  })

  it('two peers creating the key at once (same data dir) end with one key that both use', async () => {
    const [a, b] = await Promise.all([loadOrCreateIdentity(dir), loadOrCreateIdentity(dir)])
    assert.equal(a.peerId, b.peerId)
    assert.equal([a.created, b.created].filter(Boolean).length, 1)
    assert.equal((await loadOrCreateIdentity(dir)).peerId, a.peerId)
    assert.deepEqual(await readdir(dir), [IDENTITY_FILE])
  })

  it('warns when the key file is readable by others, and still loads it', async () => {
    const id = await loadOrCreateIdentity(dir)
    await chmod(id.path, 0o644)
    const again = await loadOrCreateIdentity(dir)
    assert.equal(again.peerId, id.peerId)
    assert.equal(again.warnings.length, 1)
    assert.match(again.warnings[0], /0644/)
  })

  const bad: Array<{ id: string, content: () => Promise<Uint8Array> }> = [
    { id: 'garbage bytes', content: async () => new TextEncoder().encode('not a key at all') },
    { id: 'an empty file', content: async () => new Uint8Array(0) },
    { id: 'a secp256k1 key', content: async () => privateKeyToProtobuf(await generateKeyPair('secp256k1')) },
    { id: 'a file far too large', content: async () => new Uint8Array(10_000) }
  ]
  for (const c of bad) {
    it(`refuses ${c.id} with InvalidIdentityFileError and leaves it untouched`, async () => {
      const path = join(dir, IDENTITY_FILE)
      const bytes = await c.content()
      await writeFile(path, bytes, { mode: 0o600 })
      await assert.rejects(loadOrCreateIdentity(dir), (err: Error) => err.name === 'InvalidIdentityFileError')
      assert.equal((await stat(path)).size, bytes.length)
    })
  }

  it('refuses a directory in place of the key file', async () => {
    await mkdir(join(dir, IDENTITY_FILE))
    await assert.rejects(loadOrCreateIdentity(dir), (err: Error) => err.name === 'InvalidIdentityFileError')
  })
})
