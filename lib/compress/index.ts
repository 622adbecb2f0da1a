/**
 * lib/compress: codecs that turn a Float32Array (a model or a model difference) into exact wire bytes and
 * back. The byte format is specified in FORMAT.md beside this file. Pure code: no I/O, randomness only
 * through the Rng the caller passes to encode.
 */
import type { Codec, ErrorFeedbackCodec } from './types.ts'
import { parseCodecSpec, specText } from './spec.ts'
import type { CodecSpec } from './spec.ts'
import { noneCodec } from './none.ts'
import { fp16Codec } from './fp16.ts'
import { qsgdCodec } from './qsgd.ts'
import { topkCodec } from './topk.ts'
import { randkCodec } from './randk.ts'
import { signCodec } from './sign.ts'
import { errorFeedback } from './ef.ts'

export type { Codec, ErrorFeedbackCodec, ByteCountInfo } from './types.ts'
export type { PayloadFault } from './errors.ts'
export { InvalidPayloadError, InvalidCodecSpecError, NonFiniteInputError, InvalidArgumentError } from './errors.ts'
export { CODEC_FORMS } from './spec.ts'
export { expectedBytes, maxBytes } from './sizes.ts'
export { unbiasedVariance } from './variance.ts'

/**
 * A codec from its spec: 'none', 'fp16', 'qsgd:<s>', 'topk:<f>', 'randk:<f>', 'sign' or 'ef(<one of these>)'.
 * Throws InvalidCodecSpecError naming the spec and the allowed forms. Each call returns a new instance; an
 * ef(...) codec holds its sender's error memory, so use one per sender stream.
 */
export function parseCodec (spec: string): Codec {
  return build(parseCodecSpec(spec))
}

/** The canonical form of a spec ('topk:0.010' → 'topk:0.01'); throws like parseCodec. */
export function canonicalSpec (spec: string): string {
  return specText(parseCodecSpec(spec))
}

/** True for ef(...) codecs, whose error memory can be inspected and reset. */
export function isErrorFeedback (codec: Codec): codec is ErrorFeedbackCodec {
  return 'inner' in codec && 'reset' in codec
}

function build (s: CodecSpec): Codec {
  switch (s.kind) {
    case 'none': return noneCodec()
    case 'fp16': return fp16Codec()
    case 'sign': return signCodec()
    case 'qsgd': return qsgdCodec(s.levels)
    case 'topk': return topkCodec(s.fraction)
    case 'randk': return randkCodec(s.fraction)
    case 'ef': return errorFeedback(build(s.inner))
  }
}
