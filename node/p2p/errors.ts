/** `<data-dir>/identity.key` exists but is not a protobuf-encoded Ed25519 private key. */
export class InvalidIdentityFileError extends Error {
  static override name = 'InvalidIdentityFileError'
  readonly path: string
  constructor (path: string, message: string) {
    super(message)
    this.name = 'InvalidIdentityFileError'
    this.path = path
  }
}

/** Which command-line flag an address came from, so an error can name it. */
export type AddressFlag = 'listen' | 'announce' | 'bootstrap'

/** A multiaddr flag value that does not parse as a multiaddr at all. */
export class UnparsableMultiaddrError extends Error {
  static override name = 'UnparsableMultiaddrError'
  readonly flag: AddressFlag
  readonly value: string
  constructor (flag: AddressFlag, value: string, message: string) {
    super(message)
    this.name = 'UnparsableMultiaddrError'
    this.flag = flag
    this.value = value
  }
}

/** A bootstrap address without the `/p2p/<peer id>` component that says whom to expect there. */
export class MissingPeerIdError extends Error {
  static override name = 'MissingPeerIdError'
  readonly flag: AddressFlag
  readonly value: string
  constructor (flag: AddressFlag, value: string, message: string) {
    super(message)
    this.name = 'MissingPeerIdError'
    this.flag = flag
    this.value = value
  }
}

/** A `/p2p/<id>` component whose id is not a peer id (base58 `12D3KooW…` or CID form). */
export class InvalidPeerIdError extends Error {
  static override name = 'InvalidPeerIdError'
  readonly flag: AddressFlag
  readonly value: string
  constructor (flag: AddressFlag, value: string, message: string) {
    super(message)
    this.name = 'InvalidPeerIdError'
    this.flag = flag
    this.value = value
  }
}

/** A well-formed multiaddr that this flag cannot use (a listen address that is not IP + TCP, a peer id where none belongs). */
export class UnsupportedAddressError extends Error {
  static override name = 'UnsupportedAddressError'
  readonly flag: AddressFlag
  readonly value: string
  constructor (flag: AddressFlag, value: string, message: string) {
    super(message)
    this.name = 'UnsupportedAddressError'
    this.flag = flag
    this.value = value
  }
}

/** A `--swarm-key` file that is not a libp2p pre-shared key (`/key/swarm/psk/1.0.0/`, `/base16/`, 64 hex digits). */
export class InvalidSwarmKeyError extends Error {
  static override name = 'InvalidSwarmKeyError'
  readonly path: string
  constructor (path: string, message: string) {
    super(message)
    this.name = 'InvalidSwarmKeyError'
    this.path = path
  }
}

/** The `--swarm-key` file does not exist. */
export class SwarmKeyNotFoundError extends Error {
  static override name = 'SwarmKeyNotFoundError'
  readonly path: string
  constructor (path: string, message: string) {
    super(message)
    this.name = 'SwarmKeyNotFoundError'
    this.path = path
  }
}

/** The `--swarm-key` file can be read by other users (mode bits for group or others set): anyone who reads it can join. */
export class InsecureSwarmKeyError extends Error {
  static override name = 'InsecureSwarmKeyError'
  readonly path: string
  readonly mode: number
  constructor (path: string, mode: number, message: string) {
    super(message)
    this.name = 'InsecureSwarmKeyError'
    this.path = path
    this.mode = mode
  }
}

/** `murmur swarm-key --out FILE` where FILE exists: replacing a swarm key would lock out every peer that has the old one. */
export class SwarmKeyExistsError extends Error {
  static override name = 'SwarmKeyExistsError'
  readonly path: string
  constructor (path: string, message: string) {
    super(message)
    this.name = 'SwarmKeyExistsError'
    this.path = path
  }
}

/** An `--allow-peers` file with a line that is not a PeerId, or with no PeerId at all. */
export class InvalidAllowlistError extends Error {
  static override name = 'InvalidAllowlistError'
  readonly path: string
  /** 1-based line of the fault; 0 for the file as a whole */
  readonly line: number
  constructor (path: string, line: number, message: string) {
    super(message)
    this.name = 'InvalidAllowlistError'
    this.path = path
    this.line = line
  }
}

/** The `--allow-peers` file does not exist. */
export class AllowlistNotFoundError extends Error {
  static override name = 'AllowlistNotFoundError'
  readonly path: string
  constructor (path: string, message: string) {
    super(message)
    this.name = 'AllowlistNotFoundError'
    this.path = path
  }
}

/** penalizePeer on a pubsub service not built by node/p2p createPubSub (it has no murmur penalty table). */
export class UnscoredPubSubError extends Error {
  static override name = 'UnscoredPubSubError'
  constructor (message: string) {
    super(message)
    this.name = 'UnscoredPubSubError'
  }
}

/**
 * A bootstrap dial that connected, then lost the connection within DROPPED_WITHIN_MS: the other side closed it right
 * after the handshake, which is what its --allow-peers list does to a PeerId it does not name.
 */
export class BootstrapConnectionDroppedError extends Error {
  static override name = 'BootstrapConnectionDroppedError'
  /** the bootstrap address dialled */
  readonly addr: string
  /** this node's PeerId, the one the remote's list must name */
  readonly peerId: string
  /** how long the connection stayed open (ms) */
  readonly openMs: number
  constructor (addr: string, peerId: string, openMs: number, message: string) {
    super(message)
    this.name = 'BootstrapConnectionDroppedError'
    this.addr = addr
    this.peerId = peerId
    this.openMs = openMs
  }
}

/**
 * A bootstrap dial that reached the other peer (its TCP connection was made) but timed out in the encryption
 * handshake: what another --swarm-key looks like when pnet's noise happens to read as a short length, so that each
 * side waits for bytes that never come (otherwise the handshake fails at once, with EncryptionFailedError).
 */
export class HandshakeTimeoutError extends Error {
  static override name = 'HandshakeTimeoutError'
  /** the bootstrap address dialled */
  readonly addr: string
  constructor (addr: string, message: string) {
    super(message)
    this.name = 'HandshakeTimeoutError'
    this.addr = addr
  }
}
