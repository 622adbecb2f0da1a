/**
 * Gossip averaging and D-PSGD as one per-peer state machine (gossip is D-PSGD without local steps).
 *
 * - gossip: x_i ← Σ_j W_ij x_j (pure consensus; contraction per round |λ₂(W)|).
 * - D-PSGD, adapt-then-combine (default): y_i = x_i − η∇f_i(x_i) (H steps), send Q(y_i),
 *   x_i ← W_ii y_i + Σ_j W_ij ŷ_j, the peer's own term exact.
 * - D-PSGD, combine-then-adapt (Lian et al. 2017, "Can Decentralized Algorithms Outperform Centralized
 *   Algorithms?", Alg. 1): g = ∇f_i(x_i) at the pre-mix iterate, x_i ← Σ_j W_ij x_j − η g; steps 2..H of
 *   a round start from the mixed iterate.
 * - overlap (gossip, D-PSGD atc): the peer sends x_i first and takes its H local steps on a copy y_i while the
 *   message travels, then x_i ← y_i + Σ_j W_ij (x̂_j − x_i): the mixing term is one round of local steps stale
 *   (for H = 1 this is Lian et al. 2017's D-PSGD, x ← Wx − η∇f(x), with the gradient computed during the
 *   exchange as its § 3 suggests; pipelined like overlap SGP, Assran et al. 2019). Σ_i Σ_j W_ij (x_j − x_i) = 0
 *   for a doubly-stochastic W, so the average moves by the local steps alone, as in synchronous D-PSGD.
 * - sync 'async' (AD-PSGD-style, Lian et al. 2018): the exchange hands over each neighbour's newest message,
 *   mixed while it was first handed over at most `staleness` of this peer's rounds ago, whatever the sender's
 *   round (staleness.ts: why, and what it means for the average); older or missing ones give their weight to the peer.
 * With codec 'none' the model travels as a raw float32 frame: x_i itself lives in the frame buffer (two
 * frames, swapped each round), so sending costs no copy and receivers mix straight from the sender's bytes.
 */

import type { Codec } from '../compress/index.ts'
import type { Rng } from '../random/index.ts'
import { allFinite, allocVector, linearCombination } from '../vector/index.ts'
import type { ResolvedConfig } from './config.ts'
import type { PeerAlgorithm } from './algorithm.ts'
import type { AlgorithmState } from './state.ts'
import { checkCommonState, checkErrorMemory, exportErrorMemory, importErrorMemory } from './state.ts'
import type { Exchange, LocalObjective, Received, RoundReport, StepRunner } from './types.ts'
import { LocalTrainer, RowWeights, ScratchPool, addCounts, collectSlots, countPayloadError, rawValues, zeroCounts } from './common.ts'
import type { Slot } from './common.ts'
import { RawFrame, encodeFrame } from './message.ts'
import { Sgd } from './optimizer.ts'
import { NonFiniteModelError, RoundOrderError, nonFiniteCauses } from './errors.ts'
import type { Aggregator } from './aggregate.ts'
import { MessageAges } from './staleness.ts'

export interface MixingPeerInit {
  config: ResolvedConfig
  x0: Float32Array
  objective: LocalObjective | undefined
  codec: Codec
  rng: Rng
  now: () => number
  /** the mixing rule (aggregate.ts); 'mean' mixes with the combination below, unchanged */
  aggregator: Aggregator
  /** overlap: runs the local steps off the event loop and holds the momentum and data position (types.ts StepRunner) */
  stepRunner?: StepRunner
}

export class MixingPeer implements PeerAlgorithm {
  readonly config: Readonly<ResolvedConfig>
  readonly dim: number
  readonly rejected = zeroCounts()
  private nextRound = 0
  private readonly codec: Codec
  private readonly rng: Rng
  private readonly now: () => number
  private readonly trainer: LocalTrainer | undefined
  private readonly optimizer: Sgd
  private readonly weights: RowWeights
  private readonly scratch: ScratchPool
  /** raw mode: x is frames[current].values, the mixing target the other frame's values */
  private readonly frames: [RawFrame, RawFrame] | undefined
  private current = 0
  private x: Float32Array
  private spare: Float32Array
  private readonly coeffs: number[] = []
  private readonly inputs: Float32Array[] = []
  /** whether the last mix wrote only finite values */
  private mixedFinite = true
  /** overlap with local steps: y_i, the local steps' copy of x_i while x_i's frame is on the wire */
  private readonly local: Float32Array | undefined
  private readonly aggregator: Aggregator
  /** robust rule with overlap: the aggregate of x_i and the neighbours, before y_i − x_i is added */
  private robust: Float32Array | undefined
  /** sync 'async': when each neighbour's newest message was first handed over */
  private readonly ages: MessageAges | undefined
  private readonly runner: StepRunner | undefined

  constructor (init: MixingPeerInit) {
    const { config, x0 } = init
    this.config = config
    this.dim = x0.length
    this.codec = init.codec
    this.rng = init.rng
    this.now = init.now
    this.aggregator = init.aggregator
    this.optimizer = new Sgd(this.dim, config.lr, config.momentum, config.weightDecay)
    this.trainer = config.algo === 'gossip' || init.objective === undefined ? undefined : new LocalTrainer(init.objective, this.optimizer)
    this.weights = new RowWeights(config.weights)
    this.scratch = new ScratchPool(this.dim)
    if (config.codec === 'none') {
      this.frames = [new RawFrame(this.dim), new RawFrame(this.dim)]
      this.x = this.frames[0].values
      this.spare = this.frames[1].values
    } else {
      this.frames = undefined
      this.x = allocVector(this.dim)
      this.spare = allocVector(this.dim)
    }
    this.x.set(x0)
    this.local = config.overlap && this.trainer !== undefined ? allocVector(this.dim) : undefined
    this.ages = config.sync === 'async' ? new MessageAges() : undefined
    this.runner = this.local !== undefined ? init.stepRunner : undefined
  }

  get params (): Float32Array { return this.x }
  get round (): number { return this.nextRound }

  async runRound (r: number, exchange: Exchange, signal: AbortSignal = new AbortController().signal): Promise<RoundReport> {
    if (!Number.isInteger(r) || r < this.nextRound || r > 0xfffffffe) throw new RoundOrderError(`expected a round ≥ ${this.nextRound}, got ${String(r)}`)
    const t0 = this.now()
    const H = this.trainer === undefined ? 0 : this.config.localSteps
    const cta = this.config.order === 'cta'
    let loss = 0
    let outgoing: Uint8Array
    let received: Received[]
    let t1: number
    const local = this.local
    if (local !== undefined && this.trainer !== undefined) {
      outgoing = this.encode(r)
      const pending = exchange.round(r, outgoing, { signal })
      // awaited below; this only keeps a failure during the local steps from being reported as unhandled
      pending.catch(() => {})
      local.set(this.x)
      // with an exchange that does I/O, a turn of the event loop before each step: the frame is encrypted and
      // written before the first step (not after the last), and the neighbours' frames are read during the steps
      // (a step runner keeps the event loop free for the whole of the steps: no pacing needed)
      if (this.runner !== undefined) loss += await this.runner.steps(local, H)
      else if (exchange.progress === undefined) loss += this.trainer.steps(local, H)
      else loss += await this.trainer.stepsPaced(local, H, exchange.progress.bind(exchange))
      t1 = this.now()
      try {
        received = await pending
      } catch (err) {
        // keep the local steps; x_i's frame may still be on the wire, so they go to the spare frame
        this.spare.set(local)
        this.swap()
        throw err
      }
    } else {
      if (this.trainer !== undefined) {
        if (cta) loss += this.trainer.objective.gradient(this.x, this.trainer.grad)
        else loss += this.trainer.steps(this.x, H)
      }
      outgoing = this.encode(r)
      t1 = this.now()
      received = await exchange.round(r, outgoing, { signal })
    }
    const t2 = this.now()

    const counts = zeroCounts()
    const neighbours = exchange.neighbours()
    // async: a frame of any round is in step; its age in this peer's rounds decides (staleness.ts)
    const slots = collectSlots(r, this.dim, neighbours, received, counts, this.ages === undefined ? undefined : 0)
    this.ages?.filter(r, slots, this.config.staleness, counts, this.config.finalRound)
    const dMax = this.weights.maxDegree(exchange)
    const contributing: Slot[] = []
    const vectors: Float32Array[] = []
    for (const slot of slots) {
      const v = this.decode(slot, contributing.length, counts)
      if (v !== undefined) { contributing.push(slot); vectors.push(v) }
    }
    let row = this.mix(neighbours.length, contributing, vectors, dMax)
    if (!this.mixedFinite) {
      // a convex combination of finite float32 values is finite, so a non-finite input is to blame:
      // drop those (their weight returns to self) and mix again; if x_i itself is not finite, stop.
      for (let k = contributing.length - 1; k >= 0; k--) {
        if (!allFinite(vectors[k])) { counts.nonFinite++; contributing.splice(k, 1); vectors.splice(k, 1) }
      }
      row = this.mix(neighbours.length, contributing, vectors, dMax)
      if (!this.mixedFinite) throw new NonFiniteModelError(r, `round ${r}: the peer's own parameters are not finite: ${nonFiniteCauses(this.config)}`)
    }
    this.swap()
    if (this.trainer !== undefined && cta) {
      this.optimizer.step(this.x, this.trainer.grad)
      loss += this.trainer.steps(this.x, H - 1)
    }
    addCounts(this.rejected, counts)
    this.nextRound = r + 1
    let arrived = 0
    for (const s of slots) if (s.arrived) arrived++
    return {
      round: r,
      trainLoss: H > 0 ? loss / H : NaN,
      bytesSent: outgoing.length * neighbours.length,
      received: arrived,
      missing: slots.length - arrived,
      rejected: counts,
      stale: 0,
      row,
      computeMs: (t1 - t0) + (this.now() - t2),
      commMs: t2 - t1
    }
  }

  /** this round's message: the raw frame around x, or the codec's bytes of x in a frame */
  private encode (r: number): Uint8Array {
    const fields = { kind: 'model' as const, round: r, base: 0, resync: [] }
    if (this.frames !== undefined) return this.frames[this.current].seal(fields)
    let payload: Uint8Array
    try {
      payload = this.codec.encode(this.x, this.rng.fork(r))
    } catch (err) {
      if ((err as Error).name === 'NonFiniteInputError') {
        throw new NonFiniteModelError(r, `round ${r}: the peer's parameters do not fit ${this.codec.spec} (${(err as Error).message}): ` +
          nonFiniteCauses(this.config, 'a step size too large (try a smaller --lr), or huge values from a neighbour mixed in (--aggregate clip:TAU bounds how far a neighbour moves the model)'))
      }
      throw err
    }
    return encodeFrame({ ...fields, encoding: 'codec', dim: this.dim }, payload)
  }

  /** the neighbour's model as a vector, or undefined (counted) when it cannot be mixed */
  private decode (slot: Slot, k: number, counts: ReturnType<typeof zeroCounts>): Float32Array | undefined {
    const frame = slot.frame
    if (frame === undefined) return undefined
    if (frame.kind !== 'model') { counts.outOfStep++; return undefined }
    if (frame.encoding === 'raw') return rawValues(frame.payload, this.dim, this.scratch.get(k))
    try {
      return this.codec.decodeInto(frame.payload, this.dim, this.scratch.get(k))
    } catch (err) {
      countPayloadError(err, counts)
      return undefined
    }
  }

  /**
   * spare ← W_ii x + Σ_j W_ij v_j over the contributing neighbours (with overlap, spare ← y + (W_ii − 1) x +
   * Σ_j W_ij v_j); returns the realised row and sets `mixedFinite` (the combination reports finiteness in the
   * same pass, so the hot path reads x_i' once).
   */
  private mix (myDegree: number, contributing: Slot[], vectors: Float32Array[], dMax: number | undefined): RoundReport['row'] {
    const row = this.weights.row(myDegree, contributing, this.coeffs, dMax)
    if (this.aggregator.rule.kind !== 'mean') { this.mixedFinite = this.mixRobust(row.self, vectors); return row }
    this.inputs.length = 0
    if (this.local !== undefined) {
      this.coeffs.unshift(1, row.self - 1)
      this.inputs.push(this.local)
    } else {
      this.coeffs.unshift(row.self)
    }
    this.inputs.push(this.x)
    for (const v of vectors) this.inputs.push(v)
    this.mixedFinite = linearCombination(this.spare, this.coeffs, this.inputs)
    return row
  }

  /**
   * spare ← A(x_i; v_j) with the robust rule A (ClippedGossip, trimmed mean); with overlap, spare ← y_i +
   * A(x_i; v_j) − x_i, the robust counterpart of y_i + Σ_j W_ij (v_j − x_i). False when an input is not finite.
   */
  private mixRobust (self: number, vectors: Float32Array[]): boolean {
    if (this.local === undefined) return this.aggregator.combine(this.spare, this.x, self, this.coeffs, vectors)
    this.robust ??= allocVector(this.dim)
    if (!this.aggregator.combine(this.robust, this.x, self, this.coeffs, vectors)) return false
    return linearCombination(this.spare, [1, 1, -1], [this.local, this.robust, this.x])
  }

  private swap (): void {
    const t = this.x
    this.x = this.spare
    this.spare = t
    this.current ^= 1
  }

  exportState (): AlgorithmState {
    // with a step runner the momentum and the data position live in it; otherwise in this thread's trainer
    const held = this.runner !== undefined
      ? this.runner.exportState()
      : { momentum: this.optimizer.velocity.slice(), objective: this.trainer?.objective.exportState?.() }
    const state: AlgorithmState = {
      algo: this.config.algo,
      round: this.nextRound,
      params: this.x.slice(),
      momentum: held.momentum,
      objective: held.objective
    }
    const errorMemory = exportErrorMemory(this.codec)
    if (errorMemory !== undefined) state.errorMemory = errorMemory
    return state
  }

  importState (state: AlgorithmState): void {
    checkCommonState(state, this.config.algo, this.dim, this.optimizer.velocity.length)
    checkErrorMemory(state, this.codec, this.dim)
    this.x.set(state.params)
    importErrorMemory(state, this.codec)
    this.optimizer.velocity.set(state.momentum)
    if (state.objective !== undefined) this.trainer?.objective.importState?.(state.objective)
    this.runner?.importState(state.momentum, state.objective)
    this.nextRound = state.round
    this.ages?.clear()
  }
}
