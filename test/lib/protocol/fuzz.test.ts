import assert from 'node:assert/strict'
import { Reassembler, isProtocolError, ENVELOPE_HEADER_BYTES } from '../../../lib/protocol/index.ts'
import type { FrameFault } from '../../../lib/protocol/index.ts'
import { createRng } from '../../../lib/random/index.ts'
import type { Rng } from '../../../lib/random/index.ts'
import { RUN, encodeFrames, gossipFields, randomBytes, segmented } from './helpers.ts'

const SEQUENCES = 2500
const MAX_MESSAGE_BYTES = 4096
const NAMES = new Set(['InvalidFrameError', 'UnsupportedVersionError', 'RunMismatchError', 'MessageTooLargeError', 'ChecksumMismatchError'])
const SPECIAL_U32 = [0, 1, 2, 39, 40, 41, 4095, 4096, 4097, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff]

type Mutation = (frame: Uint8Array, rng: Rng) => Uint8Array

/** Ways to break one frame of a valid message. */
const MUTATIONS: Record<string, Mutation> = {
  noise: (f, rng) => randomBytes(rng.int(2 * f.length + 2), rng),
  truncate: (f, rng) => f.slice(0, rng.int(f.length)),
  extend: (f, rng) => { const b = new Uint8Array(f.length + 1 + rng.int(8)); b.set(f); return b },
  flipBits: (f, rng) => { const b = Uint8Array.from(f); for (let n = 1 + rng.int(3); n > 0; n--) b[rng.int(b.length)] ^= 1 << rng.int(8); return b },
  flipHeaderBits: (f, rng) => { const b = Uint8Array.from(f); b[rng.int(ENVELOPE_HEADER_BYTES)] ^= 1 << rng.int(8); return b },
  headerField: (f, rng) => {
    const b = Uint8Array.from(f)
    new DataView(b.buffer).setUint32(4 * (3 + rng.int(7)), SPECIAL_U32[rng.int(SPECIAL_U32.length)], true)
    return b
  },
  randomHeaderValidMagic: (f, rng) => { const b = Uint8Array.from(f); b.set(randomBytes(ENVELOPE_HEADER_BYTES - 2, rng), 2); return b }
}
const MUTATION_NAMES = Object.keys(MUTATIONS)

/** Ways to break the sequence of a valid message's frames. */
function mutateSequence (frames: Uint8Array[], rng: Rng): Uint8Array[] {
  const seq = frames.slice()
  switch (rng.int(4)) {
    case 0: { const i = rng.int(seq.length); seq[i] = MUTATIONS[MUTATION_NAMES[rng.int(MUTATION_NAMES.length)]](seq[i], rng); break }
    case 1: seq.splice(rng.int(seq.length), 1); break
    case 2: { const i = rng.int(seq.length); seq.splice(i, 0, seq[rng.int(seq.length)]); break }
    default: { const i = rng.int(seq.length); const j = rng.int(seq.length); [seq[i], seq[j]] = [seq[j], seq[i]] }
  }
  return seq
}

describe('lib/protocol fuzzing', () => {
  it(`${SEQUENCES} mutated messages (over 10,000 frames) give only named protocol errors, and nothing broken is delivered`, () => {
    const rng = createRng(20240601)
    const reasons = new Map<FrameFault, number>()
    let frames = 0
    let delivered = 0
    for (let s = 0; s < SEQUENCES; s++) {
      const size = rng.int(3) === 0 ? rng.int(8) : rng.int(MAX_MESSAGE_BYTES + 200)
      const payload = randomBytes(size, rng)
      const valid = encodeFrames(gossipFields(rng.int(1000), 1 + rng.int(16)), payload, 1 + rng.int(700))
      const seq = mutateSequence(valid, rng)
      const r = new Reassembler({ runHash: RUN, type: 'gossip', maxMessageBytes: MAX_MESSAGE_BYTES })
      try {
        for (const f of seq) {
          frames++
          const m = r.push(rng.int(2) === 0 ? f : segmented(f, rng))
          // anything delivered must be exactly what was sent (a mutation can be a no-op, e.g. a swap of i with i)
          if (m !== undefined) { delivered++; assert.deepEqual(m.payload, payload) }
        }
        r.finish()
      } catch (err) {
        if (err instanceof assert.AssertionError) throw err
        assert.ok(isProtocolError(err) && NAMES.has(err.name), `unexpected ${String(err)}`)
        reasons.set(err.reason, (reasons.get(err.reason) ?? 0) + 1)
      }
    }
    assert.ok(frames >= 10_000, `${frames} frames`)
    // proof the fuzzing reaches every check, not only the first one
    for (const reason of ['length', 'magic', 'version', 'type', 'run', 'field', 'tooLarge', 'order', 'inconsistent', 'checksum', 'truncated'] as const) {
      assert.ok((reasons.get(reason) ?? 0) > 0, `no ${reason} fault reached: ${JSON.stringify([...reasons])}`)
    }
    assert.ok(delivered > 0)
  })
})
