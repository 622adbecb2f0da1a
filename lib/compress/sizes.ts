import type { ByteCountInfo } from './types.ts'
import type { CodecSpec } from './spec.ts'
import { parseCodecSpec } from './spec.ts'
import { InvalidArgumentError } from './errors.ts'
import { HEADER_BYTES, MAX_VARINT_BYTES } from './constants.ts'
import { checkDimension } from './header.ts'
import { countOf } from './fraction.ts'
import { noneBytes } from './none.ts'
import { fp16Bytes } from './fp16.ts'
import { qsgdBytes } from './qsgd.ts'
import { bitmapBytes, topkBytes } from './topk.ts'
import { randkBytes } from './randk.ts'
import { signBytes } from './sign.ts'

/**
 * The exact payload size of `spec` for dimension d (FORMAT.md, "Sizes"). Only top-k depends on the message:
 * pass the chosen indices (increasing) in info.indices.
 */
export function expectedBytes (spec: string, d: number, info: ByteCountInfo = {}): number {
  checkDimension(d, spec)
  return sizeOf(parseCodecSpec(spec), d, info)
}

/** An upper bound on the payload size of `spec` for dimension d: what a frame limit must allow. */
export function maxBytes (spec: string, d: number): number {
  checkDimension(d, spec)
  let s = parseCodecSpec(spec)
  if (s.kind === 'ef') s = s.inner
  if (s.kind === 'topk') {
    const k = countOf(s.fraction, d)
    return HEADER_BYTES + 4 + 4 * k + Math.min(MAX_VARINT_BYTES * k, bitmapBytes(d))
  }
  return sizeOf(s, d, {})
}

function sizeOf (s: CodecSpec, d: number, info: ByteCountInfo): number {
  switch (s.kind) {
    case 'none': return noneBytes(d)
    case 'fp16': return fp16Bytes(d)
    case 'sign': return signBytes(d)
    case 'qsgd': return qsgdBytes(s.levels, d)
    case 'randk': return randkBytes(countOf(s.fraction, d))
    case 'ef': return sizeOf(s.inner, d, info)
    case 'topk': {
      const k = countOf(s.fraction, d)
      if (info.indices === undefined || info.indices.length !== k) {
        throw new InvalidArgumentError(`topk:${s.fraction.text}: expected info.indices with the ${k} chosen indices for d = ${d}, got ${info.indices === undefined ? 'none' : info.indices.length}`)
      }
      return topkBytes(d, k, info.indices)
    }
  }
}
