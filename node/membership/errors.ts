/** A membership option out of range or inconsistent (run id differs from the config's, timeout not above the heartbeat). */
export class InvalidMembershipInitError extends Error {
  static override name = 'InvalidMembershipInitError'
  readonly field: string
  constructor (field: string, message: string) {
    super(message)
    this.name = 'InvalidMembershipInitError'
    this.field = field
  }
}

/** A call that does not fit the peer's membership state (heartbeat as active before join, join twice, after leave or stop). */
export class MembershipStateError extends Error {
  static override name = 'MembershipStateError'
  constructor (message: string) {
    super(message)
    this.name = 'MembershipStateError'
  }
}

/** A topology asked for a round at which this peer is not a member (before its effective round, after its leave). */
export class NotAMemberError extends Error {
  static override name = 'NotAMemberError'
  readonly round: number
  constructor (round: number, message: string) {
    super(message)
    this.name = 'NotAMemberError'
    this.round = round
  }
}

/** An announcement this peer built does not fit the format's bounds (too many or too long addresses, over 8 KiB). */
export class AnnouncementTooLargeError extends Error {
  static override name = 'AnnouncementTooLargeError'
  readonly bytes: number
  constructor (bytes: number, message: string) {
    super(message)
    this.name = 'AnnouncementTooLargeError'
    this.bytes = bytes
  }
}
