/**
 * What `murmur watch` tells its user beside the view: the command line that watches a run (printed by
 * `murmur cluster`), the notice when no peer summary has arrived, with the causes the evidence points to first,
 * and the line after a failed dial of the bootstrap peer. Pure text, no I/O.
 */
import { DEFAULT_RUN_ID } from '../../lib/experiment/agreement.ts'
// murmur peer's own reading of a failed bootstrap dial, so that an observer and a peer name the same cause
import { bootstrapHint } from '../peer/join-watch.ts'

export interface WatchCommandInit {
  /** a running peer's address, with /p2p/<peer id> */
  bootstrap: string
  /** the run's --run-id; left out when it is the default */
  runId?: string
  /** the run's --swarm-key file, if it has one */
  swarmKeyFile?: string
  /** the observer's --data-dir, whose PeerId the peers' --allow-peers list names */
  dataDir?: string
}

/** `npx murmur watch …` with what an observer of this run needs: its bootstrap peer, run id, swarm key and identity. */
export function watchCommandLine (init: WatchCommandInit): string {
  const args = ['npx', 'murmur', 'watch', '--bootstrap', init.bootstrap]
  if (init.runId !== undefined && init.runId !== DEFAULT_RUN_ID) args.push('--run-id', init.runId)
  if (init.swarmKeyFile !== undefined) args.push('--swarm-key', shellWord(init.swarmKeyFile))
  if (init.dataDir !== undefined) args.push('--data-dir', shellWord(init.dataDir))
  return args.join(' ')
}

/** What the observer has seen when no summary has come (the evidence the causes are ordered by). */
export interface NoSummaryEvidence {
  runId: string
  /** ms since the observer started */
  waitedMs: number
  /** the --bootstrap addresses */
  bootstrap: readonly string[]
  /** the observer's --swarm-key, if any */
  swarmKey?: { source: string, fingerprint: string }
  /** peers the observer is connected to now */
  connections: number
  /** membership announcements of the run heard so far */
  announcements: number
  /** this observer's PeerId */
  observerId?: string
  /** the --data-dir keeping the observer's key, if any (else its PeerId is new at each start) */
  dataDir?: string
  /**
   * connections the peers closed right after the handshake (the observer's `dropped`): an allowlist refuses after
   * Noise has proven who dialled, so the dial succeeds and the connection is closed at once
   */
  dropped?: number
  /**
   * the latest failed dial of the bootstrap peer broke during encryption (`failedDuringEncryption`): what a private
   * network's handshake does to a connection whose keys differ, or that has a key on one side only
   */
  encryptionFailed?: boolean
}

/**
 * The notice printed once when no peer summary has arrived: what was seen, then every likely cause, those the
 * evidence points to first. Without a connection the address or the swarm key is at fault (pnet refuses a
 * connection whose keys differ), unless connections were made and closed at once: then an allowlist that does not
 * name the observer; connected but without announcements, the run id or the address; with announcements but no
 * summary, the peers' telemetry or a run that has not begun its rounds.
 */
export function noSummaryNotice (e: NoSummaryEvidence): string {
  const address = `the --bootstrap address (${e.bootstrap.join(', ')}) is not a running peer of this run: use one a peer of the run printed at start (peer id …, --bootstrap …)`
  const key = e.swarmKey === undefined
    ? 'a swarm key mismatch: this observer has no --swarm-key; if the peers run with --swarm-key FILE, pass the same file'
    : `a swarm key mismatch: this observer uses --swarm-key ${e.swarmKey.source} (fingerprint ${e.swarmKey.fingerprint}); the peers must run with the same key (each logs its fingerprint at start), and peers without a key need a watch without one`
  const id = e.observerId === undefined ? '' : ` ${e.observerId}`
  const allowlist = e.dataDir === undefined
    ? `an --allow-peers list on the peers that does not name this observer: its PeerId${id} is new at each start; run watch with --data-dir DIR to keep one (--print-id prints it) and add that to the peers' list`
    : `an --allow-peers list on the peers that does not name this observer: add its PeerId${id} (kept in --data-dir ${e.dataDir}) to the peers' list (they read it at start: restart them with it)`
  const dropped = e.dropped ?? 0
  const runId = `a wrong --run-id: this observer watches run '${e.runId}'; pass the peers' --run-id`
  const telemetry = 'the peers publish no summaries: they run with --telemetry-every 0, or the run has not begun its rounds (it waits for --peers members)'
  const causes = e.connections === 0
    ? dropped > 0 ? [allowlist, address, key, runId, telemetry] : e.encryptionFailed === true ? [key, address, allowlist, runId, telemetry] : [address, key, allowlist, runId, telemetry]
    : e.announcements === 0 ? [runId, address, telemetry, key] : [telemetry, runId, address, key]
  const seen = `connected to ${e.connections} peer${e.connections === 1 ? '' : 's'}` +
    `${dropped > 0 ? ` (${dropped} connection${dropped === 1 ? '' : 's'} closed by the peer right after the handshake)` : e.connections === 0 && e.encryptionFailed === true ? ' (the dials broke during encryption)' : ''}, ${e.announcements} membership announcement${e.announcements === 1 ? '' : 's'} of run '${e.runId}' heard`
  return `no peer summary after ${Number((e.waitedMs / 1000).toFixed(1))} s (${seen}). Likely causes, most likely first:\n` +
    causes.map((c) => `  - ${c}`).join('\n') + '\nStill watching.'
}

/** A failed redial of a --bootstrap address (node/p2p BootstrapFailure), and the observer's own swarm key. */
export interface BootstrapFailureNote {
  addr: string
  /** failures of this address in a row */
  attempts: number
  error: Error
  swarmKey?: { fingerprint: string }
}

/**
 * Whether a failed dial broke during encryption, as murmur peer classifies it (node/peer bootstrapHint): the private
 * network's handshake refusing another key, or a key on one side only. libp2p reports it as EncryptionFailedError,
 * whose message is a frame-length complaint or, on a later redial, only a timeout.
 */
export function failedDuringEncryption (error: Error): boolean {
  return bootstrapHint(`${error.name}: ${error.message}`) === bootstrapHint('EncryptionFailedError')
}

/**
 * The line after a failed redial of a --bootstrap address: the error with murmur peer's reading of it, the swarm
 * key first when the dial broke during encryption. An allowlist's close is named by the error itself.
 */
export function bootstrapFailureNote (f: BootstrapFailureNote): string {
  const head = `cannot connect to ${f.addr} (${f.attempts} ${f.attempts === 1 ? 'try' : 'tries'}): ${f.error.name}: ${f.error.message}`
  if (f.error.name === 'BootstrapConnectionDroppedError') return head
  const hint = bootstrapHint(`${f.error.name}: ${f.error.message}`)
  if (failedDuringEncryption(f.error)) {
    return `${head}: ${hint}. ${f.swarmKey === undefined
      ? 'This observer has no --swarm-key: pass the peers\' file with --swarm-key FILE'
      : `This observer's --swarm-key has fingerprint ${f.swarmKey.fingerprint}: the peers' must be the same file`}`
  }
  return `${head}: ${hint}; the observer needs the peers' --swarm-key${f.swarmKey === undefined ? ' if they use one' : ` (this one has fingerprint ${f.swarmKey.fingerprint})`}`
}

/** A path as one shell word: quoted unless it is only safe characters. */
function shellWord (text: string): string {
  return /^[\w./:@%+=,-]+$/.test(text) ? text : `'${text.replaceAll("'", "'\\''")}'`
}
