import assert from 'node:assert/strict'
import { CODEC_FORMS, canonicalSpec, parseCodec } from '../../../lib/compress/index.ts'
import { createRng } from '../../../lib/random/index.ts'
import { ALL_SPECS, assertThrowsNamed, gaussian, thrown } from './helpers.ts'

describe('lib/compress specs and encode-side errors', () => {
  it('parses every form and reports its canonical spec', () => {
    const table: Array<[string, string, boolean]> = [
      ['none', 'none', true],
      ['fp16', 'fp16', false],
      ['sign', 'sign', false],
      ['qsgd:16', 'qsgd:16', false],
      ['qsgd:016', 'qsgd:16', false],
      ['qsgd:65535', 'qsgd:65535', false],
      ['topk:0.010', 'topk:0.01', false],
      ['topk:.5', 'topk:0.5', false],
      ['topk:1', 'topk:1', false],
      ['randk:1e-3', 'randk:0.001', false],
      ['randk:1E-7', 'randk:1e-7', false],
      ['ef(topk:0.01)', 'ef(topk:0.01)', false],
      ['ef(none)', 'ef(none)', true],
      ['ef(qsgd:04)', 'ef(qsgd:4)', false]
    ]
    for (const [spec, canonical, lossless] of table) {
      const codec = parseCodec(spec)
      assert.equal(codec.spec, canonical, spec)
      assert.equal(canonicalSpec(spec), canonical, spec)
      assert.equal(parseCodec(canonical).spec, canonical, spec)
      assert.equal(codec.lossless, lossless, spec)
    }
  })

  it('refuses malformed specs with InvalidCodecSpecError naming the spec and listing the allowed forms', () => {
    const bad = ['', 'zip', 'NONE', ' none', 'none ', 'sign:1', 'qsgd', 'qsgd:', 'qsgd:0', 'qsgd:65536', 'qsgd:1.5', 'qsgd:-1',
      'qsgd:1e2', 'topk', 'topk:', 'topk:0', 'topk:-0.1', 'topk:1.5', 'topk:abc', 'topk:NaN', 'topk:Infinity', 'topk:0.1x',
      'topk:0x1', 'randk:2', 'ef()', 'ef(zip)', 'ef(ef(none))', 'ef(none', 'ef (none)']
    for (const spec of bad) {
      const err = thrown(() => parseCodec(spec))
      assert.equal(err.name, 'InvalidCodecSpecError', `${JSON.stringify(spec)}: ${err.message}`)
      const fields = err as Error & { spec: string, allowed: readonly string[] }
      assert.equal(fields.spec, spec)
      assert.deepEqual(fields.allowed, CODEC_FORMS)
    }
    assertThrowsNamed(() => parseCodec(42 as unknown as string), 'InvalidCodecSpecError')
    assert.match(thrown(() => parseCodec('ef(topk:0.1')).message, /parenthesis of ef\( is not closed/)
    assert.match(thrown(() => parseCodec('ef(ef(none))')).message, /cannot wrap another ef/)
  })

  it('encode refuses NaN and ±Infinity with NonFiniteInputError naming the first bad index', () => {
    const rng = createRng(61)
    for (const spec of [...ALL_SPECS, 'ef(topk:0.1)', 'ef(sign)']) {
      for (const [value, at] of [[NaN, 0], [Infinity, 17], [-Infinity, 39]] as const) {
        const x = gaussian(40, rng)
        x[at] = value
        if (at < 39) x[39] = NaN // a later bad entry too: the error names the first
        const err = thrown(() => parseCodec(spec).encode(x, rng))
        assert.equal(err.name, 'NonFiniteInputError', `${spec}: ${err.message}`)
        assert.equal((err as Error & { index: number }).index, at, spec)
      }
    }
  })

  it('encode refuses finite input whose float32 norm or scaled value would overflow', () => {
    const rng = createRng(62)
    const huge = Float32Array.from([3e38, -3e38, 3e38])
    const err = thrown(() => parseCodec('qsgd:4').encode(huge, rng))
    assert.equal(err.name, 'NonFiniteInputError')
    assert.equal((err as Error & { index: number }).index, -1)
    // randk scales by d/k = 10: 1e38 · 10 is beyond float32
    assertThrowsNamed(() => parseCodec('randk:0.1').encode(new Float32Array(10).fill(1e38), rng), 'NonFiniteInputError')
    // the other codecs carry such vectors
    for (const spec of ['none', 'fp16', 'topk:0.5', 'sign']) assert.equal(parseCodec(spec).decode(parseCodec(spec).encode(huge, rng), 3).length, 3)
  })

  it('encode refuses an empty vector and anything but a Float32Array with InvalidArgumentError', () => {
    const rng = createRng(63)
    for (const spec of [...ALL_SPECS, 'ef(sign)']) {
      assertThrowsNamed(() => parseCodec(spec).encode(new Float32Array(0), rng), 'InvalidArgumentError')
      assertThrowsNamed(() => parseCodec(spec).encode(new Float64Array(4) as unknown as Float32Array, rng), 'InvalidArgumentError')
    }
  })

  it('encoding is a function of the input and the rng state: the same seed gives the same bytes', () => {
    for (const spec of ALL_SPECS) {
      const x = gaussian(300, createRng(64))
      assert.deepEqual(parseCodec(spec).encode(x, createRng(65)), parseCodec(spec).encode(x, createRng(65)), spec)
    }
    const x = gaussian(300, createRng(64))
    assert.notDeepEqual(parseCodec('randk:0.1').encode(x, createRng(1)), parseCodec('randk:0.1').encode(x, createRng(2)))
    assert.notDeepEqual(parseCodec('qsgd:4').encode(x, createRng(1)), parseCodec('qsgd:4').encode(x, createRng(2)))
  })
})
