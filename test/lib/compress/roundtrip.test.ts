import assert from 'node:assert/strict'
import { parseCodec } from '../../../lib/compress/index.ts'
import { createRng } from '../../../lib/random/index.ts'
import { ALL_SPECS, gaussian } from './helpers.ts'
import { referenceDecode } from './reference.ts'

const f16round = (Math as unknown as { f16round?: (v: number) => number }).f16round

describe('lib/compress round trips', () => {
  it('none is lossless bit for bit, including -0, subnormals and the float32 extremes', () => {
    const x = Float32Array.from([0, -0, 1.5, -2.25, 1e-45, -1e-40, 3.4028234663852886e38, -3.4028234663852886e38, 1.1754943508222875e-38])
    const codec = parseCodec('none')
    assert.equal(codec.lossless, true)
    const y = codec.decode(codec.encode(x, createRng(1)), x.length)
    assert.deepEqual(new Uint32Array(y.buffer), new Uint32Array(x.buffer))
  })

  it('fp16 keeps every finite half exactly and rounds every midpoint between halves to the even neighbour', () => {
    const codec = parseCodec('fp16')
    const halves: number[] = []
    for (let h = 0; h < 0x7c00; h++) halves.push(halfValue(h))
    const x = Float32Array.from(halves.flatMap((v) => [v, -v]))
    assert.deepEqual(codec.decode(codec.encode(x, createRng(1)), x.length), x)
    // midpoints of consecutive positive halves are exact in float32; RNE takes the one with an even bit pattern
    const mids = new Float32Array(0x7bff)
    for (let h = 0; h < 0x7bff; h++) mids[h] = (halves[h] + halves[h + 1]) / 2
    const y = codec.decode(codec.encode(mids, createRng(1)), mids.length)
    for (let h = 0; h < 0x7bff; h++) assert.equal(y[h], halves[h % 2 === 0 ? h : h + 1], `midpoint after half 0x${h.toString(16)}`)
  })

  it('fp16 matches Math.f16round (IEEE round to nearest even) on random values of every magnitude', function () {
    if (f16round === undefined) this.skip()
    const rng = createRng(2)
    const codec = parseCodec('fp16')
    const x = new Float32Array(20_000)
    for (let i = 0; i < x.length; i++) x[i] = (rng.next() - 0.5) * 2 ** (rng.int(50) - 34)
    const y = codec.decode(codec.encode(x, rng), x.length)
    for (let i = 0; i < x.length; i++) assert.equal(y[i], f16round?.(x[i]), `x = ${x[i]}`)
  })

  it('fp16 error is at most 2^-11 relative in the normal range and 2^-25 absolute below it', () => {
    const rng = createRng(3)
    const codec = parseCodec('fp16')
    const x = new Float32Array(20_000)
    for (let i = 0; i < x.length; i++) x[i] = (rng.next() * 2 - 1) * 2 ** (rng.int(44) - 28)
    const y = codec.decode(codec.encode(x, rng), x.length)
    for (let i = 0; i < x.length; i++) {
      const a = Math.abs(x[i])
      const err = Math.abs(y[i] - x[i])
      if (a >= 2 ** -14 && a <= 65504) assert.ok(err <= a * 2 ** -11, `x = ${x[i]}, got ${y[i]}`)
      else if (a < 2 ** -14) assert.ok(err <= 2 ** -25, `x = ${x[i]}, got ${y[i]}`)
    }
  })

  it('fp16 saturates beyond the half range to ±65504 instead of Infinity', () => {
    const codec = parseCodec('fp16')
    const x = Float32Array.from([65504, 65519.99, 65520, 1e6, -65520, -3e38, 65488, 65512])
    const y = codec.decode(codec.encode(x, createRng(1)), x.length)
    // 65488 is the tie between halves 65472 (0x7bfe, even) and 65504: it goes to the even one;
    // 65512 is below 65520, the midpoint to the would-be next half 65536, so IEEE rounds it to 65504 too
    assert.deepEqual([...y], [65504, 65504, 65504, 65504, -65504, -65504, 65472, 65504])
  })

  it('topk keeps the chosen entries exactly and zeroes the others', () => {
    const rng = createRng(4)
    const d = 500
    const x = gaussian(d, rng)
    const codec = parseCodec('topk:0.05')
    const y = codec.decode(codec.encode(x, rng), d)
    const threshold = [...x].map(Math.abs).sort((a, b) => b - a)[24]
    let kept = 0
    for (let i = 0; i < d; i++) {
      if (Math.abs(x[i]) >= threshold) { assert.equal(y[i], x[i]); kept++ } else assert.equal(y[i], 0)
    }
    assert.equal(kept, 25)
  })

  it('sign decodes to ‖x‖₁/d · sign(x) with zeros mapped to +scale', () => {
    const rng = createRng(5)
    const x = gaussian(203, rng)
    x[7] = 0
    x[8] = -0
    const y = parseCodec('sign').decode(parseCodec('sign').encode(x, rng), x.length)
    let l1 = 0
    for (const v of x) l1 += Math.abs(v)
    const scale = Math.fround(l1 / x.length)
    for (let i = 0; i < x.length; i++) assert.equal(y[i], x[i] < 0 ? -scale : scale, `entry ${i}`)
  })

  it('qsgd lands on one of the two levels around each entry (error below one level, same sign)', () => {
    const rng = createRng(6)
    for (const s of [1, 2, 7, 16, 255]) {
      const x = gaussian(300, rng)
      const codec = parseCodec(`qsgd:${s}`)
      const y = codec.decode(codec.encode(x, rng), x.length)
      const norm = Math.hypot(...x)
      const unit = norm / s
      for (let i = 0; i < x.length; i++) {
        const lower = Math.floor(Math.abs(x[i]) / unit)
        const level = Math.round(Math.abs(y[i]) / unit)
        assert.ok(level === lower || level === lower + 1, `s = ${s}, x = ${x[i]}, got ${y[i]}`)
        assert.ok(Math.abs(y[i] - x[i]) <= unit * (1 + 1e-6), `s = ${s}, x = ${x[i]}, got ${y[i]}`)
        if (y[i] !== 0) assert.equal(Math.sign(y[i]), Math.sign(x[i]))
      }
    }
  })

  it('qsgd of the zero vector is the zero vector', () => {
    const codec = parseCodec('qsgd:4')
    assert.deepEqual([...codec.decode(codec.encode(new Float32Array(9), createRng(1)), 9)], new Array(9).fill(0))
  })

  it('randk sends k entries scaled by d/k and zeroes the rest', () => {
    const rng = createRng(7)
    const d = 400
    const x = gaussian(d, rng)
    const codec = parseCodec('randk:0.1')
    const y = codec.decode(codec.encode(x, rng), d)
    let kept = 0
    for (let i = 0; i < d; i++) {
      if (y[i] !== 0) { kept++; assert.equal(y[i], Math.fround(x[i] * 10)) }
    }
    assert.equal(kept, 40)
  })

  it('the library and the FORMAT.md reference client decode every codec identically', () => {
    const rng = createRng(8)
    for (const spec of ALL_SPECS) {
      for (const d of [1, 9, 64, 333]) {
        const x = gaussian(d, rng)
        const bytes = parseCodec(spec).encode(x, rng)
        assert.deepEqual(parseCodec(spec).decode(bytes, d), referenceDecode(bytes).decoded, `${spec} d = ${d}`)
      }
    }
  })

  it('decodeInto overwrites, addDecoded accumulates alpha times the decoded vector', () => {
    const rng = createRng(9)
    const d = 77
    for (const spec of ALL_SPECS) {
      const codec = parseCodec(spec)
      const bytes = codec.encode(gaussian(d, rng), rng)
      const decoded = codec.decode(bytes, d)
      const out = gaussian(d, rng)
      assert.deepEqual(codec.decodeInto(bytes, d, out), decoded, spec)
      const base = gaussian(d, rng)
      const acc = Float32Array.from(base)
      codec.addDecoded(bytes, d, acc, -0.5)
      for (let i = 0; i < d; i++) assert.equal(acc[i], Math.fround(base[i] - 0.5 * decoded[i]), `${spec} entry ${i}`)
    }
  })
})

function halfValue (h: number): number {
  const exp = h >> 10
  const man = h & 0x3ff
  return exp === 0 ? man * 2 ** -24 : (1 + man / 1024) * 2 ** (exp - 15)
}
