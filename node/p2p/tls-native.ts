/**
 * `/tls/1.0.0` (the libp2p TLS 1.3 handshake, https://github.com/libp2p/specs/blob/master/tls/tls.md; the same
 * bytes on the wire as `@libp2p/tls`) with its record layer run by Node's native TLS on the TCP socket itself.
 *
 * Why: `@libp2p/tls` hands Node's `TLSSocket` a JavaScript `Duplex` bridging the libp2p connection, so every record
 * crosses from C++ to JavaScript and back; it measured no faster than stock Noise. On a connection of
 * `@libp2p/tcp`, the socket's handle is there: wrapped directly, the TLS records are read, opened, sealed and
 * written in C++ as for any Node TLS server, and JavaScript sees only plaintext. TLS 1.3 on a bare socket moves a
 * 40 MB model at 0.6 to 1.5 of raw TCP here, median 0.8 (the goodput bench's encryption ceiling); through Yamux and
 * the gossip envelope, 1.2 to 1.3× the goodput of `@libp2p/tls` (BENCHMARKS.md).
 *
 * Where the handle cannot be taken (another transport, a private swarm's protector in between, or bytes already
 * read past the protocol negotiation), the connection goes through `@libp2p/tls` unchanged: same protocol, same
 * certificates, slower path.
 */
import { Socket } from 'node:net'
import { TLSSocket, connect } from 'node:tls'
import type { TLSSocketOptions } from 'node:tls'
import { tls as libp2pTls } from '@libp2p/tls'
import { generateCertificate, toMessageStream, verifyPeerCertificate } from '@libp2p/tls/utils'
import type { ComponentLogger, ConnectionEncrypter, MessageStream, PrivateKey, SecureConnectionOptions, SecuredConnection, StreamMuxerFactory, Upgrader } from '@libp2p/interface'
import { TlsConnectionError } from './encrypter-errors.ts'

/** The protocol id of libp2p's TLS 1.3 handshake. */
export const TLS_PROTOCOL = '/tls/1.0.0'
/** The ALPN token a TLS peer offers when it does not name a muxer (then multistream-select picks one). */
const ALPN_LIBP2P = 'libp2p'

export interface NativeTlsComponents {
  privateKey: PrivateKey
  logger: ComponentLogger
  upgrader: Upgrader
}

/** Connections secured by each path, handshakes that failed, and native connections a TLS error ended, over this process. */
export interface NativeTlsStats {
  native: number
  bridged: number
  failed: number
  /** native connections ended by a TLS error after the handshake: a record that fails authentication or is malformed */
  broken: number
}
const stats: NativeTlsStats = { native: 0, bridged: 0, failed: 0, broken: 0 }

/** A copy of this process's counters. */
export function nativeTlsStats (): NativeTlsStats {
  return { ...stats }
}

/**
 * The TCP socket under `connection` if its handle can be handed to TLS: a `@libp2p/tcp` connection, reading, with
 * nothing read past the negotiation.
 */
function bareSocketOf (connection: MessageStream): Socket | undefined {
  const socket = (connection as unknown as { socket?: unknown }).socket
  if (!(socket instanceof Socket) || socket instanceof TLSSocket || socket.destroyed || socket.isPaused()) return undefined
  if ((socket as unknown as { _handle?: unknown })._handle == null) return undefined
  if (connection.readBufferLength > 0 || socket.readableLength > 0) return undefined
  return socket
}

class NativeTls implements ConnectionEncrypter {
  readonly protocol = TLS_PROTOCOL
  private readonly components: NativeTlsComponents
  private readonly bridged: ConnectionEncrypter
  /** one certificate for every connection of this node (the spec allows reuse), made at the first handshake */
  private certificate: Promise<{ cert: string, key: string }> | undefined

  constructor (components: NativeTlsComponents) {
    this.components = components
    this.bridged = libp2pTls()(components as never)
  }

  async secureInbound (connection: MessageStream, options?: SecureConnectionOptions): Promise<SecuredConnection> {
    return await this.secure(connection, true, options)
  }

  async secureOutbound (connection: MessageStream, options?: SecureConnectionOptions): Promise<SecuredConnection> {
    return await this.secure(connection, false, options)
  }

  private async secure (connection: MessageStream, isServer: boolean, options?: SecureConnectionOptions): Promise<SecuredConnection> {
    this.certificate ??= generateCertificate(this.components.privateKey)
    const certificate = await this.certificate
    options?.signal?.throwIfAborted()
    // checked after the await, right before the handle changes hands: nothing may have been read in between
    const socket = bareSocketOf(connection)
    if (socket === undefined) {
      stats.bridged++
      return isServer ? await this.bridged.secureInbound(connection, options) : await this.bridged.secureOutbound(connection, options)
    }
    const muxers = options?.skipStreamMuxerNegotiation === true ? new Map<string, StreamMuxerFactory>() : this.components.upgrader.getStreamMuxers()
    let streamMuxer: StreamMuxerFactory | undefined
    const tlsOptions: TLSSocketOptions = {
      ...certificate,
      isServer,
      requestCert: isServer,
      // the peer's certificate is self-signed by design: verifyPeerCertificate checks its libp2p extension instead
      rejectUnauthorized: false,
      minVersion: 'TLSv1.3',
      maxVersion: 'TLSv1.3',
      ALPNProtocols: [...muxers.keys(), ALPN_LIBP2P],
      ALPNCallback: ({ protocols }) => {
        // a muxer both sides speak, in the client's order; else 'libp2p' (negotiate one afterwards)
        const chosen = protocols.find((p) => muxers.has(p))
        if (chosen !== undefined) streamMuxer = muxers.get(chosen)
        return chosen ?? (protocols.includes(ALPN_LIBP2P) ? ALPN_LIBP2P : undefined)
      }
    }
    // a client socket starts its handshake in connect(); a server one waits for the ClientHello. The TCP
    // connection's inactivity timer stays with it: Node refreshes a wrapped socket's timer on its TLS socket's traffic
    const secured = isServer ? new TLSSocket(socket, tlsOptions) : connect({ ...tlsOptions, socket })
    try {
      await new Promise<void>((resolve, reject) => {
        const onAbort = (): void => { secured.destroy(new TlsConnectionError(`the TLS handshake was aborted: ${String(options?.signal?.reason ?? 'timeout')}`)) }
        options?.signal?.addEventListener('abort', onAbort, { once: true })
        secured.once(isServer ? 'secure' : 'secureConnect', () => { options?.signal?.removeEventListener('abort', onAbort); resolve() })
        secured.once('error', (err) => { options?.signal?.removeEventListener('abort', onAbort); reject(err) })
      })
      const remotePeer = await verifyPeerCertificate(new Uint8Array(secured.getPeerCertificate().raw), options?.remotePeer)
      if (!isServer && typeof secured.alpnProtocol === 'string' && secured.alpnProtocol !== ALPN_LIBP2P) {
        streamMuxer = muxers.get(secured.alpnProtocol)
        if (streamMuxer === undefined) throw new TlsConnectionError(`the TLS peer chose muxer ${secured.alpnProtocol} by ALPN, which this node does not have (it has ${[...muxers.keys()].join(', ')})`)
      }
      stats.native++
      // toMessageStream aborts the connection with the error; this counts it
      secured.on('error', () => { stats.broken++ })
      return { remotePeer, connection: toMessageStream(connection, secured), streamMuxer }
    } catch (err) {
      stats.failed++
      secured.destroy()
      connection.abort(err as Error)
      throw err
    }
  }
}

/** `/tls/1.0.0` for `connectionEncrypters`, native on TCP connections, `@libp2p/tls` elsewhere. */
export function nativeTls (): (components: NativeTlsComponents) => ConnectionEncrypter {
  return (components) => new NativeTls(components)
}
