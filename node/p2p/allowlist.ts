/**
 * The PeerId allowlist (`--allow-peers FILE`): one PeerId a line, `#` comments. Enforced by the libp2p
 * connection gater once Noise has authenticated the remote (a PeerId is only known, and only proven, after
 * the handshake), in both directions, and before dialling a peer whose id is known; a refused connection is
 * closed before the stream multiplexer starts, so no protocol handler of this peer ever sees it.
 */
import { readFile, stat } from 'node:fs/promises'
import { peerIdFromString } from '@libp2p/peer-id'
import type { ConnectionGater, PeerId } from '@libp2p/interface'
import { AllowlistNotFoundError, InvalidAllowlistError } from './errors.ts'

/** Largest allowlist file read (about 18,000 PeerIds). */
const MAX_ALLOWLIST_FILE_BYTES = 1024 * 1024

/** Which gater hook refused: an inbound or outbound connection after Noise, or a dial before it. */
export type RefusalDirection = 'inbound' | 'outbound' | 'dial'

export interface RefusedPeer {
  peerId: string
  direction: RefusalDirection
  /** the remote address, when the connection got that far */
  remoteAddr?: string
}

/** Parses an allowlist's text into distinct PeerId strings; InvalidAllowlistError names the line. */
export function parseAllowlist (text: string, source = 'allowlist'): string[] {
  const ids = new Set<string>()
  const lines = text.split(/\r\n|\n|\r/)
  lines.forEach((raw, i) => {
    const line = raw.replace(/#.*$/, '').trim()
    if (line === '') return
    if (/\s/.test(line)) {
      throw new InvalidAllowlistError(source, i + 1, `${source}:${i + 1}: expected one PeerId a line, found '${line}'`)
    }
    try {
      ids.add(peerIdFromString(line).toString())
    } catch {
      // the decoder's own words ("Please pass a multibase decoder …") tell a user nothing: say what a PeerId looks like
      const inAddr = /\/p2p\/([^/]+)/.exec(line)?.[1]
      throw new InvalidAllowlistError(source, i + 1, `${source}:${i + 1}: '${line}' is not a PeerId; expected one a line, ` +
        '52 characters starting 12D3KooW… as each peer logs at start (murmur peer --data-dir DIR --print-id prints it without starting the peer)' +
        (inAddr !== undefined ? `. For a multiaddr, keep only the PeerId after /p2p/: ${inAddr}` : ''))
    }
  })
  if (ids.size === 0) {
    throw new InvalidAllowlistError(source, 0, `${source}: lists no PeerId, so every peer would be refused; put one PeerId a line (# starts a comment)`)
  }
  return [...ids]
}

/** Reads `--allow-peers FILE`. */
export async function readAllowlist (path: string): Promise<string[]> {
  let info
  try {
    info = await stat(path)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new AllowlistNotFoundError(path, `--allow-peers ${path}: no such file`)
    throw err
  }
  if (!info.isFile()) throw new InvalidAllowlistError(path, 0, `--allow-peers ${path}: expected a file of PeerIds, found something else (a directory?)`)
  if (info.size > MAX_ALLOWLIST_FILE_BYTES) {
    throw new InvalidAllowlistError(path, 0, `--allow-peers ${path}: expected at most ${MAX_ALLOWLIST_FILE_BYTES} bytes, found ${info.size}`)
  }
  return parseAllowlist(await readFile(path, 'utf8'), path)
}

/**
 * A connection gater that admits only `allowed` PeerIds: denyInboundEncryptedConnection and
 * denyOutboundEncryptedConnection run after Noise has proven the remote's id; denyDialPeer saves the
 * handshake when the id is known before dialling. Every refusal is reported to `onRefused`.
 */
export function allowlistGater (allowed: Iterable<string>, onRefused?: (r: RefusedPeer) => void): ConnectionGater {
  const set = new Set(allowed)
  const deny = (direction: RefusalDirection, peer: PeerId, remoteAddr?: { toString: () => string }): boolean => {
    const id = peer.toString()
    if (set.has(id)) return false
    const refusal: RefusedPeer = { peerId: id, direction }
    if (remoteAddr !== undefined) refusal.remoteAddr = remoteAddr.toString()
    onRefused?.(refusal)
    return true
  }
  return {
    denyDialPeer: (peer) => deny('dial', peer),
    denyInboundEncryptedConnection: (peer, maConn) => deny('inbound', peer, maConn.remoteAddr),
    denyOutboundEncryptedConnection: (peer, maConn) => deny('outbound', peer, maConn.remoteAddr)
  }
}
