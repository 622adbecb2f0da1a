/**
 * The inbound decoder of a gossip message, as the exchange runs it, against random and mutated bytes: the
 * length-prefix reader (it-length-prefixed, bounded), lib/protocol's Reassembler and lib/algorithms'
 * FrameChecker. Laws checked with fast-check (seeded): the decoder never throws anything but the named
 * errors and never delivers a byte that was not sent; encode then decode gives back the frame; every
 * mutation is refused by a named error or reason, or leaves the payload exactly as sent.
 */

import assert from 'node:assert/strict'
import fc from 'fast-check'
import * as lp from 'it-length-prefixed'
import {
  Reassembler, concatFrames, encodeMessage, isProtocolError, runIdHash
} from '../../lib/protocol/index.ts'
import type { FrameFault } from '../../lib/protocol/index.ts'
import { FrameChecker, encodeFrame, decodeFrame } from '../../lib/algorithms/index.ts'
import type { FrameCheck, FrameFields, FrameKind, FrameRejection } from '../../lib/algorithms/index.ts'
import { parseCodec } from '../../lib/compress/index.ts'
import { createRng } from '../../lib/random/index.ts'
import type { Rng } from '../../lib/random/index.ts'

const RUN = runIdHash('frames-test')
const DIM = 24
const MAX_MESSAGE = 4096
const MAX_FRAME = 1024
/** it-length-prefixed's errors, which node/exchange/inbound.ts turns into FrameTooLargeError or InvalidFrameError */
const LP_ERRORS = new Set(['InvalidDataLengthError', 'InvalidDataLengthLengthError', 'InvalidMessageLengthError', 'UnexpectedEOFError'])
const PROTOCOL_ERRORS = new Set(['InvalidFrameError', 'UnsupportedVersionError', 'RunMismatchError', 'MessageTooLargeError', 'ChecksumMismatchError'])

interface Outcome {
  /** frames the reassembler took */
  frames: number
  /** whole messages with their payload and the checker's verdict */
  delivered: Array<{ payload: Uint8Array, round: number, check: FrameCheck }>
  /** the named error that ended the stream, if any */
  error?: { name: string, reason?: FrameFault }
}

/** What node/exchange/inbound.ts does with the bytes of one stream, arriving in `segments`. */
function decodeStream (segments: Uint8Array[], checker: FrameChecker): Outcome {
  const reassembler = new Reassembler({ runHash: RUN, type: 'gossip', maxMessageBytes: MAX_MESSAGE })
  const out: Outcome = { frames: 0, delivered: [] }
  try {
    for (const frame of lp.decode(segments, { maxDataLength: MAX_FRAME })) {
      out.frames++
      const done = reassembler.push(frame)
      if (done?.payload !== undefined) out.delivered.push({ payload: done.payload, round: done.info.round, check: checker.check(done.payload, done.info.round) })
    }
    reassembler.finish()
  } catch (err) {
    const e = err as Error
    if (isProtocolError(e) && PROTOCOL_ERRORS.has(e.name)) out.error = { name: e.name, reason: e.reason }
    else if (LP_ERRORS.has(e.name)) out.error = { name: e.name }
    else throw new Error(`the decoder threw an unnamed error: ${String(e?.name)} ${String(e?.message)}`)
  }
  return out
}

/** Cuts `wire` into 1 to 4 segments at `cuts` (fractions), the way TCP hands bytes over. */
function segment (wire: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => Math.floor(c * wire.length)))].sort((a, b) => a - b)
  const segs: Uint8Array[] = []
  let at = 0
  for (const p of points) { if (p > at) { segs.push(wire.subarray(at, p)); at = p } }
  segs.push(wire.subarray(at))
  return segs
}

/** A valid algorithm frame of the checker's model: kind and encoding consistent, values finite. */
const validFrame = fc.record({
  kind: fc.constantFrom<FrameKind>('model', 'delta', 'full'),
  round: fc.nat({ max: 0xfffffffe }),
  base: fc.nat(),
  values: fc.array(fc.float({ noNaN: true, noDefaultInfinity: true }), { minLength: DIM, maxLength: DIM }),
  resync: fc.array(fc.string({ minLength: 1, maxLength: 20 }), { maxLength: 3 })
}).map(({ kind, round, base, values, resync }) => {
  const x = Float32Array.from(values)
  // delta frames carry a codec payload (here the lossless 'none' codec); model and full frames raw float32
  const encoding = kind === 'delta' ? 'codec' : 'raw'
  const payload = encoding === 'codec' ? parseCodec('none').encode(x, createRng(1)) : new Uint8Array(x.buffer)
  const fields: FrameFields = { kind, encoding, round, base: kind === 'delta' ? base : 0, dim: DIM, resync }
  return { fields, bytes: encodeFrame(fields, payload), x }
})

const checker = new FrameChecker({ dim: DIM, codec: 'none' })
let frames = 0

function wireOf (bytes: Uint8Array, round: number, chunk: number, degree = 3): Uint8Array {
  return concatFrames(encodeMessage({ type: 'gossip', runHash: RUN, round, degree }, bytes, { chunkBytes: chunk }))
}

type Mutation = (w: Uint8Array, rng: Rng) => Uint8Array
const pick = (rng: Rng, n: number): number => rng.int(Math.max(1, n))
const MUTATIONS: Mutation[] = [
  (w, rng) => { const b = w.slice(); for (let n = 1 + pick(rng, 4); n > 0; n--) b[pick(rng, b.length)] ^= 1 << pick(rng, 8); return b },
  (w, rng) => w.slice(0, pick(rng, w.length)),
  (w, rng) => { const at = pick(rng, w.length); return Uint8Array.from([...w.subarray(0, at), pick(rng, 256), ...w.subarray(at)]) },
  (w, rng) => { const at = pick(rng, w.length); return Uint8Array.from([...w.subarray(0, at), ...w.subarray(at + 1 + pick(rng, 8))]) },
  // a u32 field of the first envelope header (round, degree, index, count, length, offset, checksum)
  (w, rng) => { const b = w.slice(); const at = ((b[0] & 0x80) !== 0 ? 2 : 1) + 4 * (3 + pick(rng, 7)); new DataView(b.buffer).setUint32(at, [0, 1, 2, 0xffffffff, 0x7fffffff, MAX_MESSAGE + 1][pick(rng, 6)], true); return b },
  (w, rng) => { const b = new Uint8Array(w.length * 2); b.set(w); b.set(w.subarray(0, pick(rng, w.length)), w.length); return b.subarray(0, w.length + pick(rng, w.length)) }
]

describe('reliability: the gossip decoder against random and mutated frames', () => {
  after(() => { assert.ok(frames >= 10_000, `${frames} frames and byte strings decoded, expected at least 10,000`) })

  it('random byte strings: only named errors, nothing delivered', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 700 }), fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 3 }), (bytes, cuts) => {
      const o = decodeStream(segment(bytes, cuts), checker)
      frames += Math.max(1, o.frames)
      assert.deepEqual(o.delivered, [])
    }), { seed: 101, numRuns: 4000 })
  })

  it('random bytes behind a valid envelope header (magic, version, type, run): only named errors, nothing delivered', () => {
    const head = wireOf(new Uint8Array(64), 3, 64).subarray(0, 1 + 12)
    fc.assert(fc.property(fc.uint8Array({ minLength: 28, maxLength: 300 }), (tail) => {
      const frame = Uint8Array.from([...head.subarray(1), ...tail])
      const o = decodeStream([Uint8Array.of(frame.length > 127 ? (frame.length & 0x7f) | 0x80 : frame.length), ...(frame.length > 127 ? [Uint8Array.of(frame.length >> 7)] : []), frame], checker)
      frames += Math.max(1, o.frames)
      assert.deepEqual(o.delivered, [])
      assert.ok(o.error !== undefined)
    }), { seed: 102, numRuns: 1500 })
  })

  it('encode then decode gives back every valid frame, in any chunking and segmentation, and the checker accepts it', () => {
    fc.assert(fc.property(validFrame, fc.integer({ min: 1, max: 200 }), fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 3 }), (f, chunk, cuts) => {
      const o = decodeStream(segment(wireOf(f.bytes, f.fields.round, chunk), cuts), checker)
      frames += o.frames
      assert.equal(o.error, undefined)
      assert.equal(o.delivered.length, 1)
      const got = o.delivered[0]
      assert.deepEqual(got.payload, f.bytes)
      assert.ok(got.check.ok, JSON.stringify(got.check))
      const { payload, ...fields } = got.check.frame
      assert.deepEqual(fields, f.fields)
      assert.deepEqual(payload, decodeFrame(f.bytes).payload)
    }), { seed: 103, numRuns: 1500 })
  })

  it('mutated messages: refused by a named error or a checker reason, or delivered exactly as sent', () => {
    const reasons = new Map<string, number>()
    fc.assert(fc.property(validFrame, fc.integer({ min: 8, max: 200 }), fc.nat({ max: MUTATIONS.length - 1 }), fc.integer(), (f, chunk, m, seed) => {
      const rng = createRng(seed >>> 0)
      const wire = MUTATIONS[m](wireOf(f.bytes, f.fields.round, chunk), rng)
      const o = decodeStream([wire], checker)
      frames += Math.max(1, o.frames)
      for (const d of o.delivered) {
        // the CRC-32 covers the payload: whatever got through is the sender's bytes, and the checker's verdict on them is 'ok'
        assert.deepEqual(d.payload, f.bytes)
        assert.ok(d.check.ok || d.check.reason === 'roundMismatch', JSON.stringify(d.check))
        if (!d.check.ok) reasons.set(d.check.reason, (reasons.get(d.check.reason) ?? 0) + 1)
      }
      if (o.error !== undefined) reasons.set(o.error.reason ?? o.error.name, (reasons.get(o.error.reason ?? o.error.name) ?? 0) + 1)
    }), { seed: 104, numRuns: 3000 })
    for (const r of ['checksum', 'field', 'truncated', 'run', 'magic', 'roundMismatch']) assert.ok((reasons.get(r) ?? 0) > 0, `mutations never reached ${r}: ${JSON.stringify([...reasons])}`)
  })

  it('well-formed messages with bad content (non-finite, wrong shape, another codec, kind or round) are refused by the checker with their reason', () => {
    const rejected = new Map<FrameRejection, number>()
    const x = Float32Array.from({ length: DIM }, (_, i) => i / 7)
    const variants: Array<{ reason: FrameRejection, make: (v: number) => Uint8Array, round?: number }> = [
      { reason: 'nonFinite', make: (v) => { const y = x.slice(); y[v % DIM] = [NaN, Infinity, -Infinity][v % 3]; return encodeFrame({ kind: 'model', encoding: 'raw', round: 5, base: 0, dim: DIM, resync: [] }, new Uint8Array(y.buffer)) } },
      { reason: 'nonFinite', make: (v) => { const p = parseCodec('none').encode(x, createRng(1)); new DataView(p.buffer).setFloat32(8 + 4 * (v % DIM), NaN, true); return encodeFrame({ kind: 'delta', encoding: 'codec', round: 5, base: 0, dim: DIM, resync: [] }, p) } },
      { reason: 'dimension', make: (v) => encodeFrame({ kind: 'model', encoding: 'raw', round: 5, base: 0, dim: DIM + 1 + v % 5, resync: [] }, new Uint8Array(4 * (DIM + 1 + v % 5))) },
      { reason: 'dimension', make: () => encodeFrame({ kind: 'delta', encoding: 'codec', round: 5, base: 0, dim: DIM, resync: [] }, parseCodec('none').encode(new Float32Array(DIM + 1), createRng(1))) },
      { reason: 'codec', make: (v) => encodeFrame({ kind: 'delta', encoding: 'codec', round: 5, base: 0, dim: DIM, resync: [] }, parseCodec(['topk:0.5', 'fp16', 'sign', 'qsgd:4'][v % 4]).encode(x, createRng(v))) },
      { reason: 'kind', make: () => encodeFrame({ kind: 'delta', encoding: 'raw', round: 5, base: 0, dim: DIM, resync: [] }, new Uint8Array(x.buffer)) },
      { reason: 'roundMismatch', make: (v) => encodeFrame({ kind: 'model', encoding: 'raw', round: 4 - (v % 4), base: 0, dim: DIM, resync: [] }, new Uint8Array(x.buffer)) },
      { reason: 'payload', make: (v) => { const b = encodeFrame({ kind: 'model', encoding: 'raw', round: 5, base: 0, dim: DIM, resync: [] }, new Uint8Array(x.buffer)); return Uint8Array.from([...b, v & 0xff]) } },
      { reason: 'payloadVersion', make: (v) => { const b = encodeFrame({ kind: 'model', encoding: 'raw', round: 5, base: 0, dim: DIM, resync: [] }, new Uint8Array(x.buffer)); b[1] = 2 + (v % 200); return b } }
    ]
    for (let v = 0; v < 90; v++) {
      const variant = variants[v % variants.length]
      const o = decodeStream([wireOf(variant.make(v), 5, 37)], checker)
      frames += o.frames
      assert.equal(o.error, undefined, 'well-formed on the wire')
      assert.equal(o.delivered.length, 1)
      const c = o.delivered[0].check
      assert.ok(!c.ok && c.reason === variant.reason, `expected ${variant.reason}, got ${JSON.stringify(c)}`)
      rejected.set(c.reason, (rejected.get(c.reason) ?? 0) + 1)
    }
    assert.equal(rejected.size, 7, 'every reason of the checker but payload structure faults is reached')
    const chocoChecker = new FrameChecker({ dim: DIM, codec: 'none', kinds: ['delta', 'full'] })
    const model = encodeFrame({ kind: 'model', encoding: 'raw', round: 5, base: 0, dim: DIM, resync: [] }, new Uint8Array(x.buffer))
    assert.deepEqual((chocoChecker.check(model, 5) as { reason: string }).reason, 'kind', 'a model frame is not one CHOCO-SGD mixes')
  })

  it('the checker reads an unaligned raw payload without trusting its alignment', () => {
    const x = Float32Array.from({ length: DIM }, (_, i) => i)
    const frame = encodeFrame({ kind: 'model', encoding: 'raw', round: 1, base: 0, dim: DIM, resync: [] }, new Uint8Array(x.buffer))
    const shifted = new Uint8Array(frame.length + 1).subarray(1)
    shifted.set(frame)
    assert.ok(checker.check(shifted, 1).ok)
    new DataView(shifted.buffer, shifted.byteOffset).setFloat32(24 + 8, NaN, true)
    assert.deepEqual((checker.check(shifted, 1) as { reason: string }).reason, 'nonFinite')
  })
})
