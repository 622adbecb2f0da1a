/**
 * Why a peer waiting for its run hears no one, as far as it can tell: its connections (how many opened, how many
 * the other side closed right after the handshake, which is what an --allow-peers list does to a PeerId it does not
 * name, how many incoming ones failed their handshake, which is what a peer with another --swarm-key looks like to
 * the peer it dials) and the last failure of each bootstrap dial. Read for the notes a waiting peer prints, and for the error it
 * stops with when its start timeout passes and no peer of the run was ever heard (a peer told to --bootstrap from
 * someone does not start a run alone: a wrong address, port, swarm key, allowlist or --run-id would otherwise end
 * in a one-peer "run" that exits 0).
 */
// a connection closed within DROPPED_WITHIN_MS of opening was dropped by the other side's gater (as murmur watch counts them)
import { DROPPED_WITHIN_MS, handshakeFailureCause } from '../p2p/index.ts'

/** a waiting peer says how its wait goes this often */
export const WAIT_NOTE_MS = 30_000

export interface JoinWatch {
  /** a connection opened (libp2p 'connection:open') */
  opened: () => void
  /** a connection closed after `openMs` ms (libp2p 'connection:close') */
  closed: (openMs: number) => void
  /** a bootstrap dial failed (PeerNodeInit.onBootstrapFailed) */
  bootstrapFailed: (addr: string, error: Error) => void
  /** an incoming connection failed before its encryption handshake completed (PeerNodeInit.onHandshakeFailed) */
  handshakeFailed: () => void
  readonly connectionsOpened: number
  readonly dropped: number
  /** incoming connections that failed their handshake */
  readonly handshakeFailures: number
  /** whether this peer has a --swarm-key (which decides what a failed handshake most likely was) */
  readonly keyed: boolean
  /** the last failure of each bootstrap address that failed */
  readonly bootstrapFailures: ReadonlyMap<string, string>
}

export function createJoinWatch (init: { swarmKey?: boolean } = {}): JoinWatch {
  let opened = 0
  let dropped = 0
  let handshakes = 0
  const failures = new Map<string, string>()
  return {
    opened: () => { opened++ },
    closed: (openMs) => { if (openMs < DROPPED_WITHIN_MS) dropped++ },
    bootstrapFailed: (addr, error) => { failures.set(addr, `${error.name}: ${error.message}`) },
    handshakeFailed: () => { handshakes++ },
    get connectionsOpened () { return opened },
    get dropped () { return dropped },
    get handshakeFailures () { return handshakes },
    keyed: init.swarmKey === true,
    get bootstrapFailures () { return failures }
  }
}

export interface NoPeerContext {
  runId: string
  peerId: string
  peers: number
  bootstrap: readonly string[]
  waitedMs: number
}

/** The likely causes, most likely first, of hearing no peer of the run (one string, for a log line or an error). */
export function noPeerCauses (w: JoinWatch, c: Omit<NoPeerContext, 'waitedMs'>): string {
  const causes: string[] = []
  if (w.dropped > 0) {
    causes.push(`${w.dropped} connection${w.dropped === 1 ? ' was' : 's were'} closed by the other side right after the handshake: ` +
      `its --allow-peers list most likely does not name this peer (${c.peerId}); add it to every peer's list and restart them`)
  }
  if (w.handshakeFailures > 0) causes.push(`${handshakeFailuresNote(w).slice(2)}: compare the key fingerprints each peer logs at start`)
  for (const a of c.bootstrap) {
    const error = w.bootstrapFailures.get(a)
    if (error === undefined) continue
    // the dropped connections above: the same cause, said once
    if (w.dropped > 0 && error.startsWith('BootstrapConnectionDroppedError')) continue
    // a loopback address copied from a peer on another machine (started without --announce, or listening on 127.0.0.1)
    const hint = bootstrapHint(error) + (/^\/ip4\/127\.|^\/ip6\/::1\//.test(a)
      ? '. If that peer runs on another machine: a loopback address is this machine itself; give that machine\'s address (start the peer with --listen /ip4/0.0.0.0/tcp/PORT --announce /ip4/<its address>/tcp/PORT and copy the --bootstrap line it prints)'
      : '')
    causes.push(`could not connect to ${a} (${error}): ${hint}`)
  }
  if (w.connectionsOpened > w.dropped) {
    causes.push(`connected, but no peer announced run '${c.runId}': check that every peer has the same --run-id (and --config); ` +
      `or another process runs with this peer's PeerId (${c.peerId}; a data dir copied with its identity.key), and the peers hear that one instead: ` +
      'the peers it connected to say so in their logs. Delete the copy\'s identity.key (a new one is made at start) and restart it')
  }
  const own = c.bootstrap.filter((a) => a.endsWith(`/p2p/${c.peerId}`))
  if (w.connectionsOpened === 0 && own.length > 0 && own.length === c.bootstrap.length) {
    causes.push(`every --bootstrap address names this peer's own PeerId (${c.peerId}), so it dialled no one: give it another peer's --bootstrap line. ` +
      'If that line is another peer\'s, this data dir holds a copy of that peer\'s identity.key (a copied folder or machine image): delete this one\'s identity.key (a new one is made at start) and restart')
  }
  if (causes.length === 0) causes.push('no connection was made: check the --bootstrap address and that the peer runs')
  return causes.join('; ')
}

/**
 * The part of a waiting note on incoming connections that failed their handshake ('; 2 incoming connections failed
 * during the private-network handshake (a peer with another --swarm-key, or none?)'), or '' when none did: the peer
 * dialled by a peer with another key sees no peer and no refusal, only these.
 */
export function handshakeFailuresNote (w: JoinWatch): string {
  const n = w.handshakeFailures
  if (n === 0) return ''
  return `; ${n} incoming connection${n === 1 ? '' : 's'} failed during ${handshakeFailureCause(w.keyed)}`
}

/** What to check after a bootstrap dial failed with `error` (name: message) */
export function bootstrapHint (error: string): string {
  if (/^BootstrapConnectionDroppedError/.test(error)) return 'the other side\'s --allow-peers list most likely does not name this peer'
  if (/does not match expected remote identity/.test(error)) return 'a peer runs at that address, but not the one named by /p2p/…: copy the --bootstrap line that peer printed at start'
  if (/EncryptionFailedError|HandshakeTimeoutError|Message length too long/.test(error)) return 'the connection broke during encryption: most likely the peers do not have the same --swarm-key (compare the fingerprints each logs at start; one without a key cannot connect to one with)'
  if (/ECONNREFUSED/.test(error)) return 'nothing listens on that port there: check the port, and that the peer runs'
  if (/EHOSTUNREACH|ENETUNREACH|Timeout|timed out|aborted/i.test(error)) return 'the address cannot be reached: check the address and that the port is open in the firewalls of both machines'
  return 'check the address and port (as the first peer printed them), that the peer runs and that its port is open; every peer needs the same --swarm-key (or none)'
}

/** The error message of a peer whose start timeout passed with no peer of the run heard. */
export function noPeerMessage (w: JoinWatch, c: NoPeerContext): string {
  return `no other peer of run '${c.runId}' heard in ${Math.round(c.waitedMs / 1000)} s (--start-timeout), so this peer does not start a ${c.peers}-peer run alone. ` +
    `${noPeerCauses(w, c)}`
}

/**
 * The log line at start of a peer whose whole --bootstrap list names itself (it dials no one: it waits to be dialled,
 * as a first peer does), or undefined. Meant when the same list is given to every peer, the first one included;
 * otherwise the peer was given its own line, or its data dir holds a copy of the bootstrap peer's identity.key.
 */
export function selfBootstrapNote (bootstrap: readonly string[], peerId: string): string | undefined {
  if (bootstrap.length === 0 || !bootstrap.every((a) => a.endsWith(`/p2p/${peerId}`))) return undefined
  return `note: every --bootstrap address names this peer itself (${peerId}): it dials no one and waits for the others to dial it. ` +
    'If it was meant to join another peer, give it that peer\'s --bootstrap line; if that line was another peer\'s, this data dir holds a copy of its identity.key: ' +
    'delete this one\'s identity.key (a new one is made at start)'
}

/**
 * The log line of two processes under one PeerId: another peer's, told apart by identify (node/p2p
 * onSharedIdentity) or by membership ('identity-conflict'), or this peer's own (membership heard the other one).
 */
export function sharedIdentityNote (s: { id: string, self: boolean, where: readonly string[] }, selfId: string): string {
  const who = s.self || s.id === selfId ? 'this peer\'s own PeerId' : `PeerId ${s.id}`
  return `warning: two processes run with ${who}${s.self || s.id === selfId ? ` (${selfId})` : ''} (${s.where.join('; ')}): a data dir or machine image copied with its identity.key. ` +
    'Peers cannot tell the two apart: one of them hears nothing and trains alone or waits. Stop one of them, delete its identity.key (a new one is made at start) and start it again'
}

/**
 * The log line of a slot claimed by several live peers (membership's 'slot-conflict'): they train on the same data
 * shard with the same random streams. Meant when more machines join than the run has slots (a later peer shares a
 * slot, as `murmur cluster`'s joiners do); otherwise a --shard typed twice, which nothing else would reveal.
 */
export function slotConflictNote (c: { slot: number, ids: readonly string[] }, selfId: string, peers: number): string {
  const others = c.ids.filter((id) => id !== selfId)
  if (others.length === c.ids.length) return `note: slot ${c.slot} is claimed by ${c.ids.length} live peers (${c.ids.join(', ')}): they train on the same data shard`
  return `warning: this peer's slot ${c.slot} (--shard ${c.slot}/${peers}) is also claimed by ${others.join(', ')}: they train on the same data shard with the same random streams. ` +
    'Meant if more machines join than the run has slots; otherwise stop this peer and restart it with a --shard no live peer has'
}
