/** Errors of node/telemetry. Each has a static and an instance `name`; tests match on `name`. */

/** A summary that would exceed the format's bounds (MAX_SUMMARY_BYTES). */
export class SummaryTooLargeError extends Error {
  static override name = 'SummaryTooLargeError'
  readonly bytes: number
  constructor (bytes: number, message: string) {
    super(message)
    this.name = 'SummaryTooLargeError'
    this.bytes = bytes
  }
}

/** A sketch asked of a vector or size the sketch cannot take (size not a power of two, empty output). */
export class InvalidSketchError extends Error {
  static override name = 'InvalidSketchError'
  constructor (message: string) {
    super(message)
    this.name = 'InvalidSketchError'
  }
}

/** A telemetry option out of range (names the field, what is allowed and what arrived). */
export class InvalidTelemetryInitError extends Error {
  static override name = 'InvalidTelemetryInitError'
  readonly field: string
  constructor (field: string, message: string) {
    super(message)
    this.name = 'InvalidTelemetryInitError'
    this.field = field
  }
}
