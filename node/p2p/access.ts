/**
 * What a peer tells its operator about who may connect: one line on the swarm key and the allowlist at start
 * (or the warning that anyone can), one line for the first refused connection of each peer, and one for the first
 * incoming connection of each host that failed its handshake (a peer with another --swarm-key, or none). Later
 * ones are only counted, so a peer redialling every second does not flood the log.
 */
import type { RefusedPeer } from './allowlist.ts'
import type { HandshakeFailure } from './handshake-watch.ts'
import type { SwarmKey } from './swarm-key.ts'

/** Distinct refused peers named in the log; past it refusals are still counted, not logged. */
const MAX_LOGGED_REFUSALS = 1024
/** Distinct hosts whose failed handshakes are named in the log; past it failures are still counted, not logged. */
const MAX_LOGGED_HANDSHAKE_HOSTS = 64

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

/**
 * Counts every event and calls `first` for the first one of each key, for at most `max` keys: what a log that names
 * each offender once, and counts the rest, needs.
 */
function firstOfEach<T> (key: (e: T) => string, max: number, first: (e: T) => void): { on: (e: T) => void, count: () => number } {
  const named = new Set<string>()
  let count = 0
  return {
    on: (e) => {
      count++
      const k = key(e)
      if (named.has(k) || named.size >= max) return
      named.add(k)
      first(e)
    },
    count: () => count
  }
}

/** Logs the first refusal of each peer through `log`, counts every one. */
export function refusalReporter (log: (line: string) => void): RefusalReporter {
  const each = firstOfEach<RefusedPeer>((r) => r.peerId, MAX_LOGGED_REFUSALS, (r) => {
    const what = r.direction === 'dial' ? 'did not dial' : r.direction === 'inbound' ? 'refused a connection from' : 'closed a connection to'
    log(`${what} ${r.peerId}${r.remoteAddr !== undefined ? ` at ${r.remoteAddr}` : ''}: not on the --allow-peers list (further refusals of it are not logged)`)
  })
  return { onRefused: each.on, count: each.count }
}

export interface HandshakeFailureReporter {
  /** pass as createPeerNode's onHandshakeFailed */
  onFailed: (f: HandshakeFailure) => void
  /** failed incoming handshakes so far, all hosts */
  count: () => number
}

/**
 * What an incoming connection that failed its handshake most likely was, for a peer with a swarm key (`keyed`) or
 * without: the handshake and its likely cause, to follow "failed during".
 */
export function handshakeFailureCause (keyed: boolean): string {
  return keyed
    ? 'the private-network handshake (a peer with another --swarm-key, or none?)'
    : 'the encryption handshake (a peer with a --swarm-key, which this one does not have?)'
}

/** Logs the first failed incoming handshake of each host through `log`, counts every one. */
export function handshakeFailureReporter (log: (line: string) => void, keyed: boolean): HandshakeFailureReporter {
  const each = firstOfEach<HandshakeFailure>((f) => f.remoteHost, MAX_LOGGED_HANDSHAKE_HOSTS, (f) => {
    log(`an incoming connection from ${f.remoteAddr} failed during ${handshakeFailureCause(keyed)}. ` +
      'Compare the key fingerprints each peer logs at start; further failures from that host are counted in the waiting note, not logged')
  })
  return { onFailed: each.on, count: each.count }
}
