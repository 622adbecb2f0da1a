import assert from 'node:assert/strict'
import { encodeMessage, runIdHash, varintLength, ENVELOPE_HEADER_BYTES } from '../../../lib/protocol/index.ts'
import type { EncodedMessage, MessageFields } from '../../../lib/protocol/index.ts'
import type { Rng } from '../../../lib/random/index.ts'

export const RUN = runIdHash('test-run')

export function gossipFields (round = 7, degree = 3): MessageFields {
  return { type: 'gossip', runHash: RUN, round, degree }
}

/** The frames of a message as a receiver sees them after the length prefix is stripped. */
export function framesOf (message: EncodedMessage): Uint8Array[] {
  return message.frames.map(({ head, body }) => {
    const prefix = varintLength(ENVELOPE_HEADER_BYTES + body.length)
    const out = new Uint8Array(head.length - prefix + body.length)
    out.set(head.subarray(prefix))
    out.set(body, head.length - prefix)
    return out
  })
}

export function encodeFrames (fields: MessageFields, payload: Uint8Array, chunkBytes: number): Uint8Array[] {
  return framesOf(encodeMessage(fields, payload, { chunkBytes }))
}

export function randomBytes (n: number, rng: Rng): Uint8Array {
  const b = new Uint8Array(n)
  for (let i = 0; i < n; i++) b[i] = rng.int(256)
  return b
}

/** A frame cut into segments at random points, the way a length-prefix decoder hands over a Uint8ArrayList. */
export function segmented (frame: Uint8Array, rng: Rng): { byteLength: number, [Symbol.iterator] (): Iterator<Uint8Array> } {
  const segs: Uint8Array[] = []
  let at = 0
  while (at < frame.length) {
    const n = 1 + rng.int(Math.min(64, frame.length - at))
    segs.push(frame.subarray(at, at + n))
    at += n
  }
  return { byteLength: frame.length, [Symbol.iterator]: () => segs[Symbol.iterator]() }
}

/**
 * Asserts that two byte strings are equal, reporting the length or the first differing index: assert.deepEqual's
 * diff of megabyte arrays takes minutes and gigabytes, so a failing test would hang instead of failing.
 */
export function assertSameBytes (actual: Uint8Array, expected: Uint8Array, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`)
  const at = actual.findIndex((x, i) => x !== expected[i])
  assert.equal(at, -1, `${what}: first differing byte at index ${at} (${actual[at]} instead of ${expected[at]})`)
}
