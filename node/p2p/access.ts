/**
 * What a peer tells its operator about who may connect: one line on the swarm key and the allowlist at start
 * (or the warning that anyone can), and one line for the first refused connection of each peer (later ones
 * are only counted, so a peer redialling every second does not flood the log).
 */
import type { RefusedPeer } from './allowlist.ts'
import type { SwarmKey } from './swarm-key.ts'

/** Distinct refused peers named in the log; past it refusals are still counted, not logged. */
const MAX_LOGGED_REFUSALS = 1024

export interface AccessNotes {
  info: string[]
  warnings: string[]
}

/** The start-up lines describing who may connect to this peer. */
export function accessNotes (access: { swarmKey?: SwarmKey, allowPeers?: readonly string[] }): AccessNotes {
  const info: string[] = []
  const warnings: string[] = []
  if (access.swarmKey !== undefined) {
    info.push(`private swarm: only peers with the key of fingerprint ${access.swarmKey.fingerprint} (${access.swarmKey.source}) can connect`)
  }
  if (access.allowPeers !== undefined) {
    info.push(`allowlist: only ${access.allowPeers.length} PeerId${access.allowPeers.length === 1 ? '' : 's'} may connect (checked after the Noise handshake)`)
  }
  if (access.swarmKey === undefined && access.allowPeers === undefined) {
    warnings.push('no --swarm-key and no --allow-peers: anyone who can reach this peer\'s port can join the run and send it models; ' +
      'create a key with `murmur swarm-key --out FILE` and give it to every peer (README, "Private swarms")')
  }
  return { info, warnings }
}

export interface RefusalReporter {
  /** pass as createPeerNode's onRefused */
  onRefused: (r: RefusedPeer) => void
  /** refusals so far, all peers */
  count: () => number
}

/** Logs the first refusal of each peer through `log`, counts every one. */
export function refusalReporter (log: (line: string) => void): RefusalReporter {
  const named = new Set<string>()
  let count = 0
  return {
    onRefused: (r) => {
      count++
      if (named.has(r.peerId) || named.size >= MAX_LOGGED_REFUSALS) return
      named.add(r.peerId)
      const what = r.direction === 'dial' ? 'did not dial' : r.direction === 'inbound' ? 'refused a connection from' : 'closed a connection to'
      log(`${what} ${r.peerId}${r.remoteAddr !== undefined ? ` at ${r.remoteAddr}` : ''}: not on the --allow-peers list (further refusals of it are not logged)`)
    },
    count: () => count
  }
}
