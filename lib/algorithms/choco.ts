/**
 * CHOCO-SGD (Koloskova, Stich & Jaggi 2019, "Decentralized Stochastic Optimization and Gossip Algorithms
 * with Compressed Communication", Algorithm 2), per peer:
 *   x_i ← x_i − η∇f_i(x_i)                        (H local steps)
 *   q_i = Q(x_i − x̂_i), sent to the neighbours
 *   x̂_j ← x̂_j + q_j/τ for every j heard, and x̂_i ← x̂_i + q_i/τ
 * τ = 1 + ω makes an unbiased codec of variance ω contractive, as the paper's analysis needs (its rescaled
 * random-k and QSGD): random-k then keeps its k coordinates unscaled, and qsgd:16 on 10⁵ floats (ω ≈ 20), which
 * diverged at every γ tried when applied as is, is damped to match. τ = 1 for the codecs that are already
 * contractive (top-k, sign, fp16) or lossless (lib/compress unbiasedVariance).
 *   x_i ← x_i + γ Σ_j W_ij (x̂_j − x̂_i)
 * Copies x̂_j are kept for current neighbours only and start at zero (version 0), as in the paper.
 *
 * Keeping copies consistent when messages are lost. Every frame carries the sender's round r and the
 * version `base` of its own copy x̂_i before this update (version = round + 1 of the last update, 0 for
 * the zero start). A receiver applies a delta only when its copy of the sender is at `base`; then both
 * sides are at version r + 1. Otherwise (a lost or rejected message, a new edge, a restart) the copy is
 * stale: the neighbour gets no weight (it moves to W_ii) and this peer lists it in the resync requests of
 * its following messages until a full copy arrives. A peer named in any request sends a `full` frame in
 * its next round: x̂_i ← x_i, sent at full precision (raw float32), which every receiver adopts as is.
 * A neighbour that is silent for a round (offline) leaves the copies in step: nothing was sent.
 */

import { unbiasedVariance } from '../compress/index.ts'
import type { Codec } from '../compress/index.ts'
import type { Rng } from '../random/index.ts'
import { allFinite, allocVector, axpy, linearCombination, sub } from '../vector/index.ts'
import type { ResolvedConfig } from './config.ts'
import type { PeerAlgorithm } from './algorithm.ts'
import type { AlgorithmState, ChocoCopyState } from './state.ts'
import { checkCommonState, checkErrorMemory, checkVector, exportErrorMemory, importErrorMemory } from './state.ts'
import type { Exchange, LocalObjective, RoundReport } from './types.ts'
import { LocalTrainer, RowWeights, ScratchPool, addCounts, collectSlots, countPayloadError, rawValues, zeroCounts } from './common.ts'
import type { Slot } from './common.ts'
import { RawFrame, encodeFrame } from './message.ts'
import { Sgd } from './optimizer.ts'
import type { Aggregator } from './aggregate.ts'
import { InvalidAlgorithmStateError, NonFiniteModelError, RoundOrderError, nonFiniteCauses } from './errors.ts'

/** Version of a copy known to be out of step (never equal to a frame's u32 base). */
const UNKNOWN = -1

interface Copy {
  version: number
  values: Float32Array
}

export interface ChocoPeerInit {
  config: ResolvedConfig
  x0: Float32Array
  objective: LocalObjective
  codec: Codec
  rng: Rng
  now: () => number
  /** this peer's id, as its neighbours name it in resync requests */
  id: string
  /** the mixing rule (aggregate.ts); 'mean' mixes with the combination in runRound, unchanged */
  aggregator: Aggregator
}

export class ChocoPeer implements PeerAlgorithm {
  readonly config: Readonly<ResolvedConfig>
  readonly dim: number
  readonly id: string
  readonly rejected = zeroCounts()
  private nextRound = 0
  private roundsRun = 0
  private readonly codec: Codec
  /** 1/τ: what a decoded delta is scaled by before it is added to a copy (1 unless the codec is unbiased) */
  private readonly deltaScale: number
  private readonly rng: Rng
  private readonly now: () => number
  private readonly trainer: LocalTrainer
  private readonly optimizer: Sgd
  private readonly weights: RowWeights
  private readonly scratch: ScratchPool
  private readonly x: Float32Array
  /** x̂_i and its version */
  private readonly selfCopy: Float32Array
  private selfVersion = 0
  private fullRequested = false
  private readonly copies = new Map<string, Copy>()
  /** full frames are written here (raw float32, no copy) */
  /**
   * Two full frames, used by round parity: a frame sent in round r must stay untouched until round r + 1's
   * exchange call returns (its sends may still run), so round r + 1 must not reuse it.
   */
  private readonly fullFrames: [RawFrame, RawFrame]
  private readonly diff: Float32Array
  private readonly sum: Float32Array
  private readonly coeffs: number[] = []
  private readonly aggregator: Aggregator

  constructor (init: ChocoPeerInit) {
    const { config, x0 } = init
    this.config = config
    this.dim = x0.length
    this.id = init.id
    this.codec = init.codec
    this.deltaScale = 1 / (1 + unbiasedVariance(init.codec.spec, this.dim))
    this.rng = init.rng
    this.now = init.now
    this.aggregator = init.aggregator
    this.optimizer = new Sgd(this.dim, config.lr, config.momentum, config.weightDecay)
    this.trainer = new LocalTrainer(init.objective, this.optimizer)
    this.weights = new RowWeights(config.weights)
    this.scratch = new ScratchPool(this.dim)
    // in kernel memory, so the local steps' SGD update runs as lib/vector's SIMD kernel (same bits either way)
    this.x = allocVector(this.dim)
    this.x.set(x0)
    this.selfCopy = new Float32Array(this.dim)
    this.fullFrames = [new RawFrame(this.dim), new RawFrame(this.dim)]
    this.diff = new Float32Array(this.dim)
    this.sum = new Float32Array(this.dim)
  }

  get params (): Float32Array { return this.x }
  get round (): number { return this.nextRound }

  /** x̂_j as this peer holds it (x̂_i for its own id), or undefined; for tests of copy consistency */
  publicCopy (id?: string): { version: number, values: Float32Array } | undefined {
    if (id === undefined) return { version: this.selfVersion, values: this.selfCopy }
    const c = this.copies.get(id)
    return c === undefined ? undefined : { version: c.version, values: c.values }
  }

  async runRound (r: number, exchange: Exchange, signal: AbortSignal = new AbortController().signal): Promise<RoundReport> {
    if (!Number.isInteger(r) || r < this.nextRound || r > 0xfffffffe) throw new RoundOrderError(`expected a round ≥ ${this.nextRound}, got ${String(r)}`)
    const t0 = this.now()
    const H = this.config.localSteps
    const loss = this.trainer.steps(this.x, H)
    if (!allFinite(this.x)) throw new NonFiniteModelError(r, `round ${r}: the peer's own parameters are not finite after the local steps: ${nonFiniteCauses(this.config)}`)
    const neighbours = exchange.neighbours()
    this.reconcileCopies(neighbours.map((p) => p.id))
    const outgoing = this.encode(r)
    const t1 = this.now()
    const received = await exchange.round(r, outgoing, { signal })
    const t2 = this.now()

    const counts = zeroCounts()
    const slots = collectSlots(r, this.dim, neighbours, received, counts)
    const dMax = this.weights.maxDegree(exchange)
    const contributing: Slot[] = []
    const copies: Float32Array[] = []
    let requested = false
    for (const slot of slots) {
      const copy = this.copies.get(slot.id) as Copy
      // an arrival we cannot use means the sender moved its x̂ without us: out of step
      if (slot.arrived && slot.frame === undefined) copy.version = UNKNOWN
      if (slot.frame === undefined) continue
      if (slot.frame.resync.includes(this.id)) requested = true
      if (this.apply(slot, copy, r, counts)) { contributing.push(slot); copies.push(copy.values) }
    }
    this.fullRequested = requested

    // x_i ← x_i + γ Σ_j W_ij (x̂_j − x̂_i) = x_i + γ (Σ_j W_ij x̂_j − (Σ_j W_ij) x̂_i)
    const row = this.weights.row(neighbours.length, contributing, this.coeffs, dMax)
    if (contributing.length > 0 && this.aggregator.rule.kind !== 'mean') {
      // the robust counterpart (He et al. 2022 apply ClippedGossip to the differences x̂_j − x̂_i the same way):
      // x_i ← x_i + γ (A(x̂_i; x̂_j) − x̂_i); the copies are finite (checked as they were applied)
      if (this.aggregator.combine(this.sum, this.selfCopy, row.self, this.coeffs, copies)) {
        sub(this.sum, this.sum, this.selfCopy)
        axpy(this.x, this.config.gamma, this.sum)
      }
    } else if (contributing.length > 0) {
      const total = 1 - row.self
      this.coeffs.push(-total)
      copies.push(this.selfCopy)
      linearCombination(this.sum, this.coeffs, copies)
      axpy(this.x, this.config.gamma, this.sum)
    }
    addCounts(this.rejected, counts)
    this.nextRound = r + 1
    this.roundsRun++
    let arrived = 0
    let stale = 0
    for (const s of slots) if (s.arrived) arrived++
    for (const c of this.copies.values()) if (c.version === UNKNOWN) stale++
    return {
      round: r,
      trainLoss: loss / H,
      bytesSent: outgoing.length * neighbours.length,
      received: arrived,
      missing: slots.length - arrived,
      rejected: counts,
      stale,
      row,
      computeMs: (t1 - t0) + (this.now() - t2),
      commMs: t2 - t1
    }
  }

  /**
   * Keep copies for current neighbours only. A new neighbour's copy starts at the common zero start in
   * this peer's first round; later (a new edge, a rejoin) it is unknown and a full copy is requested.
   */
  private reconcileCopies (ids: string[]): void {
    const current = new Set(ids)
    for (const id of [...this.copies.keys()]) if (!current.has(id)) this.copies.delete(id)
    for (const id of ids) {
      if (!this.copies.has(id)) this.copies.set(id, { version: this.roundsRun === 0 ? 0 : UNKNOWN, values: new Float32Array(this.dim) })
    }
  }

  private resyncRequests (): string[] {
    const ids: string[] = []
    for (const [id, c] of this.copies) if (c.version === UNKNOWN) ids.push(id)
    return ids
  }

  /** a full copy of x̂_i when asked for one (x̂_i unchanged), else the compressed delta q_i = Q(x_i − x̂_i), added to x̂_i */
  private encode (r: number): Uint8Array {
    const resync = this.resyncRequests()
    const base = this.selfVersion
    this.selfVersion = r + 1
    if (this.fullRequested) {
      // Resend the public copy x̂_i itself, in full precision, and leave it where it is. Jumping x̂_i to x_i
      // would change every difference x̂_i − x̂_j by the compression lag x_i − x̂_i that all peers still share
      // (copies start at zero), and the mixing would spread that as a lasting bias around this peer.
      const frame = this.fullFrames[r & 1]
      frame.values.set(this.selfCopy)
      return frame.seal({ kind: 'full', round: r, base, resync })
    }
    sub(this.diff, this.x, this.selfCopy)
    const payload = this.codec.encode(this.diff, this.rng.fork(r))
    // the same addDecoded every receiver runs, so x̂_i stays bit-identical to their copies
    this.codec.addDecoded(payload, this.dim, this.selfCopy, this.deltaScale)
    return encodeFrame({ kind: 'delta', encoding: 'codec', round: r, base, dim: this.dim, resync }, payload)
  }

  /** applies a neighbour's frame to its copy; true when the copy is in step and may be mixed */
  private apply (slot: Slot, copy: Copy, r: number, counts: ReturnType<typeof zeroCounts>): boolean {
    const frame = slot.frame
    if (frame === undefined) return false
    if (frame.kind === 'full' && frame.encoding === 'raw') {
      const values = rawValues(frame.payload, this.dim, this.scratch.get(0))
      if (!allFinite(values)) { counts.nonFinite++; copy.version = UNKNOWN; return false }
      copy.values.set(values)
      copy.version = r + 1
      return true
    }
    if (frame.kind !== 'delta' || frame.encoding !== 'codec') { counts.outOfStep++; copy.version = UNKNOWN; return false }
    if (copy.version !== frame.base) { copy.version = UNKNOWN; return false }
    try {
      // validates the whole payload before touching the copy
      this.codec.addDecoded(frame.payload, this.dim, copy.values, this.deltaScale)
    } catch (err) {
      countPayloadError(err, counts)
      copy.version = UNKNOWN
      return false
    }
    // finite deltas can still add up past float32 (two deltas of 3.4e38): such a copy is out of step, and a full
    // copy is asked for, instead of mixing infinity into the model
    // (its values mean nothing until the full copy: zeroed, so a checkpoint of this state stays finite)
    if (!allFinite(copy.values)) { counts.nonFinite++; copy.version = UNKNOWN; copy.values.fill(0); return false }
    copy.version = r + 1
    return true
  }

  exportState (): AlgorithmState {
    const copies: ChocoCopyState[] = []
    for (const [id, c] of this.copies) copies.push({ id, version: c.version, values: c.values.slice() })
    const state: AlgorithmState = {
      algo: 'choco',
      round: this.nextRound,
      params: this.x.slice(),
      momentum: this.optimizer.velocity.slice(),
      objective: this.trainer.objective.exportState?.(),
      choco: { selfCopy: this.selfCopy.slice(), selfVersion: this.selfVersion, fullRequested: this.fullRequested, copies }
    }
    const errorMemory = exportErrorMemory(this.codec)
    if (errorMemory !== undefined) state.errorMemory = errorMemory
    return state
  }

  importState (state: AlgorithmState): void {
    checkCommonState(state, 'choco', this.dim, this.optimizer.velocity.length)
    const c = state.choco
    if (c === undefined || c === null || typeof c !== 'object') throw new InvalidAlgorithmStateError(`expected the choco part of the state, got ${String(c)}`)
    checkVector(c.selfCopy, this.dim, 'choco.selfCopy')
    if (!Number.isInteger(c.selfVersion) || c.selfVersion < 0) throw new InvalidAlgorithmStateError(`choco.selfVersion: expected an integer ≥ 0, got ${String(c.selfVersion)}`)
    if (!Array.isArray(c.copies)) throw new InvalidAlgorithmStateError(`choco.copies: expected an array, got ${typeof c.copies}`)
    for (const copy of c.copies as unknown[]) {
      if (copy === null || typeof copy !== 'object' || typeof (copy as { id?: unknown }).id !== 'string') throw new InvalidAlgorithmStateError(`choco.copies: expected objects with a string id, got ${JSON.stringify(copy)}`)
    }
    for (const copy of c.copies) {
      checkVector(copy.values, this.dim, `choco.copies[${copy.id}]`)
      if (!Number.isInteger(copy.version) || copy.version < UNKNOWN) throw new InvalidAlgorithmStateError(`choco copy ${copy.id}: expected a version ≥ −1, got ${String(copy.version)}`)
    }
    checkErrorMemory(state, this.codec, this.dim)
    this.x.set(state.params)
    importErrorMemory(state, this.codec)
    this.optimizer.velocity.set(state.momentum)
    if (state.objective !== undefined) this.trainer.objective.importState?.(state.objective)
    this.selfCopy.set(c.selfCopy)
    this.selfVersion = c.selfVersion
    this.fullRequested = c.fullRequested === true
    this.copies.clear()
    for (const copy of c.copies) this.copies.set(copy.id, { version: copy.version, values: copy.values.slice() })
    this.nextRound = state.round
    this.roundsRun = state.round > 0 ? 1 : 0
  }
}
