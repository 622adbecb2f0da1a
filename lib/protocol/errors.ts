/**
 * Errors of lib/protocol. Each has a static and an instance `name` and a `reason` (one value per check) so
 * a receiver can count rejections by kind; tests match on `name` and `reason`, never on message text.
 */

/** Why a frame or message was refused. */
export type FrameFault =
  | 'length' // a frame shorter than the header, or a chunk whose length disagrees with the header
  | 'magic' // the first two bytes are not 'm' 'w'
  | 'version' // an envelope version this code does not speak
  | 'type' // an unknown message type, or one this stream does not carry
  | 'run' // the run id hash differs from the receiver's run
  | 'field' // a header field outside its domain (count 0, index ≥ count, chunk past the payload end, ...)
  | 'tooLarge' // the announced payload exceeds the receiver's limit
  | 'order' // a chunk that is not the next one expected (missing, duplicated, reordered)
  | 'inconsistent' // a later chunk disagrees with the first on round, degree, count, length or checksum
  | 'checksum' // the CRC-32 of the reassembled payload differs from the announced one
  | 'truncated' // the stream ended in the middle of a message
  | 'body' // a sync body whose fields do not add up

/** Base of every wire-format rejection. */
export class ProtocolError extends Error {
  static override name = 'ProtocolError'
  readonly reason: FrameFault

  constructor (reason: FrameFault, message: string) {
    super(message)
    this.name = 'ProtocolError'
    this.reason = reason
  }
}

/** A frame or message that is not what a conforming sender produces (every fault but those below). */
export class InvalidFrameError extends ProtocolError {
  static override name = 'InvalidFrameError'

  constructor (reason: FrameFault, message: string) {
    super(reason, message)
    this.name = 'InvalidFrameError'
  }
}

/** An envelope version this code does not speak (reason 'version'). */
export class UnsupportedVersionError extends ProtocolError {
  static override name = 'UnsupportedVersionError'
  readonly version: number

  constructor (version: number, message: string) {
    super('version', message)
    this.name = 'UnsupportedVersionError'
    this.version = version
  }
}

/** A message of another run (reason 'run'). */
export class RunMismatchError extends ProtocolError {
  static override name = 'RunMismatchError'

  constructor (message: string) {
    super('run', message)
    this.name = 'RunMismatchError'
  }
}

/** A message announcing more payload bytes than the receiver accepts (reason 'tooLarge'), refused before any allocation. */
export class MessageTooLargeError extends ProtocolError {
  static override name = 'MessageTooLargeError'
  readonly limit: number
  readonly announced: number

  constructor (announced: number, limit: number, message: string) {
    super('tooLarge', message)
    this.name = 'MessageTooLargeError'
    this.limit = limit
    this.announced = announced
  }
}

/** A reassembled payload whose CRC-32 differs from the one its chunks announced (reason 'checksum'). */
export class ChecksumMismatchError extends ProtocolError {
  static override name = 'ChecksumMismatchError'

  constructor (message: string) {
    super('checksum', message)
    this.name = 'ChecksumMismatchError'
  }
}

/** A caller's argument the encoder cannot work with (chunk size, round or degree out of range, ...). */
export class InvalidProtocolArgumentError extends Error {
  static override name = 'InvalidProtocolArgumentError'

  constructor (message: string) {
    super(message)
    this.name = 'InvalidProtocolArgumentError'
  }
}

export function isProtocolError (err: unknown): err is ProtocolError {
  return err instanceof ProtocolError
}
