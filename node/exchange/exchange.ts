/**
 * GossipExchange: lib/algorithms' Exchange over `/murmur/gossip/1.0.0` (docs/NETWORK.md § Exchange,
 * docs/PROTOCOL.md). `round(r)` queues the outgoing bytes to every neighbour (one long-lived stream each,
 * written concurrently with the receiving) and resolves with the round-r messages of the neighbours once
 * all have arrived or `roundDeadlineMs` after the call. The outgoing bytes are not copied: a send of round
 * r is cancelled, at the latest, when round r + 1 resolves (the buffer lifetime rule of lib/algorithms).
 */

import { setImmediate } from 'node:timers/promises'
import { logger } from '@libp2p/logger'
import { peerIdFromString } from '@libp2p/peer-id'
import type { Connection, Stream } from '@libp2p/interface'
import type { Logger } from '@libp2p/logger'
import {
  DEFAULT_CHUNK_BYTES, ENVELOPE_HEADER_BYTES, GOSSIP_PROTOCOL, GOSSIP_PROTOCOL_NO_CRC, MAX_CHUNK_BYTES, MAX_FRAME_BYTES, MAX_PAYLOAD_BYTES, SYNC_PROTOCOL, runIdHash
} from '../../lib/protocol/index.ts'
import type { CompletedMessage, MessageInfo } from '../../lib/protocol/index.ts'
import { FrameChecker } from '../../lib/algorithms/index.ts'
import type { PeerRef, Received } from '../../lib/algorithms/index.ts'
import { RoundBudget } from './budget.ts'
import {
  BUDGET_MIN_CHUNK_BYTES, DEFAULT_DIAL_TIMEOUT_MS, DEFAULT_MAX_EARLY_MESSAGES, DEFAULT_MAX_INBOUND_STREAMS, DEFAULT_MAX_SYNC_BYTES,
  DEFAULT_SEND_ATTEMPTS, DEFAULT_SYNC_SERVE_TIMEOUT_MS, DEFAULT_WINDOW, SYNC_MAX_INBOUND_STREAMS
} from './constants.ts'
import {
  ExchangeNotStartedError, ExchangeStoppedError, InvalidExchangeOptionError, MaxDegreeUnknownError,
  MessageRefusedError, RoundInProgressError, RoundOrderError, SyncFailedError, UnencryptedStreamError, UnusableFrameError
} from './errors.ts'
import { RoundMessage } from './message.ts'
import type { PayloadCopy } from './message.ts'
import { Inbox } from './inbox.ts'
import { LatestMessages } from './latest.ts'
import { isRefusal } from './inbox.ts'
import type { Verdict } from './inbox.ts'
import { readGossipStream } from './inbound.ts'
import { Outbox } from './outbox.ts'
import { Counters } from './stats.ts'
import { pullSync, serveSync } from './sync.ts'
import type { SyncContext } from './sync.ts'
import type {
  ExchangeStats, GossipExchange, GossipExchangeComponents, GossipExchangeInit, ModelProvider, ModelSnapshot, PullOptions, RejectReason
} from './types.ts'

/** The FrameChecker of init.frames; a dimension or codec it cannot check is an option error. */
function frameChecker (frames: NonNullable<GossipExchangeInit['frames']>): FrameChecker {
  try {
    return new FrameChecker(frames)
  } catch (err) {
    throw new InvalidExchangeOptionError('frames', `frames: expected { dim: an integer ≥ 1, codec: a codec spec }, got ${JSON.stringify(frames)}: ${(err as Error).message}`)
  }
}

function intOption (field: string, v: number | undefined, fallback: number, min: number, max: number): number {
  const x = v ?? fallback
  if (!Number.isInteger(x) || x < min || x > max) throw new InvalidExchangeOptionError(field, `${field}: expected an integer in [${min}, ${max}], got ${String(x)}`)
  return x
}

export class GossipExchangeClass implements GossipExchange {
  private readonly libp2p: GossipExchangeComponents['libp2p']
  private readonly log: Logger
  private readonly runHash: Uint8Array
  private readonly deadlineMs: number
  private readonly maxMessageBytes: number
  private readonly chunkBytes: number
  /** offered when opening a gossip stream, the preferred first, and served */
  private readonly gossipProtocols: string[]
  private readonly maxFrameBytes: number
  private readonly dialTimeoutMs: number
  private readonly sendAttempts: number
  private readonly maxInboundStreams: number
  private readonly maxSyncBytes: number
  private readonly syncServeTimeoutMs: number
  private readonly sync: SyncContext
  private readonly counters = new Counters()
  private readonly inbox: Inbox
  private readonly budget: RoundBudget
  private readonly checker: FrameChecker | undefined
  private readonly onRejected: GossipExchangeInit['onRejected']
  private readonly stopWaiting: AbortSignal | undefined
  private readonly outboxes = new Map<string, Outbox>()
  private readonly inbound = new Set<Stream>()
  /** --sync async: the newest message of each neighbour instead of the round's inbox */
  private readonly latest: LatestMessages | undefined
  /**
   * --sync async: the outgoing buffer of round lastRound, which the algorithm leaves untouched until another round
   * resolves (lib/algorithms' buffer lifetime rule), so after the last round it is the peer's final model
   */
  private lastOutgoing: Uint8Array | undefined
  private refs: PeerRef[] = []
  private ids: string[] = []
  private degree = 0
  private dMax: number | undefined
  private provider: ModelProvider | undefined
  private started = false
  private stopping = false
  private lastRound = -1
  /** settles the waiting round: resolve on completion or deadline, reject on stop */
  private wake: ((err?: Error) => void) | undefined

  constructor (components: GossipExchangeComponents, init: GossipExchangeInit) {
    if (typeof init.runId !== 'string' || init.runId.length === 0) throw new InvalidExchangeOptionError('runId', `runId: expected a non-empty string, got ${JSON.stringify(init.runId)}`)
    this.libp2p = components.libp2p
    this.log = logger('murmur:exchange')
    this.runHash = runIdHash(init.runId)
    this.deadlineMs = intOption('roundDeadlineMs', init.roundDeadlineMs, NaN, 1, 2 ** 31 - 1)
    this.maxMessageBytes = intOption('maxMessageBytes', init.maxMessageBytes, NaN, 0, MAX_PAYLOAD_BYTES)
    this.chunkBytes = intOption('chunkBytes', init.chunkBytes, DEFAULT_CHUNK_BYTES, 1, MAX_CHUNK_BYTES)
    const crc = init.crc ?? 'auto'
    if (crc !== 'auto' && crc !== 'always') throw new InvalidExchangeOptionError('crc', `crc: expected 'auto' or 'always', got ${JSON.stringify(crc)}`)
    this.gossipProtocols = crc === 'auto' ? [GOSSIP_PROTOCOL_NO_CRC, GOSSIP_PROTOCOL] : [GOSSIP_PROTOCOL]
    this.maxFrameBytes = intOption('maxFrameBytes', init.maxFrameBytes, MAX_FRAME_BYTES, 64, MAX_FRAME_BYTES)
    this.dialTimeoutMs = intOption('dialTimeoutMs', init.dialTimeoutMs, DEFAULT_DIAL_TIMEOUT_MS, 1, 2 ** 31 - 1)
    this.sendAttempts = intOption('sendAttempts', init.sendAttempts, DEFAULT_SEND_ATTEMPTS, 1, 100)
    this.maxInboundStreams = intOption('maxInboundStreams', init.maxInboundStreams, DEFAULT_MAX_INBOUND_STREAMS, 1, 1024)
    this.maxSyncBytes = intOption('maxSyncBytes', init.maxSyncBytes, DEFAULT_MAX_SYNC_BYTES, 8, MAX_PAYLOAD_BYTES)
    this.syncServeTimeoutMs = intOption('syncServeTimeoutMs', init.syncServeTimeoutMs, DEFAULT_SYNC_SERVE_TIMEOUT_MS, 1, 2 ** 31 - 1)
    this.inbox = new Inbox({
      window: intOption('window', init.window, DEFAULT_WINDOW, 0, 1_000_000),
      maxEarly: intOption('maxEarlyMessages', init.maxEarlyMessages, DEFAULT_MAX_EARLY_MESSAGES, 0, 1_000_000)
    })
    this.inbox.onComplete = () => { this.wake?.() }
    const window = intOption('window', init.window, DEFAULT_WINDOW, 0, 1_000_000)
    const maxMessages = intOption('maxMessagesPerRound', init.maxMessagesPerRound, 2 * (window + 1) + 2, 1, 1_000_000_000)
    const messageWire = this.maxMessageBytes + ENVELOPE_HEADER_BYTES * (1 + Math.ceil(this.maxMessageBytes / BUDGET_MIN_CHUNK_BYTES))
    this.budget = new RoundBudget({
      maxMessages,
      maxBytes: intOption('maxBytesPerRound', init.maxBytesPerRound, Math.min(Number.MAX_SAFE_INTEGER, maxMessages * messageWire), ENVELOPE_HEADER_BYTES, Number.MAX_SAFE_INTEGER)
    })
    this.checker = init.frames === undefined ? undefined : frameChecker(init.frames)
    this.onRejected = init.onRejected
    this.stopWaiting = init.stopWaiting
    this.latest = init.sync === 'async' ? new LatestMessages() : undefined
    this.sync = {
      runHash: this.runHash,
      chunkBytes: this.chunkBytes,
      maxFrameBytes: this.maxFrameBytes,
      log: logger('murmur:exchange:sync'),
      // a malformed sync request is a protocol fault like a malformed gossip frame: counted and reported
      reject: (from, reason, error) => { this.reject(from, reason, error) }
    }
  }

  async start (): Promise<void> {
    if (this.started) return
    for (const protocol of this.gossipProtocols) {
      await this.libp2p.handle(protocol, (stream, connection) => this.onGossipStream(stream, connection, protocol === GOSSIP_PROTOCOL), { maxInboundStreams: this.maxInboundStreams })
    }
    await this.libp2p.handle(SYNC_PROTOCOL, (stream, connection) => this.onSyncStream(stream, connection), { maxInboundStreams: SYNC_MAX_INBOUND_STREAMS })
    this.started = true
    this.stopping = false
    this.log('started for run hash %s', Buffer.from(this.runHash).toString('hex'))
  }

  async stop (): Promise<void> {
    if (!this.started) return
    this.started = false
    this.stopping = true
    this.wake?.(new ExchangeStoppedError())
    await this.libp2p.unhandle([...this.gossipProtocols, SYNC_PROTOCOL])
    for (const s of this.inbound) s.abort(new ExchangeStoppedError())
    this.inbound.clear()
    await Promise.all([...this.outboxes.values()].map(async (o) => { await o.close() }))
    this.outboxes.clear()
    this.log('stopped')
  }

  setNeighbours (ids: readonly string[], selfDegree = ids.length, maxDegree?: number): void {
    if (this.inbox.active) throw new RoundInProgressError(`setNeighbours during round ${this.inbox.round}: the neighbours of a round are fixed at its call`)
    const self = this.libp2p.peerId.toString()
    const unique = new Set(ids)
    if (unique.size !== ids.length || ids.some((id) => typeof id !== 'string' || id.length === 0 || id === self)) {
      throw new InvalidExchangeOptionError('ids', `ids: expected distinct peer ids other than this peer's, got ${JSON.stringify(ids)}`)
    }
    const minDegree = ids.length > 0 ? 1 : 0
    if (!Number.isInteger(selfDegree) || selfDegree < minDegree || selfDegree > 0xffffffff) {
      throw new InvalidExchangeOptionError('selfDegree', `selfDegree: expected an integer ≥ ${minDegree}, got ${String(selfDegree)}`)
    }
    if (maxDegree !== undefined && (!Number.isInteger(maxDegree) || maxDegree < selfDegree)) {
      throw new InvalidExchangeOptionError('maxDegree', `maxDegree: expected an integer ≥ selfDegree ${selfDegree}, got ${String(maxDegree)}`)
    }
    for (const [id, outbox] of this.outboxes) {
      if (!unique.has(id)) {
        this.outboxes.delete(id)
        void outbox.close()
      }
    }
    this.ids = [...ids]
    this.refs = this.ids.map((id) => ({ id }))
    this.degree = selfDegree
    this.dMax = maxDegree
  }

  neighbours (): PeerRef[] {
    return this.refs
  }

  /**
   * One turn of the event loop for the algorithm's overlapped local steps: a pending send is encrypted and
   * written (microtasks run first), and the poll phase reads what arrived and answers yamux window updates.
   */
  async progress (): Promise<void> {
    await setImmediate()
  }

  maxDegree (): number {
    if (this.dMax === undefined) throw new MaxDegreeUnknownError()
    return this.dMax
  }

  async round (r: number, outgoing: Uint8Array, opts: { signal: AbortSignal }): Promise<Received[]> {
    if (!this.started) throw new ExchangeNotStartedError(`round ${r}: the exchange is not started`)
    if (this.inbox.active) throw new RoundInProgressError(`round ${r} called while round ${this.inbox.round} waits`)
    if (!Number.isInteger(r) || r < 0 || r > 0xffffffff || r <= this.lastRound) {
      throw new RoundOrderError(`expected a u32 round above ${this.lastRound}, got ${String(r)}`)
    }
    opts.signal.throwIfAborted()
    this.budget.refill()
    if (this.latest !== undefined) return this.latestRound(r, outgoing, this.ids, this.latest)
    const started = performance.now()
    // the wait ends at the deadline, or at once when the owner stops waiting (a stopping peer)
    const timeout = AbortSignal.timeout(this.deadlineMs)
    const deadline = this.stopWaiting === undefined ? timeout : AbortSignal.any([timeout, this.stopWaiting])
    const ids = this.ids
    // encoded before the round begins, so that a payload the envelope cannot carry leaves no round waiting; copied
    // a frame at a time as the first sender reaches it, for every neighbour (message.ts)
    const message = ids.length > 0 ? this.roundMessage(r, outgoing, 'lazy') : undefined
    this.lastRound = r
    this.counters.lastRound = r
    for (const { from, verdict } of this.inbox.begin(r, ids)) {
      if (isRefusal(verdict)) this.reject(from, verdict, new MessageRefusedError(verdict, from, r, `a buffered message of ${from} for round ${r} is refused (${verdict}) now that the round is called`))
      else this.count(verdict)
    }
    if (message !== undefined) for (const id of ids) this.outbox(id).enqueue(r, message)
    try {
      await this.waitRound(deadline, opts.signal)
    } catch (err) {
      this.finishRound(r, ids, started)
      throw err
    }
    return this.finishRound(r, ids, started)
  }

  /** Ends the waiting round: what arrived, in neighbour order; sends of earlier rounds stop here. */
  private finishRound (r: number, ids: readonly string[], started: number): Received[] {
    const { received, missing } = this.inbox.end(ids)
    // round r − 1's outgoing buffer may be reused once this call returns
    for (const o of this.outboxes.values()) o.cancelBefore(r)
    this.counters.lastWaitMs = performance.now() - started
    this.counters.lastMissing = missing
    this.log.trace('round %d: %d of %d neighbours in %d ms', r, received.length, ids.length, Math.round(this.counters.lastWaitMs))
    return received
  }

  /**
   * --sync async: sends, then returns at once with the newest message of each neighbour. The bytes are copied
   * (a send may outlive the call on a slow link, while the algorithm reuses its buffer); a neighbour whose
   * previous send is still under way is skipped this round and gets a newer model next time, never a backlog,
   * and so is a lagging neighbour that has not moved on since the last send to it (LatestMessages.shouldSend).
   */
  private latestRound (r: number, outgoing: Uint8Array, ids: readonly string[], latest: LatestMessages): Received[] {
    this.lastRound = r
    this.counters.lastRound = r
    latest.retain(ids)
    this.lastOutgoing = outgoing
    const to = ids.filter((id) => this.outbox(id).pending === 0 && latest.shouldSend(id, r))
    this.counters.sendsSkipped += ids.length - to.length
    this.sendLatest(to, r, outgoing, latest)
    this.counters.lastWaitMs = 0
    this.counters.lastMissing = ids.filter((id) => latest.roundOf(id) === undefined)
    return latest.latest(ids)
  }

  /** --sync async: queues round r's model (copied once, encoded once) to each of `to` and records the sends */
  private sendLatest (to: readonly string[], r: number, outgoing: Uint8Array, latest: LatestMessages): void {
    if (to.length === 0) return
    const message = this.roundMessage(r, outgoing, 'eager')
    for (const id of to) {
      this.outbox(id).enqueue(r, message)
      latest.markSent(id, r)
    }
  }

  /**
   * round r's message of copies of `outgoing`, which the caller may overwrite once a later round resolves: every
   * frame copied at once (async) or each as the first send reaches it (sync)
   */
  private roundMessage (r: number, outgoing: Uint8Array, copy: PayloadCopy): RoundMessage {
    return new RoundMessage({ type: 'gossip', runHash: this.runHash, round: r, degree: this.degree }, outgoing, this.chunkBytes, copy)
  }

  serveModel (provider: ModelProvider): void {
    this.provider = provider
  }

  async pullModel (peerId: string, opts: PullOptions): Promise<ModelSnapshot> {
    if (!this.started) throw new ExchangeNotStartedError(`pullModel from ${peerId}: the exchange is not started`)
    const maxBytes = intOption('maxBytes', opts.maxBytes, this.maxSyncBytes, 8, MAX_PAYLOAD_BYTES)
    let stream: Stream
    try {
      stream = await this.libp2p.dialProtocol(peerIdFromString(peerId), SYNC_PROTOCOL, { signal: opts.signal })
    } catch (err) {
      if (opts.signal.aborted) throw opts.signal.reason
      throw new SyncFailedError(peerId, `opening a sync stream to ${peerId} failed: ${(err as Error).message}`, { cause: err })
    }
    return await pullSync(stream, peerId, this.sync, { signal: opts.signal, expectedDim: opts.expectedDim, maxBytes })
  }

  stats (): ExchangeStats {
    return this.counters.snapshot()
  }

  /**
   * Ends the round that waits now as if its deadline had passed: it returns what has arrived. For a peer that
   * learns mid-round that its neighbours have moved on past this round (node/peer catchUpRound): the rest of
   * their messages will not come, and waiting out the deadline would keep them waiting for this peer's next
   * ones. Returns whether a round was waiting.
   */
  endRound (): boolean {
    if (this.wake === undefined) return false
    this.wake()
    return true
  }

  async finishSends (signal: AbortSignal): Promise<boolean> {
    const { latest, lastOutgoing: outgoing, lastRound: r } = this
    if (latest !== undefined && outgoing !== undefined && !this.stopping) {
      this.sendLatest(this.ids.filter((id) => latest.lastSentRound(id) < r), r, outgoing, latest)
    }
    const finished = await Promise.all([...this.outboxes.values()].map(async (o) => await o.finish(signal)))
    return finished.every((f) => f)
  }

  /** Resolves when the inbox completes or the deadline passes; rejects when the caller aborts or the exchange stops. */
  private async waitRound (deadline: AbortSignal, signal: AbortSignal): Promise<void> {
    if (this.inbox.complete || deadline.aborted) return
    await new Promise<void>((resolve, reject) => {
      const settle = (err?: Error): void => {
        this.wake = undefined
        deadline.removeEventListener('abort', onDeadline)
        signal.removeEventListener('abort', onAbort)
        if (err === undefined) resolve()
        else reject(err)
      }
      const onDeadline = (): void => { settle() }
      const onAbort = (): void => { settle(signal.reason) }
      this.wake = settle
      deadline.addEventListener('abort', onDeadline, { once: true })
      signal.addEventListener('abort', onAbort, { once: true })
    })
  }

  private outbox (id: string): Outbox {
    let o = this.outboxes.get(id)
    if (o === undefined) {
      o = new Outbox({
        peer: id,
        dial: async (peer, signal) => await this.libp2p.dialProtocol(peerIdFromString(peer), this.gossipProtocols, { signal }),
        counters: this.counters,
        log: this.log,
        attempts: this.sendAttempts,
        dialTimeoutMs: this.dialTimeoutMs
      })
      this.outboxes.set(id, o)
    }
    return o
  }

  private count (v: Verdict): void {
    if (v === 'current') return
    if (v === 'early') this.counters.early++
    else if (v === 'late') this.counters.late++
    else this.counters.reject(v)
  }

  private admit (from: string, info: MessageInfo): boolean {
    if (this.latest !== undefined) {
      if (!this.ids.includes(from)) throw this.refusal(from, 'notNeighbour', info.round)
      if (this.latest.wants(from, info.round)) return true
      this.counters.late++
      return false
    }
    const v = this.inbox.classify(from, info.round)
    if (v === 'current' || v === 'early') return true
    if (isRefusal(v)) throw this.refusal(from, v, info.round)
    this.count(v)
    return false
  }

  /** A whole message off a stream: checked as an algorithm frame (init.frames), then filed; throws to reject it. */
  private complete (from: string, done: CompletedMessage): void {
    const { info, payload } = done
    if (payload === undefined) {
      if (this.latest === undefined) this.inbox.note(from, info.round)
      return
    }
    if (this.checker !== undefined) {
      const verdict = this.checker.check(payload, info.round)
      if (!verdict.ok) {
        if (this.latest === undefined) this.inbox.forfeit(from, info.round)
        throw new UnusableFrameError(verdict.reason, from, info.round, `the round ${info.round} message of ${from} cannot be used by this model (${verdict.reason}): ${verdict.detail}`)
      }
    }
    this.deliver(from, { info, payload })
  }

  private refusal (from: string, v: Verdict & RejectReason, round: number): MessageRefusedError {
    return new MessageRefusedError(v, from, round, `the round ${round} message of ${from} is refused (${v}) in round ${this.inbox.round} of this peer`)
  }

  /** Counts a rejection, by reason and by peer, and reports it to init.onRejected. */
  private reject (from: string, reason: RejectReason, error: Error): void {
    this.counters.reject(reason)
    this.counters.peer(from).rejected++
    if (this.onRejected === undefined) return
    try {
      this.onRejected(from, reason, error)
    } catch (err) {
      this.log.error('onRejected threw for %s (%s) - %e', from, reason, err)
    }
  }

  private deliver (from: string, message: CompletedMessage & { payload: Uint8Array }): void {
    if (this.latest !== undefined) {
      if (!this.latest.put(from, message.info.round, message.info.degree, message.payload)) this.counters.late++
      return
    }
    const v = this.inbox.deliver(from, message.info.round, message.info.degree, message.payload)
    if (isRefusal(v)) throw this.refusal(from, v, message.info.round)
    this.count(v)
  }

  private onGossipStream (stream: Stream, connection: Connection, checksum: boolean): void {
    this.counters.streamsAccepted++
    if (!this.started) { stream.abort(new ExchangeStoppedError()); return }
    if (!checksum && !authenticates(connection.encryption)) {
      const from = connection.remotePeer.toString()
      const error = new UnencryptedStreamError(from, connection.encryption)
      this.reject(from, 'unencrypted', error)
      stream.abort(error)
      return
    }
    this.inbound.add(stream)
    void readGossipStream(stream, connection.remotePeer.toString(), {
      runHash: this.runHash,
      maxMessageBytes: this.maxMessageBytes,
      maxFrameBytes: this.maxFrameBytes,
      counters: this.counters,
      budget: this.budget,
      log: this.log,
      admit: (from, info) => this.admit(from, info),
      complete: (from, done) => { this.complete(from, done) },
      reject: (from, reason, error) => { this.reject(from, reason, error) },
      stopping: () => this.stopping,
      checksum
    }).finally(() => { this.inbound.delete(stream) })
  }

  private onSyncStream (stream: Stream, connection: Connection): void {
    this.counters.streamsAccepted++
    if (!this.started) { stream.abort(new ExchangeStoppedError()); return }
    this.inbound.add(stream)
    void serveSync(stream, connection.remotePeer.toString(), this.provider, this.sync, AbortSignal.timeout(this.syncServeTimeoutMs))
      .finally(() => { this.inbound.delete(stream) })
  }
}

/**
 * Whether a connection secured by `encryption` (its negotiated protocol) authenticates every byte, which is what
 * lets /murmur/gossip/1.1.0 leave out the CRC-32: every libp2p connection encrypter does (Noise, TLS and murmur's
 * noise-aesgcm, all AEAD) except plaintext, which exists for tests.
 */
export function authenticates (encryption: string | undefined): boolean {
  return encryption !== undefined && encryption !== '' && !encryption.includes('plaintext')
}
