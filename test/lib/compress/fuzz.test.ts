import assert from 'node:assert/strict'
import { parseCodec } from '../../../lib/compress/index.ts'
import type { Codec } from '../../../lib/compress/index.ts'
import { createRng } from '../../../lib/random/index.ts'
import type { Rng } from '../../../lib/random/index.ts'
import { ALL_SPECS, gaussian } from './helpers.ts'

const BUFFERS_PER_CODEC = 2400
const DIMENSIONS = [1, 5, 8, 45, 130]
const SPECIAL_U32 = [0, 1, 0xffffffff, 0x7fc00000, 0x7f800000, 0xff800000, 0xbf800000, 0x80000000, 0x00800000]

/** a body-level fault each codec's fuzzing must reach, proof that it gets past the header checks */
const DEEP_REASON: Record<string, string> = {
  none: 'non-finite',
  fp16: 'non-finite',
  'qsgd:1': 'value',
  'qsgd:3': 'value',
  'qsgd:16': 'level',
  'topk:0.1': 'index',
  'topk:0.6': 'index',
  'randk:0.25': 'non-finite',
  sign: 'value'
}

type Mutation = (valid: Uint8Array, d: number, rng: Rng) => Uint8Array

function randomBytes (n: number, rng: Rng): Uint8Array {
  const b = new Uint8Array(n)
  for (let i = 0; i < n; i++) b[i] = rng.int(256)
  return b
}

/** Every way a buffer gets broken, each tried in turn: noise, truncation, extension, bit flips, field edits. */
const MUTATIONS: Record<string, Mutation> = {
  noise: (valid, _d, rng) => randomBytes(rng.int(2 * valid.length + 2), rng),
  noiseBehindValidHeader: (valid, _d, rng) => {
    const b = randomBytes(Math.max(8, valid.length - 3 + rng.int(7)), rng)
    b.set(valid.subarray(0, 8))
    return b
  },
  truncate: (valid, _d, rng) => valid.slice(0, rng.int(valid.length)),
  extend: (valid, _d, rng) => Uint8Array.from([...valid, ...randomBytes(1 + rng.int(4), rng)]),
  flipBits: (valid, _d, rng) => {
    const b = Uint8Array.from(valid)
    for (let n = 1 + rng.int(3); n > 0; n--) b[rng.int(b.length)] ^= 1 << rng.int(8)
    return b
  },
  flipBodyBits: (valid, _d, rng) => {
    const b = Uint8Array.from(valid)
    if (b.length > 8) b[8 + rng.int(b.length - 8)] ^= 1 << rng.int(8)
    return b
  },
  editU32: (valid, d, rng) => {
    const b = Uint8Array.from(valid)
    const at = 4 * rng.int(Math.floor(b.length / 4))
    const pool = [...SPECIAL_U32, d, d + 1, d - 1, rng.nextU32()]
    new DataView(b.buffer).setUint32(at, pool[rng.int(pool.length)], true)
    return b
  },
  editByte: (valid, _d, rng) => {
    const b = Uint8Array.from(valid)
    b[rng.int(b.length)] = [0, 0xff, 0x80, 0x7f, 0x7c, rng.int(256)][rng.int(6)]
    return b
  }
}

interface Tally { valid: number, reasons: Map<string, number> }

function decodeOrFail (codec: Codec, bytes: Uint8Array, d: number, what: string, tally: Tally): void {
  let y: Float32Array
  try {
    y = codec.decode(bytes, d)
  } catch (err) {
    if (!(err instanceof Error) || err.name !== 'InvalidPayloadError') {
      assert.fail(`${what}: expected InvalidPayloadError or a vector, got ${String(err)} (${err instanceof Error ? err.stack : ''})`)
    }
    const reason = (err as Error & { reason: string }).reason
    tally.reasons.set(reason, (tally.reasons.get(reason) ?? 0) + 1)
    // the allocation-free variants agree and leave out untouched
    const out = new Float32Array(d).fill(3)
    assert.throws(() => codec.addDecoded(bytes, d, out, 2), { name: 'InvalidPayloadError' }, what)
    assert.ok(out.every((v) => v === 3), `${what}: addDecoded wrote into out before failing`)
    return
  }
  assert.equal(y.length, d, what)
  for (let i = 0; i < d; i++) if (!Number.isFinite(y[i])) assert.fail(`${what}: decoded entry ${i} is ${y[i]}`)
  tally.valid++
}

describe('lib/compress fuzzing: malformed buffers give InvalidPayloadError or a finite vector of length d', () => {
  for (const spec of ALL_SPECS) {
    it(`${spec}: ${BUFFERS_PER_CODEC} seeded buffers (noise, truncations, extensions, bit flips, field edits)`, () => {
      const rng = createRng(`fuzz ${spec}`)
      const codec = parseCodec(spec)
      const valids = DIMENSIONS.map((d) => ({ d, bytes: codec.encode(gaussian(d, rng, 10 ** (rng.int(5) - 2)), rng) }))
      const names = Object.keys(MUTATIONS)
      const tally: Tally = { valid: 0, reasons: new Map() }
      for (let n = 0; n < BUFFERS_PER_CODEC; n++) {
        const { d, bytes } = valids[rng.int(valids.length)]
        const name = names[n % names.length]
        const mutated = MUTATIONS[name](bytes, d, rng)
        decodeOrFail(codec, mutated, d, `${spec} buffer ${n} (${name}, d = ${d})`, tally)
      }
      // the fuzzing reached past the header: several kinds of fault were found, and some mutations decode
      assert.ok(tally.reasons.size >= 4, `${spec}: only reasons ${[...tally.reasons.keys()].join(', ')}`)
      assert.ok(tally.reasons.has('dimension') && tally.reasons.has('length'), `${spec}: reasons ${[...tally.reasons.keys()].join(', ')}`)
      assert.ok(tally.reasons.has(DEEP_REASON[spec]), `${spec}: no ${DEEP_REASON[spec]} fault among ${[...tally.reasons.keys()].join(', ')}`)
      assert.ok(tally.valid > 0, `${spec}: no mutated buffer decoded`)
    })
  }
})
