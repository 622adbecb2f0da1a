/**
 * An in-memory network of n peers in lockstep rounds. The driver calls `beginRound(r)` (which fixes the
 * round's graph and who is offline), then every online peer calls its exchange's `round(r, outgoing)`:
 * the message is posted to each current neighbour's mailbox (unless dropped) and the call resolves once
 * every online neighbour has posted its own round-r message, with what was delivered in the order of
 * `neighbours()`. Payloads are handed over by reference, never copied (see Exchange's buffer lifetime).
 *
 * Losses are seeded per (round, sender, receiver) and per (round, peer), so they do not depend on the
 * order in which peers run: the same seed gives the same run.
 */

import { createRng, hashSeed } from '../random/index.ts'
import { maxDegree, validateGraph } from '../../topologies/index.ts'
import type { Graph } from '../../topologies/index.ts'
import type { Exchange, PeerRef, Received } from '../algorithms/index.ts'
import { InvalidSimulationError, SimulationOrderError } from './errors.ts'

/** A message in flight; return a replacement payload to garble it, null to drop it, undefined to deliver it. */
export type Intercept = (message: { round: number, from: number, to: number, payload: Uint8Array }) => Uint8Array | null | undefined

export interface SimNetworkInit {
  /** the topology, or the topology of each round (a changed graph takes effect at the round boundary) */
  topology: Graph | ((round: number) => Graph)
  seed: number
  /** peer ids, default 'p0'..'p{n−1}' */
  ids?: readonly string[]
  /** probability that a message is lost; default 0 */
  dropProbability?: number
  /** probability that a peer is offline for a round (computes nothing, sends nothing); default 0 */
  offlineProbability?: number
  intercept?: Intercept
}

interface Waiter { pending: number, resolve: (r: Received[]) => void, reject: (e: unknown) => void, signal: AbortSignal, onAbort: () => void }

export class SimNetwork {
  readonly n: number
  readonly ids: readonly string[]
  private readonly refs: PeerRef[]
  private readonly topology: Graph | ((round: number) => Graph)
  private readonly seed: number
  private readonly drop: number
  private readonly offline: number
  private readonly intercept: Intercept | undefined
  private graphNow: Graph | undefined
  private neighbourRefs: PeerRef[][] = []
  private dMax = 0
  private current = -1
  private readonly online: Uint8Array
  private readonly posted: Uint8Array
  /** per peer, the round's delivered messages by neighbour position */
  private inbox: Array<Array<Received | undefined>> = []
  private readonly waiters: Array<Waiter | undefined>
  private readonly exchanges: Exchange[]

  constructor (n: number, init: SimNetworkInit) {
    const ids = init.ids ?? Array.from({ length: n }, (_, i) => `p${i}`)
    if (ids.length !== n || new Set(ids).size !== n) throw new InvalidSimulationError('ids', `ids: expected ${n} distinct ids, got ${ids.length} (${new Set(ids).size} distinct)`)
    for (const [field, p] of [['dropProbability', init.dropProbability], ['offlineProbability', init.offlineProbability]] as const) {
      if (p !== undefined && !(p >= 0 && p < 1)) throw new InvalidSimulationError(field, `${field}: expected a probability in [0, 1), got ${String(p)}`)
    }
    this.n = n
    this.ids = ids
    this.refs = ids.map((id) => ({ id }))
    this.topology = init.topology
    this.seed = init.seed
    this.drop = init.dropProbability ?? 0
    this.offline = init.offlineProbability ?? 0
    this.intercept = init.intercept
    this.online = new Uint8Array(n)
    this.posted = new Uint8Array(n)
    this.waiters = new Array(n).fill(undefined)
    this.exchanges = Array.from({ length: n }, (_, i) => this.makeExchange(i))
  }

  /** the graph of round r */
  graphAt (r: number): Graph {
    const g = typeof this.topology === 'function' ? this.topology(r) : this.topology
    if (g.n !== this.n) throw new InvalidSimulationError('topology', `topology: expected a graph of ${this.n} nodes for round ${r}, got ${g.n}`)
    return g
  }

  get graph (): Graph {
    if (this.graphNow === undefined) throw new SimulationOrderError('no round has begun')
    return this.graphNow
  }

  /** starts round r: fixes its graph and draws who is offline; returns the online mask (1 = online) */
  beginRound (r: number): Uint8Array {
    if (!Number.isInteger(r) || r <= this.current) throw new SimulationOrderError(`rounds must increase: round ${this.current} began, got ${String(r)}`)
    for (let i = 0; i < this.n; i++) {
      if (this.waiters[i] !== undefined) throw new SimulationOrderError(`peer ${this.ids[i]} is still waiting in round ${this.current}`)
    }
    const g = this.graphAt(r)
    if (g !== this.graphNow) {
      validateGraph(g)
      this.graphNow = g
      this.neighbourRefs = g.adjacency.map((nb) => nb.map((j) => this.refs[j]))
      this.dMax = maxDegree(g)
    }
    this.current = r
    for (let i = 0; i < this.n; i++) {
      this.online[i] = this.offline > 0 && createRng(hashSeed(this.seed, 'offline', r, i)).next() < this.offline ? 0 : 1
    }
    this.posted.fill(0)
    this.inbox = this.graphNow.adjacency.map((nb) => new Array(nb.length).fill(undefined))
    return this.online
  }

  exchange (i: number): Exchange {
    return this.exchanges[i]
  }

  private makeExchange (i: number): Exchange {
    return {
      round: (r, outgoing, opts) => this.post(i, r, outgoing, opts.signal),
      neighbours: () => this.neighbourRefs[i] ?? [],
      maxDegree: () => this.dMax
    }
  }

  private post (i: number, r: number, outgoing: Uint8Array, signal: AbortSignal): Promise<Received[]> {
    if (r !== this.current) return Promise.reject(new SimulationOrderError(`peer ${this.ids[i]} sent for round ${r} during round ${this.current}`))
    if (this.online[i] === 0) return Promise.reject(new SimulationOrderError(`peer ${this.ids[i]} is offline in round ${r}`))
    if (this.posted[i] === 1) return Promise.reject(new SimulationOrderError(`peer ${this.ids[i]} sent twice in round ${r}`))
    if (signal.aborted) return Promise.reject(signal.reason)
    const g = this.graph
    const nb = g.adjacency[i]
    const degree = nb.length
    this.posted[i] = 1
    for (let k = 0; k < nb.length; k++) {
      const j = nb[k]
      if (this.online[j] === 0) continue
      if (this.drop > 0 && createRng(hashSeed(this.seed, 'drop', r, i, j)).next() < this.drop) continue
      let payload: Uint8Array | null = outgoing
      if (this.intercept !== undefined) {
        const replaced = this.intercept({ round: r, from: i, to: j, payload: outgoing })
        if (replaced !== undefined) payload = replaced
      }
      if (payload === null) continue
      // position of i among j's neighbours (adjacency lists are sorted)
      const pos = binarySearch(g.adjacency[j], i)
      this.inbox[j][pos] = { from: this.refs[i], degree, payload }
    }
    // i's arrival may complete neighbours' waits
    for (const j of nb) {
      const w = this.waiters[j]
      if (w !== undefined && --w.pending === 0) this.settle(j)
    }
    let pending = 0
    for (const j of nb) if (this.online[j] === 1 && this.posted[j] === 0) pending++
    return new Promise<Received[]>((resolve, reject) => {
      const onAbort = (): void => {
        this.waiters[i] = undefined
        reject(signal.reason)
      }
      this.waiters[i] = { pending, resolve, reject, signal, onAbort }
      if (pending === 0) this.settle(i)
      else signal.addEventListener('abort', onAbort, { once: true })
    })
  }

  private settle (i: number): void {
    const w = this.waiters[i]
    if (w === undefined) return
    this.waiters[i] = undefined
    w.signal.removeEventListener('abort', w.onAbort)
    const out: Received[] = []
    for (const m of this.inbox[i]) if (m !== undefined) out.push(m)
    w.resolve(out)
  }
}

function binarySearch (xs: ReadonlyArray<number>, v: number): number {
  let lo = 0
  let hi = xs.length - 1
  while (lo <= hi) {
    const mid = (lo + hi) >> 1
    if (xs[mid] === v) return mid
    if (xs[mid] < v) lo = mid + 1
    else hi = mid - 1
  }
  return -1
}
