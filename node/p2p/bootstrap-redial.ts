/**
 * Redialling the bootstrap list while a node has no connection at all, and telling the caller which address fails
 * and why: a dial that fails, and a dial that connects only for the other side to close the connection right after
 * the handshake (its --allow-peers list does not name this PeerId). The second kind "succeeds" as a dial, so
 * without the watch on the connection's close a peer refused by an allowlist would wait without a word.
 */
import type { Connection, Libp2p } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import { BOOTSTRAP_DIAL_TIMEOUT_MS, BOOTSTRAP_REPORT_EVERY, DROPPED_WITHIN_MS } from './constants.ts'
import { BootstrapConnectionDroppedError, HandshakeTimeoutError } from './errors.ts'
import { peerIdOfAddr } from './addrs.ts'

export interface BootstrapFailure {
  addr: string
  /** failures of this address in a row */
  attempts: number
  error: Error
  /**
   * the node had a connection before (the end of a run, or a network gone): not a misconfiguration. For a
   * BootstrapConnectionDroppedError, only a connection that stayed open DROPPED_WITHIN_MS counts
   */
  hadConnections: boolean
}

/**
 * @libp2p/bootstrap dials its list once, shortly after start; peers of a cluster started together may dial
 * before the bootstrap peer listens. While the node has no connection at all, redial the list every `everyMs`,
 * and report a failing address on its first failure, then every BOOTSTRAP_REPORT_EVERY-th.
 */
export function keepBootstrapped (node: Libp2p, list: readonly string[], everyMs: number, onFailed?: (failure: BootstrapFailure) => void,
  handshaking?: (peerId: string, since: number) => boolean): void {
  if (list.length === 0 || everyMs <= 0) return
  const addrs = list.map((a) => multiaddr(a))
  const self = node.peerId.toString()
  const log = node.logger.forComponent('murmur:node:p2p')
  const failures = new Map<string, number>()
  // connections made by a redial, by id, until they have stayed open DROPPED_WITHIN_MS (or closed sooner)
  const redialed = new Map<string, string>()
  // a node that had connections and lost them all (its neighbours left, or the network went) is not misconfigured.
  // A failed dial after any connection (one that lasted milliseconds too: a bootstrap peer that stopped at once) says
  // so; a dropped connection says so only after one that lasted DROPPED_WITHIN_MS (else each drop would be "had")
  let opened = false
  let kept = false
  let timer: ReturnType<typeof setInterval> | undefined

  const fail = (addr: string, error: Error, hadConnections: boolean): void => {
    const attempts = (failures.get(addr) ?? 0) + 1
    failures.set(addr, attempts)
    if (node.status === 'started' && (attempts === 1 || attempts % BOOTSTRAP_REPORT_EVERY === 0)) onFailed?.({ addr, attempts, error, hadConnections })
  }
  const dropped = (addr: string, openMs: number): void => {
    log('the bootstrap connection to %s was closed by the other side %d ms after it opened', addr, openMs)
    fail(addr, new BootstrapConnectionDroppedError(addr, self, openMs,
      `connected, then the other side closed the connection ${openMs} ms after the handshake: its --allow-peers list most likely does not name this peer (${self}); ` +
      'add this PeerId to it and restart that peer, or, if the list names this machine under another PeerId, start this peer with the --data-dir whose identity.key has that id'), kept)
  }
  const openFor = (c: Connection): number => (c.timeline.close ?? Date.now()) - c.timeline.open

  node.addEventListener('connection:open', () => { opened = true })
  node.addEventListener('connection:close', (e) => {
    const c = e.detail
    const addr = redialed.get(c.id)
    redialed.delete(c.id)
    const ms = openFor(c)
    if (ms >= DROPPED_WITHIN_MS) kept = true
    else if (addr !== undefined) dropped(addr, ms)
  })
  node.addEventListener('start', () => {
    timer = setInterval(() => {
      if (node.status !== 'started') return
      const connections = node.getConnections()
      for (const c of connections) {
        if (openFor(c) < DROPPED_WITHIN_MS) continue
        kept = true
        const addr = redialed.get(c.id)
        if (addr !== undefined) { redialed.delete(c.id); failures.delete(addr) }
      }
      if (connections.length > 0) return
      for (const ma of addrs) {
        const addr = ma.toString()
        const since = Date.now()
        node.dial(ma, { signal: AbortSignal.timeout(BOOTSTRAP_DIAL_TIMEOUT_MS) })
          .then((c) => {
            if (c.status === 'open') { redialed.set(c.id, addr); return }
            // closed before the dial returned: the close event has passed already
            if (openFor(c) < DROPPED_WITHIN_MS) dropped(addr, openFor(c))
          }, (err: Error) => {
            log('bootstrap redial of %a failed: %e', ma, err)
            // timed out after the TCP connection was made: not an unreachable address (node/p2p/handshake-watch.ts).
            // A redial while an earlier one is pending joins it, so its connection may be up to a dial timeout older
            const id = peerIdOfAddr(addr)
            if (err.name === 'TimeoutError' && id !== undefined && handshaking?.(id, since - BOOTSTRAP_DIAL_TIMEOUT_MS) === true) {
              err = new HandshakeTimeoutError(addr, `connected, but the encryption handshake did not complete in ${BOOTSTRAP_DIAL_TIMEOUT_MS / 1000} s`)
            }
            fail(addr, err, opened)
          })
      }
    }, everyMs)
    timer.unref()
  })
  node.addEventListener('stop', () => { clearInterval(timer) })
}
