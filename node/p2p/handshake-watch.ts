/**
 * Incoming connections that fail before the encryption handshake completes. In a private swarm that is what a peer
 * with another --swarm-key, or none, looks like from the side it dials: pnet turns its bytes into noise, so the
 * multistream-select or Noise handshake that follows fails and the upgrader closes the connection (the dialler gets
 * an EncryptionFailedError and says so; the dialled side, without this, said nothing). Without a key, it is what a
 * peer with one looks like.
 *
 * Told by the connection gater, which sees every inbound connection twice: denyInboundConnection before pnet and
 * Noise, denyInboundEncryptedConnection once Noise has proven the remote's PeerId. A connection that closes between
 * the two failed its handshake. Outbound connections to a known PeerId are seen the same way, so that a dial that
 * timed out can be told apart from an address that cannot be reached (bootstrap-redial.ts). Nothing is refused
 * here: the hooks only record, then defer to the inner gater (the allowlist), so what may connect is exactly what
 * it was.
 */
import type { ConnectionGater, MultiaddrConnection } from '@libp2p/interface'

export interface HandshakeFailure {
  /** the remote's address, e.g. /ip4/192.0.2.7/tcp/53124 */
  remoteAddr: string
  /** the remote's host, without the port: /ip4/192.0.2.7 */
  remoteHost: string
  /** what the connection closed with, when it says (a library message, for debugging) */
  error?: Error
}

export interface HandshakeWatch {
  /** the node's connection gater: `inner`, watched */
  gater: ConnectionGater
  /**
   * whether the newest connection dialled to `peerId` began its handshake at or after `since` (ms since the epoch)
   * and did not complete it (it is still in it, or it failed): its TCP connection was made, so the address was reached
   */
  handshaking: (peerId: string, since: number) => boolean
}

/**
 * `inner` with every inbound connection that closes before its encryption handshake completed reported to
 * `onFailed` (once a connection). A connection that the inner gater refuses after Noise is not a handshake failure.
 */
export function handshakeWatch (onFailed: (failure: HandshakeFailure) => void, inner: ConnectionGater = {}): HandshakeWatch {
  // past the handshake: encrypted, or refused by the inner gater before it began
  const past = new WeakSet<MultiaddrConnection>()
  // the newest outbound connection to each PeerId still in its handshake, and when it began (one entry a peer dialled)
  const outbound = new Map<string, { maConn: MultiaddrConnection, at: number }>()
  const gater: ConnectionGater = {
    ...inner,
    denyOutboundConnection: async (peer, maConn) => {
      outbound.set(peer.toString(), { maConn, at: Date.now() })
      return await inner.denyOutboundConnection?.(peer, maConn) ?? false
    },
    denyOutboundEncryptedConnection: async (peer, maConn) => {
      if (outbound.get(peer.toString())?.maConn === maConn) outbound.delete(peer.toString())
      return await inner.denyOutboundEncryptedConnection?.(peer, maConn) ?? false
    },
    denyInboundConnection: async (maConn) => {
      maConn.addEventListener('close', (evt) => {
        if (past.has(maConn)) return
        const remoteAddr = maConn.remoteAddr.toString()
        const failure: HandshakeFailure = { remoteAddr, remoteHost: hostOf(remoteAddr) }
        if (evt.error !== undefined) failure.error = evt.error
        onFailed(failure)
      }, { once: true })
      const deny = await inner.denyInboundConnection?.(maConn) ?? false
      if (deny) past.add(maConn)
      return deny
    },
    denyInboundEncryptedConnection: async (peer, maConn) => {
      past.add(maConn)
      return await inner.denyInboundEncryptedConnection?.(peer, maConn) ?? false
    }
  }
  return {
    gater,
    handshaking: (peerId, since) => (outbound.get(peerId)?.at ?? -Infinity) >= since
  }
}

/** '/ip4/192.0.2.7/tcp/53124' → '/ip4/192.0.2.7' (the port of an incoming connection changes with every dial) */
function hostOf (addr: string): string {
  return addr.split('/').slice(0, 3).join('/')
}
