import { MAX_QSGD_LEVELS } from './constants.ts'
import { InvalidCodecSpecError } from './errors.ts'
import { parseFraction } from './fraction.ts'
import type { Fraction } from './fraction.ts'

/** Every spec form parseCodec accepts, as listed in its errors. */
export const CODEC_FORMS: readonly string[] = [
  'none',
  'fp16',
  `qsgd:<s> (integer levels 1..${MAX_QSGD_LEVELS})`,
  'topk:<f> (decimal fraction, 0 < f <= 1)',
  'randk:<f> (decimal fraction, 0 < f <= 1)',
  'sign',
  'ef(<codec>) (any form above except ef)'
]

export type CodecSpec =
  | { kind: 'none' }
  | { kind: 'fp16' }
  | { kind: 'sign' }
  | { kind: 'qsgd', levels: number }
  | { kind: 'topk', fraction: Fraction }
  | { kind: 'randk', fraction: Fraction }
  | { kind: 'ef', inner: CodecSpec }

export function parseCodecSpec (spec: string): CodecSpec {
  if (typeof spec !== 'string') throw new InvalidCodecSpecError(String(spec), CODEC_FORMS, `expected a string, got ${typeof spec}`)
  const ef = /^ef\((.*)\)$/.exec(spec)
  if (ef !== null) {
    const inner = parsePlain(ef[1], spec)
    return { kind: 'ef', inner }
  }
  return parsePlain(spec, spec)
}

function parsePlain (text: string, whole: string): Exclude<CodecSpec, { kind: 'ef' }> {
  if (text === 'none' || text === 'fp16' || text === 'sign') return { kind: text }
  const colon = text.indexOf(':')
  const name = colon < 0 ? text : text.slice(0, colon)
  const arg = colon < 0 ? undefined : text.slice(colon + 1)
  if (name === 'qsgd' && arg !== undefined) {
    const levels = /^\d{1,6}$/.test(arg) ? Number(arg) : NaN
    if (!(levels >= 1 && levels <= MAX_QSGD_LEVELS)) {
      throw new InvalidCodecSpecError(whole, CODEC_FORMS, `expected an integer level count in 1..${MAX_QSGD_LEVELS}, got ${JSON.stringify(arg)}`)
    }
    return { kind: 'qsgd', levels }
  }
  if ((name === 'topk' || name === 'randk') && arg !== undefined) {
    const fraction = parseFraction(arg)
    if (fraction === undefined) {
      throw new InvalidCodecSpecError(whole, CODEC_FORMS, `expected a decimal fraction 0 < f <= 1, got ${JSON.stringify(arg)}`)
    }
    return { kind: name, fraction }
  }
  if (text.startsWith('ef(') && !text.endsWith(')')) throw new InvalidCodecSpecError(whole, CODEC_FORMS, `the parenthesis of ef( is not closed: expected ef(<codec>), got ${JSON.stringify(text)}`)
  if (name.startsWith('ef(')) throw new InvalidCodecSpecError(whole, CODEC_FORMS, 'ef(...) cannot wrap another ef(...)')
  throw new InvalidCodecSpecError(whole, CODEC_FORMS, `unknown codec ${JSON.stringify(text)}`)
}

/** The canonical text of a parsed spec: parseCodecSpec(specText(s)) gives s back. */
export function specText (s: CodecSpec): string {
  switch (s.kind) {
    case 'qsgd': return `qsgd:${s.levels}`
    case 'topk':
    case 'randk': return `${s.kind}:${s.fraction.text}`
    case 'ef': return `ef(${specText(s.inner)})`
    default: return s.kind
  }
}
