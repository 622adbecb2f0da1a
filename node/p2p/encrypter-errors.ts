/** The errors of the connection encrypters (node/p2p/encrypters.ts, node/p2p/noise-aesgcm.ts). */

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
