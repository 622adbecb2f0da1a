/**
 * The pre-shared key of a private swarm (`--swarm-key FILE`, libp2p pnet): every connection is wrapped in
 * XSalsa20 keyed with it before Noise starts, so a peer without the same key cannot complete a handshake.
 * The file format is the one go-libp2p and IPFS use for `swarm.key`:
 *
 *   /key/swarm/psk/1.0.0/
 *   /base16/
 *   <64 hex digits: 32 random bytes>
 *
 * Files are created with mode 0600 and published by link(2) (as identity.key), and a key file that other
 * users can read is refused: anyone who can read it can join the swarm.
 */
import { createHash, randomBytes } from 'node:crypto'
import { chmod, link, open, readFile, rename, stat, unlink } from 'node:fs/promises'
import { InsecureSwarmKeyError, InvalidSwarmKeyError, SwarmKeyExistsError, SwarmKeyNotFoundError } from './errors.ts'

/** First line of a pnet v1 key file. */
export const SWARM_KEY_HEADER = '/key/swarm/psk/1.0.0/'
/** Second line: the encoding of the key line (the only one libp2p pnet reads). */
export const SWARM_KEY_ENCODING = '/base16/'
/** Bytes of the key itself (XSalsa20 key size). */
export const SWARM_KEY_BYTES = 32
/** Largest key file read: a key file is 95 bytes; anything far larger is not one. */
const MAX_SWARM_KEY_FILE_BYTES = 1024
const HEX_KEY = /^[0-9a-fA-F]{64}$/

export interface SwarmKey {
  /** the key file in canonical form (lower-case hex, LF), as @libp2p/pnet `preSharedKey({ psk })` takes it */
  psk: Uint8Array
  /**
   * first 16 hex digits of SHA-256 over the 32 key bytes: printed at start so that operators can check that
   * two machines hold the same key without showing the key
   */
  fingerprint: string
  /** where the key came from (a path, or a label for keys not read from a file) */
  source: string
}

/** A new key file's text (32 bytes from the operating system's CSPRNG, never a seeded stream). */
export function generateSwarmKey (): string {
  return `${SWARM_KEY_HEADER}\n${SWARM_KEY_ENCODING}\n${randomBytes(SWARM_KEY_BYTES).toString('hex')}\n`
}

/** Parses a key file's text; InvalidSwarmKeyError names what was expected and what the file holds. */
export function parseSwarmKey (text: string, source = 'swarm key'): SwarmKey {
  const lines = text.split(/\r\n|\n|\r/).map((l) => l.trim())
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop()
  const fix = 'create a key with `murmur swarm-key --out FILE` and give every peer of the swarm a copy'
  if (lines[0] !== SWARM_KEY_HEADER) {
    throw new InvalidSwarmKeyError(source, `${source}: expected a libp2p swarm key whose first line is ${SWARM_KEY_HEADER}, found ${describeLine(lines[0])}; ${fix}`)
  }
  if (lines[1] !== SWARM_KEY_ENCODING) {
    throw new InvalidSwarmKeyError(source, `${source}: expected ${SWARM_KEY_ENCODING} on line 2 (the only key encoding libp2p reads), found ${describeLine(lines[1])}; ${fix}`)
  }
  const hex = lines[2] ?? ''
  if (!HEX_KEY.test(hex)) {
    throw new InvalidSwarmKeyError(source, `${source}: expected ${SWARM_KEY_BYTES * 2} hex digits (${SWARM_KEY_BYTES} bytes) on line 3, found ${hex.length} characters${hex.length > 0 && !/^[0-9a-fA-F]*$/.test(hex) ? ' that are not all hex digits' : ''}; ${fix}`)
  }
  if (lines.length > 3) {
    throw new InvalidSwarmKeyError(source, `${source}: expected 3 lines (header, encoding, key), found ${lines.length}; ${fix}`)
  }
  const key = Buffer.from(hex, 'hex')
  const fingerprint = createHash('sha256').update(key).digest('hex').slice(0, 16)
  return { psk: new TextEncoder().encode(`${SWARM_KEY_HEADER}\n${SWARM_KEY_ENCODING}\n${hex.toLowerCase()}`), fingerprint, source }
}

/**
 * Reads `--swarm-key FILE`. Refuses (InsecureSwarmKeyError) a file whose mode lets group or others read or
 * write it, with the chmod that fixes it; SwarmKeyNotFoundError when there is no such file.
 */
export async function readSwarmKey (path: string): Promise<SwarmKey> {
  let info
  try {
    info = await stat(path)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new SwarmKeyNotFoundError(path, `--swarm-key ${path}: no such file; create it with \`murmur swarm-key --out ${path}\` and copy it to every peer of the swarm`)
    }
    throw err
  }
  if (!info.isFile()) throw new InvalidSwarmKeyError(path, `--swarm-key ${path}: expected a file holding the swarm key, found something else (a directory?)`)
  if (info.size > MAX_SWARM_KEY_FILE_BYTES) {
    throw new InvalidSwarmKeyError(path, `--swarm-key ${path}: expected a swarm key file of about 95 bytes, found ${info.size} bytes`)
  }
  // POSIX permission bits mean nothing on Windows
  const mode = info.mode & 0o777
  if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
    throw new InsecureSwarmKeyError(path, mode, `--swarm-key ${path} has mode 0${mode.toString(8)}: other users of this machine can read the key and join the swarm; run chmod 600 ${path}`)
  }
  return parseSwarmKey(await readFile(path, 'utf8'), path)
}

/**
 * Creates a key file with mode 0600 (`murmur swarm-key --out FILE`). An existing file is kept
 * (SwarmKeyExistsError) unless `force`, in which case it is replaced atomically, never left half-written.
 */
export async function writeSwarmKey (path: string, opts: { force?: boolean } = {}): Promise<SwarmKey> {
  const text = generateSwarmKey()
  const tmp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`
  const handle = await open(tmp, 'wx', 0o600)
  try {
    await handle.writeFile(text)
    await handle.sync()
  } finally {
    await handle.close()
  }
  try {
    // open() applies the umask; the mode must be 0600 whatever it is
    await chmod(tmp, 0o600)
    if (opts.force === true) {
      await rename(tmp, path)
    } else {
      await link(tmp, path).catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'EEXIST') {
          throw new SwarmKeyExistsError(path, `${path} exists: replacing a swarm key locks out every peer that has the old one; choose another file, or pass --force to replace it`)
        }
        throw err
      })
    }
  } finally {
    await unlink(tmp).catch(() => {})
  }
  return parseSwarmKey(text, path)
}

function describeLine (line: string | undefined): string {
  if (line === undefined || line === '') return 'an empty line'
  return line.length > 40 ? `'${line.slice(0, 40)}…'` : `'${line}'`
}
