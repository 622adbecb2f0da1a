import assert from 'node:assert/strict'
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateSwarmKey, parseSwarmKey, readSwarmKey, writeSwarmKey } from '../../../node/p2p/index.ts'

const HEX = 'dffb7e3135399a8b1612b2aaca1c36a3a8ac2cd0cca51ceeb2ced87d308cac6d'
const FILE = `/key/swarm/psk/1.0.0/\n/base16/\n${HEX}\n`

describe('node/p2p swarm key', function () {
  let dir: string
  beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'murmur-swarm-key-')) })
  afterEach(async () => { await rm(dir, { recursive: true, force: true }) })

  it('generates keys in the pnet v1 format that parse back, each different', () => {
    const a = generateSwarmKey()
    const b = generateSwarmKey()
    assert.match(a, /^\/key\/swarm\/psk\/1\.0\.0\/\n\/base16\/\n[0-9a-f]{64}\n$/)
    assert.notEqual(a, b)
    assert.notEqual(parseSwarmKey(a).fingerprint, parseSwarmKey(b).fingerprint)
  })

  it('parses a key file into canonical bytes and a fingerprint, whatever the line endings and hex case', () => {
    const k = parseSwarmKey(FILE)
    assert.equal(new TextDecoder().decode(k.psk), FILE.trimEnd())
    assert.match(k.fingerprint, /^[0-9a-f]{16}$/)
    const crlf = parseSwarmKey(FILE.replace(/\n/g, '\r\n').replace(HEX, HEX.toUpperCase()))
    assert.deepEqual(crlf.psk, k.psk)
    assert.equal(crlf.fingerprint, k.fingerprint)
  })

  const bad: Array<{ id: string, text: string }> = [
    { id: 'empty', text: '' },
    { id: 'wrong header', text: FILE.replace('/key/swarm/psk/1.0.0/', '/key/swarm/psk/2.0.0/') },
    { id: 'wrong encoding', text: FILE.replace('/base16/', '/base64/') },
    { id: 'short key', text: FILE.replace(HEX, HEX.slice(2)) },
    { id: 'not hex', text: FILE.replace(HEX, 'z' + HEX.slice(1)) },
    { id: 'extra line', text: FILE + 'more\n' },
    { id: 'a PeerId instead', text: '12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA\n' }
  ]
  for (const { id, text } of bad) {
    it(`refuses a malformed key: ${id}`, () => {
      assert.throws(() => parseSwarmKey(text, 'k'), (err: Error) => err.name === 'InvalidSwarmKeyError')
    })
  }

  it('writes a key with mode 0600 that reads back, and will not overwrite one without force', async () => {
    const path = join(dir, 'swarm.key')
    const written = await writeSwarmKey(path)
    assert.equal((await stat(path)).mode & 0o777, 0o600)
    const read = await readSwarmKey(path)
    assert.deepEqual(read.psk, written.psk)
    assert.equal(read.source, path)
    await assert.rejects(writeSwarmKey(path), (err: Error) => err.name === 'SwarmKeyExistsError')
    assert.deepEqual((await readSwarmKey(path)).psk, written.psk, 'the refused write left the old key')
    const replaced = await writeSwarmKey(path, { force: true })
    assert.notDeepEqual(replaced.psk, written.psk)
    assert.equal((await stat(path)).mode & 0o777, 0o600)
    assert.deepEqual((await readSwarmKey(path)).psk, replaced.psk)
  })

  it('refuses a key file readable by group or others, and a missing one, with named errors', async () => {
    const path = join(dir, 'swarm.key')
    await writeFile(path, FILE, { mode: 0o600 })
    await chmod(path, 0o644)
    await assert.rejects(readSwarmKey(path), (err: Error & { mode?: number }) => err.name === 'InsecureSwarmKeyError' && err.mode === 0o644)
    await chmod(path, 0o640)
    await assert.rejects(readSwarmKey(path), (err: Error) => err.name === 'InsecureSwarmKeyError')
    await chmod(path, 0o400)
    assert.equal((await readSwarmKey(path)).fingerprint, parseSwarmKey(FILE).fingerprint, 'owner-only read is fine')
    await assert.rejects(readSwarmKey(join(dir, 'none.key')), (err: Error) => err.name === 'SwarmKeyNotFoundError')
    await assert.rejects(readSwarmKey(dir), (err: Error) => err.name === 'InvalidSwarmKeyError')
    assert.equal(await readFile(path, 'utf8'), FILE)
  })
})
