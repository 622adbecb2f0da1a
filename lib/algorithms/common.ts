/**
 * Pieces shared by the peer algorithms: local SGD steps, sorting a round's messages into per-neighbour
 * slots (rejecting what cannot be mixed), and the realised row of W.
 */

import { edgeWeight, selfWeight } from '../../topologies/index.ts'
import type { WeightScheme } from '../../topologies/index.ts'
import { InvalidPayloadError } from '../compress/index.ts'
import { allocVector } from '../vector/index.ts'
import type { Exchange, LocalObjective, PeerRef, RealisedRow, Received, RejectionCounts } from './types.ts'
import { decodeFrame } from './message.ts'
import type { Frame } from './message.ts'
import { Sgd } from './optimizer.ts'
import { MissingMaxDegreeError } from './errors.ts'

export function zeroCounts (): RejectionCounts {
  return { malformed: 0, wrongSize: 0, nonFinite: 0, unexpected: 0, outOfStep: 0 }
}

export function addCounts (into: RejectionCounts, from: RejectionCounts): void {
  into.malformed += from.malformed
  into.wrongSize += from.wrongSize
  into.nonFinite += from.nonFinite
  into.unexpected += from.unexpected
  into.outOfStep += from.outOfStep
}

/** Sorts an InvalidPayloadError from lib/compress into a rejection reason; rethrows anything else. */
export function countPayloadError (err: unknown, counts: RejectionCounts): void {
  if (!(err instanceof InvalidPayloadError)) throw err
  if (err.reason === 'non-finite') counts.nonFinite++
  else if (err.reason === 'dimension') counts.wrongSize++
  else counts.malformed++
}

/** H local SGD steps on x with the peer's objective and optimizer. */
export class LocalTrainer {
  readonly objective: LocalObjective
  readonly optimizer: Sgd
  readonly grad: Float32Array

  constructor (objective: LocalObjective, optimizer: Sgd) {
    this.objective = objective
    this.optimizer = optimizer
    this.grad = allocVector(objective.dim)
  }

  /** takes `steps` steps on x in place and returns the sum of the batch losses */
  steps (x: Float32Array, steps: number): number {
    let loss = 0
    for (let s = 0; s < steps; s++) {
      loss += this.objective.gradient(x, this.grad)
      this.optimizer.step(x, this.grad)
    }
    return loss
  }

  /**
   * The same steps, bit for bit, with `pause()` awaited before each one. A step is one synchronous block of
   * work on the only JavaScript thread; between steps the pause gives the event loop a turn, so a message in
   * flight is encrypted, written and read while the peer trains instead of after its last step.
   */
  async stepsPaced (x: Float32Array, steps: number, pause: () => Promise<void>): Promise<number> {
    let loss = 0
    for (let s = 0; s < steps; s++) {
      await pause()
      loss += this.objective.gradient(x, this.grad)
      this.optimizer.step(x, this.grad)
    }
    return loss
  }
}

/** One current neighbour in a round: its id, its degree and its valid frame (undefined when missing or rejected). */
export interface Slot {
  id: string
  degree: number
  frame: Frame | undefined
  /** a message arrived from this neighbour (valid or not) */
  arrived: boolean
}

/**
 * Matches a round's messages to the current neighbours (in `neighbours()` order) and parses their frames.
 * Rejected, by reason: senders that are not neighbours or sent twice (unexpected), frames that do not
 * parse or carry a bad degree (malformed), another dimension (wrongSize), another round (outOfStep).
 * With `oldest` (asynchronous mixing) any round from `oldest` on is in step, later ones included: a
 * neighbour ahead of this peer sends a newer model, not a stale one.
 */
export function collectSlots (r: number, dim: number, neighbours: PeerRef[], received: Received[], counts: RejectionCounts, oldest?: number): Slot[] {
  const slots: Slot[] = neighbours.map((p) => ({ id: p.id, degree: 0, frame: undefined, arrived: false }))
  const index = new Map<string, number>()
  for (let k = 0; k < slots.length; k++) index.set(slots[k].id, k)
  for (const msg of received) {
    const k = index.get(msg?.from?.id)
    if (k === undefined || slots[k].arrived) { counts.unexpected++; continue }
    const slot = slots[k]
    slot.arrived = true
    if (!Number.isInteger(msg.degree) || msg.degree < 1) { counts.malformed++; continue }
    let frame: Frame
    try {
      frame = decodeFrame(msg.payload)
    } catch (err) {
      if ((err as Error).name === 'InvalidMessageError' || (err as Error).name === 'UnsupportedMessageVersionError') { counts.malformed++; continue }
      throw err
    }
    if (frame.dim !== dim) { counts.wrongSize++; continue }
    if (oldest === undefined ? frame.round !== r : frame.round < oldest) { counts.outOfStep++; continue }
    slot.degree = msg.degree
    slot.frame = frame
  }
  return slots
}

/** W_ij for the contributing neighbours (by their degrees) and W_ii = 1 − Σ_j W_ij, from topologies/. */
export class RowWeights {
  readonly scheme: WeightScheme
  private degrees = new Float64Array(8)

  constructor (scheme: WeightScheme) {
    this.scheme = scheme
  }

  /** the max degree the scheme needs (undefined for the Metropolis schemes) */
  maxDegree (exchange: Exchange): number | undefined {
    if (this.scheme !== 'max-degree' && this.scheme !== 'lazy-max-degree') return undefined
    if (exchange.maxDegree === undefined) throw new MissingMaxDegreeError(`weight scheme '${this.scheme}' needs exchange.maxDegree(), which this exchange does not provide`)
    return exchange.maxDegree()
  }

  /**
   * Fills `weights` (one per contributing slot, same order) and returns the realised row. `myDegree` is
   * this peer's degree in the topology, so weights of missing neighbours stay with the peer.
   */
  row (myDegree: number, contributing: Slot[], weights: number[], dMax: number | undefined): RealisedRow {
    if (this.degrees.length < contributing.length) this.degrees = new Float64Array(2 * contributing.length)
    const neighbours: RealisedRow['neighbours'] = []
    weights.length = 0
    for (let k = 0; k < contributing.length; k++) {
      const s = contributing[k]
      this.degrees[k] = s.degree
      const w = edgeWeight(this.scheme, myDegree, s.degree, dMax)
      weights.push(w)
      neighbours.push({ id: s.id, weight: w })
    }
    const self = selfWeight(this.scheme, myDegree, this.degrees.subarray(0, contributing.length), dMax)
    return { self, neighbours }
  }
}

/** A Float32Array view of a raw payload when it is 4-aligned, else a copy into `scratch`. */
export function rawValues (payload: Uint8Array, dim: number, scratch: Float32Array): Float32Array {
  if (payload.byteOffset % 4 === 0) return new Float32Array(payload.buffer, payload.byteOffset, dim)
  new Uint8Array(scratch.buffer, scratch.byteOffset, 4 * dim).set(payload.subarray(0, 4 * dim))
  return scratch
}

/** Reusable per-slot scratch vectors (decode targets), grown on demand and kept across rounds. */
export class ScratchPool {
  private readonly dim: number
  private readonly vectors: Float32Array[] = []

  constructor (dim: number) {
    this.dim = dim
  }

  get (k: number): Float32Array {
    while (this.vectors.length <= k) this.vectors.push(allocVector(this.dim))
    return this.vectors[k]
  }
}

/**
 * Raw payloads are little-endian float32 read and written through Float32Array views, which use the
 * host's byte order: every platform Node ships for is little-endian except s390x, where createAlgorithm refuses.
 */
export const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1
