/** What was wrong with a payload handed to `decode`; one value per check so callers can count faults by kind. */
export type PayloadFault =
  | 'length' // too short, too long, or a field runs past the end
  | 'tag' // the first byte names another codec
  | 'version' // a wire-format version this code does not speak
  | 'flags' // unknown flag bits or a non-zero reserved byte
  | 'dimension' // header dimension differs from the one the caller expects
  | 'parameter' // a body parameter (s, k) differs from the codec's spec
  | 'index' // out of range, unsorted, duplicate, or a bitmap whose popcount is not k
  | 'varint' // an LEB128 index gap longer than 5 bytes or above 2^32 - 1
  | 'non-finite' // NaN or ±Infinity where a value or scale belongs
  | 'level' // a QSGD level above s
  | 'value' // a finite field outside its domain (negative norm or scale, non-zero padding bits)

/** A payload that is not exactly what the codec's encoder can produce for the caller's dimension. */
export class InvalidPayloadError extends Error {
  static override name = 'InvalidPayloadError'
  readonly reason: PayloadFault

  constructor (reason: PayloadFault, message: string) {
    super(message)
    this.name = 'InvalidPayloadError'
    this.reason = reason
  }
}

/** A codec spec string that matches none of the allowed forms. */
export class InvalidCodecSpecError extends Error {
  static override name = 'InvalidCodecSpecError'
  readonly spec: string
  readonly allowed: readonly string[]

  constructor (spec: string, allowed: readonly string[], detail: string) {
    super(`invalid codec spec ${JSON.stringify(spec)}: ${detail}; allowed forms: ${allowed.join(', ')}`)
    this.name = 'InvalidCodecSpecError'
    this.spec = spec
    this.allowed = allowed
  }
}

/** `encode` was given NaN or ±Infinity (or a vector whose norm or scale overflows float32). */
export class NonFiniteInputError extends Error {
  static override name = 'NonFiniteInputError'
  /** first offending coordinate, or -1 when the fault is an overflowing norm or scale */
  readonly index: number

  constructor (index: number, message: string) {
    super(message)
    this.name = 'NonFiniteInputError'
    this.index = index
  }
}

/** A caller's argument no payload or codec can work with: a dimension that is not an integer in
 *  [1, 2^32 - 1], an output vector of the wrong length, a non-finite alpha, an error-feedback stream fed
 *  vectors of different lengths, or a byte count asked without the facts it depends on. */
export class InvalidArgumentError extends Error {
  static override name = 'InvalidArgumentError'

  constructor (message: string) {
    super(message)
    this.name = 'InvalidArgumentError'
  }
}
