/**
 * Byzantine behaviour for experiments: a designated peer runs the honest algorithm for its own state but
 * sends a crafted vector instead of its model. Never a default and never taken from the network: the
 * simulator gives it to the peers it designates (`--attack SPEC --attackers ...`), `murmur peer --attack`
 * to itself only. Gossip and D-PSGD only (their messages are models; CHOCO-SGD sends deltas of copies).
 *
 * Attacks, in model space as in the ClippedGossip reference (epfml/byzantine-robust-decentralized-optimizer,
 * codes/attacks.py), with x the attacker's own honest model and μ, σ the coordinate-wise mean and standard
 * deviation of the neighbours' vectors it received the round before (its own x until it has heard any):
 * - `signflip`: −x (the reference's BitFlippingWorker).
 * - `gaussian:SIGMA`: x + N(0, σ²) per coordinate.
 * - `alie[:Z]`: μ − z·σ, "A little is enough" (Baruch, Baruch & Goldberg 2019): within the spread of honest
 *   vectors, so distance-based defences see an ordinary neighbour. Their z from n and the number of
 *   attackers is 0 for 2 attackers among 16 peers (or 2 of a peer's 8-value neighbourhood), which would
 *   send μ itself: Z is therefore a parameter (default DEFAULT_ALIE_Z).
 * - `ipm[:EPS]`: −ε·μ, inner-product manipulation (Xie, Koyejo & Gupta 2020), ε = 0.1 by default as in the
 *   reference.
 * - `nan`: every value NaN; receivers reject the message and count it (rejected.nonFinite).
 * The crafted vector goes out as a raw float32 frame whatever the codec (receivers accept raw model frames
 * with any codec, and maxFrameBytes allows them), so compression never softens an attack.
 */

import type { Codec } from '../compress/index.ts'
import type { Rng } from '../random/index.ts'
import type { PeerAlgorithm } from './algorithm.ts'
import type { ResolvedConfig } from './config.ts'
import type { AlgorithmState } from './state.ts'
import type { Exchange, PeerRef, Received, RejectionCounts, RoundReport } from './types.ts'
import { allFinite } from '../vector/index.ts'
import { rawValues } from './common.ts'
import { RawFrame, decodeFrame } from './message.ts'
import { InvalidAlgorithmConfigError } from './errors.ts'

/** ALIE: standard deviations below the neighbours' mean when the spec gives no Z. */
export const DEFAULT_ALIE_Z = 1
/** IPM: ε in −ε·μ when the spec gives no EPS (the ClippedGossip reference's value). */
export const DEFAULT_IPM_EPS = 0.1

export type AttackRule =
  | { kind: 'signflip' }
  | { kind: 'gaussian', sigma: number }
  | { kind: 'alie', z: number }
  | { kind: 'ipm', eps: number }
  | { kind: 'nan' }

const FORMS = "'signflip', 'gaussian:SIGMA' (SIGMA > 0), 'alie', 'alie:Z', 'ipm', 'ipm:EPS' or 'nan'"

function bad (expected: string, got: string): never {
  throw new InvalidAlgorithmConfigError('attack', `attack: expected ${expected}, got ${JSON.stringify(got)}`)
}

function positive (text: string, what: string, spec: string): number {
  const v = Number(text)
  if (text.trim() === '' || !Number.isFinite(v) || v <= 0) bad(`a finite ${what} > 0`, spec)
  return v
}

/** Parses an attack spec; InvalidAlgorithmConfigError (field 'attack') names the accepted forms. */
export function parseAttackRule (spec: string): AttackRule {
  if (typeof spec !== 'string') bad(FORMS, String(spec))
  const s = spec.trim().toLowerCase()
  const [name, arg, extra] = s.split(':')
  if (extra !== undefined) bad(FORMS, spec)
  switch (name) {
    case 'signflip': if (arg !== undefined) bad("'signflip' without a parameter", spec); return { kind: 'signflip' }
    case 'nan': if (arg !== undefined) bad("'nan' without a parameter", spec); return { kind: 'nan' }
    case 'gaussian': if (arg === undefined) bad("a standard deviation: 'gaussian:SIGMA'", spec); return { kind: 'gaussian', sigma: positive(arg, 'SIGMA', spec) }
    case 'alie': return { kind: 'alie', z: arg === undefined ? DEFAULT_ALIE_Z : positive(arg, 'Z', spec) }
    case 'ipm': return { kind: 'ipm', eps: arg === undefined ? DEFAULT_IPM_EPS : positive(arg, 'EPS', spec) }
  }
  return bad(FORMS, spec)
}

export function attackSpec (rule: AttackRule): string {
  switch (rule.kind) {
    case 'signflip': return 'signflip'
    case 'nan': return 'nan'
    case 'gaussian': return `gaussian:${rule.sigma}`
    case 'alie': return `alie:${rule.z}`
    case 'ipm': return `ipm:${rule.eps}`
  }
}

/** The canonical form of a spec ('ALIE' → 'alie:1'). */
export function canonicalAttack (spec: string): string {
  return attackSpec(parseAttackRule(spec))
}

/**
 * The attacker's vector, from its own x and what it heard. `observe` takes the neighbours' vectors of a
 * round (accumulated into a float64 mean and spread, no per-vector storage); `craft` writes the next message.
 */
export class VectorAttack {
  readonly rule: AttackRule
  readonly dim: number
  private readonly rng: Rng
  private readonly sum: Float64Array | undefined
  private readonly sumSq: Float64Array | undefined
  private heard = 0
  private pending = 0

  constructor (rule: AttackRule, dim: number, rng: Rng) {
    this.rule = rule
    this.dim = dim
    this.rng = rng
    const stats = rule.kind === 'alie' || rule.kind === 'ipm'
    this.sum = stats ? new Float64Array(dim) : undefined
    this.sumSq = rule.kind === 'alie' ? new Float64Array(dim) : undefined
  }

  /** starts a new round's statistics (what `craft` uses is the last completed round's) */
  beginObserving (): void {
    this.pending = 0
  }

  /** one neighbour's vector of the round being observed */
  observe (v: Float32Array): void {
    const sum = this.sum
    if (sum === undefined) return
    const sq = this.sumSq
    if (this.pending === 0) { sum.fill(0); sq?.fill(0) }
    for (let i = 0; i < v.length; i++) {
      const t = v[i]
      sum[i] += t
      if (sq !== undefined) sq[i] += t * t
    }
    this.pending++
  }

  /** closes the round: its vectors become the statistics of the next `craft` (kept when none arrived) */
  endObserving (): void {
    if (this.pending > 0) this.heard = this.pending
  }

  /** out ← the vector this attacker sends, given its own honest x */
  craft (x: Float32Array, out: Float32Array): void {
    const d = this.dim
    const r = this.rule
    switch (r.kind) {
      case 'signflip':
        for (let i = 0; i < d; i++) out[i] = -x[i]
        return
      case 'nan':
        out.fill(NaN)
        return
      case 'gaussian':
        for (let i = 0; i < d; i++) out[i] = x[i] + r.sigma * this.rng.normal()
        return
      case 'ipm': {
        const sum = this.sum as Float64Array
        const n = this.heard
        for (let i = 0; i < d; i++) out[i] = -r.eps * (n > 0 ? sum[i] / n : x[i])
        return
      }
      case 'alie': {
        const sum = this.sum as Float64Array
        const sq = this.sumSq as Float64Array
        const n = this.heard
        if (n === 0) { out.set(x); return }
        for (let i = 0; i < d; i++) {
          const mu = sum[i] / n
          // unbiased sample variance (torch.std, as the reference); 0 for a single vector
          const v = n > 1 ? Math.max(0, (sq[i] - n * mu * mu) / (n - 1)) : 0
          out[i] = mu - r.z * Math.sqrt(v)
        }
      }
    }
  }
}

/**
 * A peer algorithm whose outgoing messages are crafted by a VectorAttack: the inner (honest) algorithm
 * runs unchanged over an exchange that swaps its message for the attack's, and reads the neighbours'
 * model frames the attack learns from. Two raw frames alternate by round parity (the buffer lifetime
 * contract of Exchange: round r's bytes stay untouched until round r + 1's exchange call has returned).
 */
export class AttackingPeer implements PeerAlgorithm {
  readonly inner: PeerAlgorithm
  readonly attack: VectorAttack
  private readonly codec: Codec
  private readonly frames: [RawFrame, RawFrame]
  private readonly scratch: Float32Array

  constructor (inner: PeerAlgorithm, attack: VectorAttack, codec: Codec) {
    if (inner.config.algo === 'choco') throw new InvalidAlgorithmConfigError('attack', 'attack: expected gossip or dpsgd (their messages are models), got choco')
    this.inner = inner
    this.attack = attack
    this.codec = codec
    this.frames = [new RawFrame(inner.dim), new RawFrame(inner.dim)]
    this.scratch = new Float32Array(inner.dim)
  }

  get config (): Readonly<ResolvedConfig> { return this.inner.config }
  get dim (): number { return this.inner.dim }
  get params (): Float32Array { return this.inner.params }
  get round (): number { return this.inner.round }
  get rejected (): Readonly<RejectionCounts> { return this.inner.rejected }

  async runRound (r: number, exchange: Exchange, signal?: AbortSignal): Promise<RoundReport> {
    const self = this
    const wrapped: Exchange = {
      neighbours: (): PeerRef[] => exchange.neighbours(),
      ...(exchange.maxDegree !== undefined ? { maxDegree: () => (exchange.maxDegree as () => number)() } : {}),
      async round (round: number, _honest: Uint8Array, opts: { signal: AbortSignal }): Promise<Received[]> {
        const frame = self.frames[round & 1]
        // the inner peer's params are the model its own message carries (taken before mixing)
        self.attack.craft(self.inner.params, frame.values)
        const received = await exchange.round(round, frame.seal({ kind: 'model', round, base: 0, resync: [] }), opts)
        self.learn(round, received)
        return received
      }
    }
    return await this.inner.runRound(r, wrapped, signal)
  }

  /** feeds the neighbours' well-formed model frames of round r to the attack (anything else is ignored) */
  private learn (r: number, received: Received[]): void {
    this.attack.beginObserving()
    for (const msg of received) {
      try {
        const f = decodeFrame(msg.payload)
        if (f.kind !== 'model' || f.dim !== this.dim || f.round !== r) continue
        const v = f.encoding === 'raw' ? rawValues(f.payload, this.dim, this.scratch) : this.codec.decodeInto(f.payload, this.dim, this.scratch)
        if (allFinite(v)) this.attack.observe(v)
      } catch {
        // a neighbour's bad frame: the honest algorithm rejects and counts it; the attack just skips it
      }
    }
    this.attack.endObserving()
  }

  exportState (): AlgorithmState { return this.inner.exportState() }
  importState (state: AlgorithmState): void { this.inner.importState(state) }
}
