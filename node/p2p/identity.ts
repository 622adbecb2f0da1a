/**
 * The peer's long-lived Ed25519 key in `<data-dir>/identity.key`, so a restarted peer keeps its PeerId.
 * Stored as libp2p's protobuf PrivateKey encoding; created with mode 0600 and published by link(2), which
 * fails if another process created the file first (then that file is used), so no reader ever sees half a key.
 */
import { randomBytes } from 'node:crypto'
import { mkdir, open, link, readFile, stat, unlink } from 'node:fs/promises'
import { join } from 'node:path'
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import type { PrivateKey } from '@libp2p/interface'
import { IDENTITY_FILE } from './constants.ts'
import { InvalidIdentityFileError } from './errors.ts'

export interface Identity {
  privateKey: PrivateKey
  /** the PeerId string (`12D3KooW…`) */
  peerId: string
  /** absolute or caller-relative path of the key file */
  path: string
  /** true when this call generated the key */
  created: boolean
  /** problems worth telling the user that do not stop the peer (e.g. a key file readable by others) */
  warnings: string[]
}

/** Largest key file read: an Ed25519 protobuf key is 68 bytes; anything far larger is not one. */
const MAX_KEY_FILE_BYTES = 4096

/**
 * Reads the key in `<dataDir>/identity.key`, or creates one (and `dataDir`, mode 0700) if there is none.
 * Throws InvalidIdentityFileError when the file holds anything but an Ed25519 private key.
 */
export async function loadOrCreateIdentity (dataDir: string): Promise<Identity> {
  const path = join(dataDir, IDENTITY_FILE)
  const existing = await readKeyFile(path)
  if (existing !== undefined) return await loaded(path, existing)

  await mkdir(dataDir, { recursive: true, mode: 0o700 })
  const key = await generateKeyPair('Ed25519')
  const tmp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`
  const handle = await open(tmp, 'wx', 0o600)
  try {
    await handle.writeFile(privateKeyToProtobuf(key))
    await handle.sync()
  } finally {
    await handle.close()
  }
  try {
    await link(tmp, path)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
    // another process created the key between our read and our link: use theirs
    const theirs = await readKeyFile(path)
    if (theirs === undefined) throw err
    return await loaded(path, theirs)
  } finally {
    await unlink(tmp).catch(() => {})
  }
  return { privateKey: key, peerId: peerIdFromPrivateKey(key).toString(), path, created: true, warnings: [] }
}

async function readKeyFile (path: string): Promise<Uint8Array | undefined> {
  try {
    const info = await stat(path)
    if (!info.isFile()) throw new InvalidIdentityFileError(path, `expected ${path} to be a file holding the peer's private key, found something else (a directory?)`)
    if (info.size > MAX_KEY_FILE_BYTES) throw new InvalidIdentityFileError(path, `expected ${path} to hold a protobuf Ed25519 private key (68 bytes), found ${info.size} bytes`)
    return await readFile(path)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw err
  }
}

async function loaded (path: string, bytes: Uint8Array): Promise<Identity> {
  let key: PrivateKey
  try {
    key = privateKeyFromProtobuf(bytes)
  } catch (err) {
    throw new InvalidIdentityFileError(path, `expected ${path} to hold a protobuf-encoded private key, found ${bytes.length} bytes that do not decode (${(err as Error).message}); move it away to create a new identity`)
  }
  if (key.type !== 'Ed25519') {
    throw new InvalidIdentityFileError(path, `expected an Ed25519 key in ${path}, found a ${key.type} key`)
  }
  return { privateKey: key, peerId: peerIdFromPrivateKey(key).toString(), path, created: false, warnings: await permissionWarnings(path) }
}

async function permissionWarnings (path: string): Promise<string[]> {
  // POSIX permission bits mean nothing on Windows
  if (process.platform === 'win32') return []
  const mode = (await stat(path)).mode & 0o777
  if ((mode & 0o077) === 0) return []
  return [`${path} has mode 0${mode.toString(8)}: other users can read the peer's private key; run chmod 600 ${path}`]
}
