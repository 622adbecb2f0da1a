/**
 * Fractions f in (0, 1] for top-k and random-k, kept as exact decimals so every client computes the same
 * k = max(1, ceil(f · d)) without floating-point surprises (0.07 · 100 is 7.000000000000001 in binary64,
 * whose ceiling would be 8). The decimal is the canonical spec text: JavaScript's shortest round-trip form.
 */
export interface Fraction {
  /** canonical text, e.g. '0.01', '1e-7', '1' */
  readonly text: string
  readonly num: bigint
  readonly den: bigint
}

const DECIMAL = /^(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/
const CANONICAL = /^(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/

/** The fraction a spec argument denotes, or undefined when it is not a decimal in (0, 1]. */
export function parseFraction (text: string): Fraction | undefined {
  if (!DECIMAL.test(text)) return undefined
  const value = Number(text)
  if (!(value > 0 && value <= 1)) return undefined
  const canonical = String(value)
  const m = CANONICAL.exec(canonical)
  if (m === null) return undefined
  const frac = m[2] ?? ''
  const exp = Number(m[3] ?? '0') - frac.length
  let num = BigInt(m[1] + frac)
  let den = 1n
  if (exp >= 0) num *= 10n ** BigInt(exp)
  else den = 10n ** BigInt(-exp)
  return { text: canonical, num, den }
}

/** k = max(1, ceil(num · d / den)), at most d since f ≤ 1. */
export function countOf (f: Fraction, d: number): number {
  const k = Number((f.num * BigInt(d) + f.den - 1n) / f.den)
  return Math.min(d, Math.max(1, k))
}
