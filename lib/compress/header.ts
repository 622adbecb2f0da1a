import { FORMAT_VERSION, HEADER_BYTES, MAX_DIMENSION } from './constants.ts'
import { InvalidArgumentError, InvalidPayloadError } from './errors.ts'
import { readU32, writeU32 } from './bytes.ts'

/** Throws unless d is a dimension a payload can carry; called before anything is allocated from d. */
export function checkDimension (d: number, what: string): void {
  if (!Number.isInteger(d) || d < 1 || d > MAX_DIMENSION) {
    throw new InvalidArgumentError(`${what}: expected a dimension that is an integer in [1, ${MAX_DIMENSION}], got ${d}`)
  }
}

/** A zeroed payload of `total` bytes with its 8-byte header written. */
export function allocPayload (total: number, tag: number, flags: number, d: number): Uint8Array {
  const bytes = new Uint8Array(total)
  bytes[0] = tag
  bytes[1] = FORMAT_VERSION
  bytes[2] = flags
  writeU32(bytes, 4, d)
  return bytes
}

/**
 * Validates the header against what the caller expects and returns the flags byte. Checks run in a fixed
 * order (length, tag, version, flags, dimension) so a fault is always reported by the same reason.
 */
export function readHeader (bytes: Uint8Array, tag: number, codec: string, d: number, allowedFlags: number): number {
  if (!(bytes instanceof Uint8Array)) {
    throw new InvalidPayloadError('length', `${codec}: expected a Uint8Array payload, got ${typeof bytes}`)
  }
  if (bytes.length < HEADER_BYTES) {
    throw new InvalidPayloadError('length', `${codec}: expected at least ${HEADER_BYTES} header bytes, got ${bytes.length}`)
  }
  if (bytes[0] !== tag) {
    throw new InvalidPayloadError('tag', `${codec}: expected codec tag ${tag}, got ${bytes[0]}`)
  }
  if (bytes[1] !== FORMAT_VERSION) {
    throw new InvalidPayloadError('version', `${codec}: expected format version ${FORMAT_VERSION}, got ${bytes[1]}`)
  }
  const flags = bytes[2]
  if ((flags & ~allowedFlags) !== 0 || bytes[3] !== 0) {
    throw new InvalidPayloadError('flags', `${codec}: expected flags within 0x${allowedFlags.toString(16)} and reserved byte 0, got flags 0x${flags.toString(16)} reserved ${bytes[3]}`)
  }
  const got = readU32(bytes, 4)
  if (got !== d) {
    throw new InvalidPayloadError('dimension', `${codec}: expected dimension ${d}, payload says ${got}`)
  }
  return flags
}

/** Throws 'length' unless the payload is exactly `expected` bytes. */
export function expectLength (bytes: Uint8Array, expected: number, codec: string): void {
  if (bytes.length !== expected) {
    throw new InvalidPayloadError('length', `${codec}: expected ${expected} bytes, got ${bytes.length}`)
  }
}
