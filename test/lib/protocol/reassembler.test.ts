import assert from 'node:assert/strict'
import fc from 'fast-check'
import { Uint8ArrayList } from 'uint8arraylist'
import * as lp from 'it-length-prefixed'
import {
  Reassembler, encodeMessage, concatFrames, crc32, runIdHash, ENVELOPE_HEADER_BYTES, MAX_CHUNK_BYTES
} from '../../../lib/protocol/index.ts'
import type { MessageInfo } from '../../../lib/protocol/index.ts'
import { createRng } from '../../../lib/random/index.ts'
import { RUN, encodeFrames, framesOf, gossipFields, randomBytes, segmented } from './helpers.ts'

function reassembler (maxMessageBytes = 1 << 20): Reassembler {
  return new Reassembler({ runHash: RUN, type: 'gossip', maxMessageBytes })
}

function errorWith (name: string, reason: string) {
  return (e: Error & { reason?: string }) => e.name === name && e.reason === reason
}

/** Feeds every frame; returns the completed messages. */
function feed (r: Reassembler, frames: Iterable<Uint8Array | ReturnType<typeof segmented>>) {
  const out = []
  for (const f of frames) {
    const m = r.push(f)
    if (m !== undefined) out.push(m)
  }
  return out
}

describe('lib/protocol chunking and reassembly', () => {
  it('round-trips any payload, chunk size and fields, contiguous or segmented (fast-check)', () => {
    fc.assert(fc.property(
      fc.uint8Array({ minLength: 0, maxLength: 3000 }), fc.integer({ min: 1, max: 700 }),
      fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 1, max: 0xffffffff }), fc.integer(),
      (payload, chunkBytes, round, degree, seed) => {
        const frames = encodeFrames(gossipFields(round, degree), payload, chunkBytes)
        assert.equal(frames.length, Math.max(1, Math.ceil(payload.length / chunkBytes)))
        const rng = createRng(seed)
        const useSegments = rng.int(2) === 1
        const got = feed(reassembler(), frames.map((f) => useSegments ? segmented(f, rng) : f))
        assert.equal(got.length, 1)
        assert.deepEqual(got[0].payload, payload)
        const info: MessageInfo = { type: 'gossip', round, degree, totalLength: payload.length, count: frames.length, checksum: crc32(payload) }
        assert.deepEqual(got[0].info, info)
      }), { seed: 11, numRuns: 300 })
  })

  it('reassembles consecutive messages of one stream', () => {
    const rng = createRng(2)
    const payloads = [randomBytes(1000, rng), randomBytes(0, rng), randomBytes(1, rng), randomBytes(999, rng)]
    const r = reassembler()
    const got = feed(r, payloads.flatMap((p, i) => encodeFrames(gossipFields(i, 2), p, 100)))
    assert.deepEqual(got.map((m) => m.payload), payloads)
    assert.deepEqual(got.map((m) => m.info.round), [0, 1, 2, 3])
    assert.equal(r.pending, false)
  })

  it('writes frames that it-length-prefixed decodes back into the same frames', async () => {
    const rng = createRng(3)
    const payload = randomBytes(5000, rng)
    const message = encodeMessage(gossipFields(), payload, { chunkBytes: 1500 })
    const wire = concatFrames(message)
    assert.equal(wire.length, message.wireBytes)
    const r = reassembler()
    const got = []
    for (const frame of lp.decode([wire])) {
      const m = r.push(frame)
      if (m !== undefined) got.push(m)
    }
    assert.equal(got.length, 1)
    assert.deepEqual(got[0].payload, payload)
  })

  it('accepts a Uint8ArrayList frame', () => {
    const payload = randomBytes(300, createRng(4))
    const [frame] = encodeFrames(gossipFields(), payload, 1000)
    const list = new Uint8ArrayList(frame.subarray(0, 17), frame.subarray(17, 41), frame.subarray(41))
    assert.deepEqual(reassembler().push(list)?.payload, payload)
  })

  it('keeps the payload a view of nothing the sender owns (the chunker does not copy, the reassembler does)', () => {
    const payload = randomBytes(200, createRng(5))
    const message = encodeMessage(gossipFields(), payload, { chunkBytes: 64 })
    assert.equal(message.frames[1].body.buffer, payload.buffer)
    const got = feed(reassembler(), encodeFrames(gossipFields(), payload, 64))
    assert.notEqual(got[0].payload!.buffer, payload.buffer)
  })

  it('reads a declined message through without allocating it, and still checks its chunks', () => {
    const payload = randomBytes(500, createRng(6))
    const frames = encodeFrames(gossipFields(), payload, 100)
    const seen: MessageInfo[] = []
    const r = reassembler()
    let done
    for (const f of frames) done = r.push(f, (info) => { seen.push(info); return false })
    assert.equal(seen.length, 1)
    assert.equal(done?.payload, undefined)
    assert.equal(done?.info.totalLength, 500)
    const r2 = reassembler()
    r2.push(frames[0], () => false)
    assert.throws(() => r2.push(frames[2], () => false), errorWith('InvalidFrameError', 'order'))
  })

  it('refuses an announced size above the limit before asking admit or allocating', () => {
    const frames = encodeFrames(gossipFields(), new Uint8Array(1001), 2000)
    let asked = false
    assert.throws(() => reassembler(1000).push(frames[0], () => { asked = true; return true }), errorWith('MessageTooLargeError', 'tooLarge'))
    assert.equal(asked, false)
  })

  describe('named errors for every broken sequence', () => {
    const payload = randomBytes(400, createRng(7))
    const frames = encodeFrames(gossipFields(), payload, 100)
    const flipped = Uint8Array.from(frames[2]); flipped[ENVELOPE_HEADER_BYTES + 5] ^= 1
    const cases: Array<{ id: string, seq: Uint8Array[], name: string, reason: string }> = [
      { id: 'a missing chunk', seq: [frames[0], frames[1], frames[3]], name: 'InvalidFrameError', reason: 'order' },
      { id: 'a duplicated chunk', seq: [frames[0], frames[1], frames[1]], name: 'InvalidFrameError', reason: 'order' },
      { id: 'a message starting mid-way', seq: [frames[1]], name: 'InvalidFrameError', reason: 'order' },
      { id: 'a new message before the last completed', seq: [frames[0], frames[1], frames[0]], name: 'InvalidFrameError', reason: 'order' },
      { id: 'a chunk of another round', seq: [frames[0], encodeFrames(gossipFields(8), payload, 100)[1]], name: 'InvalidFrameError', reason: 'inconsistent' },
      { id: 'a chunk with another degree', seq: [frames[0], encodeFrames(gossipFields(7, 9), payload, 100)[1]], name: 'InvalidFrameError', reason: 'inconsistent' },
      { id: 'a chunk of another payload', seq: [frames[0], encodeFrames(gossipFields(), randomBytes(400, createRng(8)), 100)[1]], name: 'InvalidFrameError', reason: 'inconsistent' },
      { id: 'a chunk of another chunking', seq: [frames[0], encodeFrames(gossipFields(), payload, 50)[1]], name: 'InvalidFrameError', reason: 'order' },
      { id: 'a flipped payload bit', seq: [frames[0], frames[1], flipped, frames[3]], name: 'ChecksumMismatchError', reason: 'checksum' },
      { id: 'another run', seq: encodeFrames({ ...gossipFields(), runHash: runIdHash('other') }, payload, 100), name: 'RunMismatchError', reason: 'run' },
      { id: 'a sync response on a gossip stream', seq: encodeFrames({ ...gossipFields(), type: 'syncResponse' }, payload, 100), name: 'InvalidFrameError', reason: 'type' },
      { id: 'a 39-byte frame', seq: [frames[0].subarray(0, 39)], name: 'InvalidFrameError', reason: 'length' }
    ]
    for (const c of cases) {
      it(`${c.id}: ${c.name} (${c.reason})`, () => {
        const r = reassembler()
        assert.throws(() => feed(r, c.seq), errorWith(c.name, c.reason))
        assert.equal(r.pending, false, 'the partial message is dropped')
      })
    }

    it('a stream ending mid-message: finish() throws truncated', () => {
      const r = reassembler()
      feed(r, frames.slice(0, 2))
      assert.equal(r.pending, true)
      assert.throws(() => r.finish(), errorWith('InvalidFrameError', 'truncated'))
      assert.equal(r.pending, false)
      r.finish()
    })
  })

  it('refuses chunk sizes outside [1, MAX_CHUNK_BYTES] and bad limits', () => {
    for (const chunkBytes of [0, -1, 1.5, MAX_CHUNK_BYTES + 1]) {
      assert.throws(() => encodeMessage(gossipFields(), new Uint8Array(10), { chunkBytes }), { name: 'InvalidProtocolArgumentError' })
    }
    assert.throws(() => new Reassembler({ runHash: RUN, type: 'gossip', maxMessageBytes: -1 }), { name: 'InvalidProtocolArgumentError' })
    assert.throws(() => new Reassembler({ runHash: new Uint8Array(3), type: 'gossip', maxMessageBytes: 1 }), { name: 'InvalidProtocolArgumentError' })
  })
})

describe('lib/protocol messages without a checksum (/murmur/gossip/1.1.0)', () => {
  const unchecked = (maxMessageBytes = 1 << 20): Reassembler => new Reassembler({ runHash: RUN, type: 'gossip', maxMessageBytes, checksum: false })
  const framesNoCrc = (payload: Uint8Array, chunkBytes: number): Uint8Array[] => framesOf(encodeMessage(gossipFields(), payload, { chunkBytes, checksum: 'none' }))

  it("checksum 'none' writes 0 in every header; a reassembler without checksums delivers any payload whole, from any segmentation", () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 5000 }), fc.integer({ min: 1, max: 1500 }), fc.integer({ min: 0, max: 2 ** 31 }), (n, chunk, seed) => {
      const rng = createRng(seed)
      const payload = randomBytes(n, rng)
      const m = encodeMessage(gossipFields(), payload, { chunkBytes: chunk, checksum: 'none' })
      assert.equal(m.checksum, 0)
      const frames = framesNoCrc(payload, chunk)
      const got = feed(unchecked(), frames.map((f) => rng.int(2) === 0 ? f : segmented(f, rng)))
      assert.equal(got.length, 1)
      assert.deepEqual(got[0].payload, payload)
      assert.equal(got[0].info.checksum, 0)
    }), { numRuns: 60, seed: 11 })
  })

  it('refuses a checksum field other than 0 at the first chunk (field), and a checking reassembler refuses the message (checksum)', () => {
    const payload = randomBytes(3000, createRng(3))
    assert.throws(() => feed(unchecked(), encodeFrames(gossipFields(), payload, 1000)), errorWith('InvalidFrameError', 'field'))
    assert.throws(() => feed(reassembler(), framesNoCrc(payload, 1000)), errorWith('ChecksumMismatchError', 'checksum'))
    // the empty payload's CRC-32 is 0: both readings agree on it
    assert.equal(crc32(new Uint8Array(0)), 0)
    assert.equal(feed(reassembler(), framesNoCrc(new Uint8Array(0), 1000)).length, 1)
  })

  it('keeps every other check: run, order, size bound', () => {
    const payload = randomBytes(2500, createRng(4))
    const frames = framesNoCrc(payload, 1000)
    assert.throws(() => feed(unchecked(), [frames[1]]), errorWith('InvalidFrameError', 'order'))
    assert.throws(() => feed(unchecked(), [frames[0], frames[2]]), errorWith('InvalidFrameError', 'order'))
    assert.throws(() => feed(unchecked(2000), frames), errorWith('MessageTooLargeError', 'tooLarge'))
    const other = new Reassembler({ runHash: runIdHash('another run'), type: 'gossip', maxMessageBytes: 1 << 20, checksum: false })
    assert.throws(() => feed(other, frames), errorWith('RunMismatchError', 'run'))
  })
})
