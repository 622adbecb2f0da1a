/**
 * Seeded pseudo-random numbers, identical on every machine and Node version.
 *
 * xoshiro128** (Blackman & Vigna 2018) seeded through splitmix32, so nearby seeds give unrelated
 * streams. Only 32-bit integer arithmetic (Math.imul, >>> 0) is used: results never depend on the
 * platform's floating point. Nothing in murmur may call Math.random.
 */

export interface Rng {
  /** uniform in [0, 1), 32 bits of randomness */
  next(): number
  /** uniform unsigned 32-bit integer */
  nextU32(): number
  /** uniform integer in [0, n) without modulo bias; n in [1, 2^32] */
  int(n: number): number
  /** standard normal N(0, 1) (Box–Muller, one value a call) */
  normal(): number
  /** an independent generator derived from this one's seed and a label, without advancing this one */
  fork(label: string | number): Rng
  /** the 32-bit seed this generator was built from */
  readonly seed: number
}

/** 32-bit FNV-1a hash of the parts, joined with a separator: stable seeds from (seed, "peer", i) etc. */
export function hashSeed (...parts: Array<string | number>): number {
  let h = 0x811c9dc5
  const text = parts.map(String).join('\u001f')
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    h ^= c & 0xff
    h = Math.imul(h, 0x01000193)
    h ^= c >>> 8
    h = Math.imul(h, 0x01000193)
  }
  return h >>> 0
}

function splitmix32 (state: number): () => number {
  let s = state >>> 0
  return () => {
    s = (s + 0x9e3779b9) >>> 0
    let z = s
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b)
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35)
    return (z ^ (z >>> 16)) >>> 0
  }
}

class Xoshiro128 implements Rng {
  readonly seed: number
  private a: number
  private b: number
  private c: number
  private d: number
  private spare: number | undefined

  constructor (seed: number) {
    this.seed = seed >>> 0
    const sm = splitmix32(this.seed)
    this.a = sm(); this.b = sm(); this.c = sm(); this.d = sm()
    if ((this.a | this.b | this.c | this.d) === 0) this.a = 1
  }

  nextU32 (): number {
    const result = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0
    const t = this.b << 9
    this.c ^= this.a
    this.d ^= this.b
    this.b ^= this.c
    this.a ^= this.d
    this.c ^= t
    this.d = rotl(this.d, 11)
    return result
  }

  next (): number {
    return this.nextU32() / 4294967296
  }

  int (n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > 4294967296) throw new RangeError(`int(n) needs an integer n in [1, 2^32], got ${n}`)
    if (n === 4294967296) return this.nextU32()
    // rejection sampling: draw again when the draw falls in the incomplete last bucket
    const limit = 4294967296 - (4294967296 % n)
    let v = this.nextU32()
    while (v >= limit) v = this.nextU32()
    return v % n
  }

  normal (): number {
    if (this.spare !== undefined) {
      const s = this.spare
      this.spare = undefined
      return s
    }
    let u = 0
    while (u === 0) u = this.next()
    const v = this.next()
    const r = Math.sqrt(-2 * Math.log(u))
    this.spare = r * Math.sin(2 * Math.PI * v)
    return r * Math.cos(2 * Math.PI * v)
  }

  fork (label: string | number): Rng {
    return new Xoshiro128(hashSeed(this.seed, 'fork', label))
  }
}

function rotl (x: number, k: number): number {
  return (x << k) | (x >>> (32 - k))
}

/** A generator from a number (its low 32 bits after hashing non-integers) or a string. */
export function createRng (seed: number | string): Rng {
  const s = typeof seed === 'number' && Number.isInteger(seed) && seed >= 0 && seed <= 0xffffffff ? seed : hashSeed(seed)
  return new Xoshiro128(s)
}

/** Fisher–Yates shuffle in place with the given generator. */
export function shuffle<T> (items: T[] | Uint32Array | Int32Array, rng: Rng): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = rng.int(i + 1)
    const t = items[i]
    items[i] = items[j]
    items[j] = t as any
  }
}
