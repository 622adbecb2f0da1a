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
