/** The errors of the connection encrypters (node/p2p/encrypters.ts, node/p2p/noise-aesgcm.ts, node/p2p/tls-native.ts). */

/** A Noise frame failed authentication (tampered, truncated, out of order or sealed under another key). */
export class FrameAuthenticationError extends Error {
  static override name = 'FrameAuthenticationError'
  constructor (message: string) {
    super(message)
    this.name = 'FrameAuthenticationError'
  }
}

/** An encrypter list that names an unknown encrypter, none, or one twice. */
export class InvalidEncrypterError extends Error {
  static override name = 'InvalidEncrypterError'
  constructor (message: string) {
    super(message)
    this.name = 'InvalidEncrypterError'
  }
}

/**
 * A `/murmur/noise-aesgcm/1.0.0` frame announced more bytes than the protocol allows: refused before any of it is
 * buffered, and the connection aborted (a conforming peer never sends one; docs/PROTOCOL.md § Secure channel).
 */
export class FrameTooLargeError extends Error {
  static override name = 'FrameTooLargeError'
  constructor (message: string) {
    super(message)
    this.name = 'FrameTooLargeError'
  }
}

/** A `/tls/1.0.0` handshake on a TCP socket (node/p2p/tls-native.ts) was aborted or chose a muxer this node lacks. */
export class TlsConnectionError extends Error {
  static override name = 'TlsConnectionError'
  constructor (message: string) {
    super(message)
    this.name = 'TlsConnectionError'
  }
}
