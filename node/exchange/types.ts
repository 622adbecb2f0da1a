/** Public types of node/exchange; the semantics are docs/NETWORK.md § Exchange and docs/PROTOCOL.md. */

import type { Libp2p } from '@libp2p/interface'
import type { FrameFault } from '../../lib/protocol/index.ts'
import type { Exchange, FrameExpectation, FrameRejection, PeerRef } from '../../lib/algorithms/index.ts'

/** What the exchange needs of the libp2p node. */
export interface GossipExchangeComponents {
  libp2p: Pick<Libp2p, 'peerId' | 'handle' | 'unhandle' | 'dialProtocol'>
}

export interface GossipExchangeInit {
  /** the run this peer belongs to; messages of other runs are refused (8 bytes of its SHA-256 travel in each) */
  runId: string
  /** a round resolves at the latest this long after its call */
  roundDeadlineMs: number
  /**
   * the largest round message accepted, in bytes: an algorithm frame around the codec payload, e.g.
   * 24 + maxBytes(codec, d) + resync ids (lib/algorithms message.ts, lib/compress maxBytes)
   */
  maxMessageBytes: number
  /** rounds ahead of the current one that are buffered; default 2 */
  window?: number
  /** payload bytes per frame, in [1, MAX_CHUNK_BYTES]; default 1 MiB − 40 */
  chunkBytes?: number
  /** completed early messages held at once; default 64 */
  maxEarlyMessages?: number
  /** largest frame read from a peer (length-prefix bound), at most MAX_FRAME_BYTES; default MAX_FRAME_BYTES */
  maxFrameBytes?: number
  /** time to open a stream to a neighbour; default 5,000 ms */
  dialTimeoutMs?: number
  /** tries per round and neighbour, each on a fresh stream after a failure; default 2 */
  sendAttempts?: number
  /** inbound gossip streams per connection and gossip protocol version; default 4 */
  maxInboundStreams?: number
  /**
   * 'auto' (default): offer /murmur/gossip/1.1.0, which leaves out the CRC-32 that the connection's authenticated
   * encryption makes redundant, and fall back to 1.0.0 with neighbours that do not speak it; serve both.
   * 'always': speak and serve 1.0.0 only (every message carries and is checked against its CRC-32).
   */
  crc?: 'auto' | 'always'
  /** largest sync response `pullModel` accepts; default 257 MiB */
  maxSyncBytes?: number
  /** time a server gives itself to send its model; default 60,000 ms */
  syncServeTimeoutMs?: number
  /**
   * 'async' (`--sync async`): `round` never waits; it sends and returns the newest message each neighbour has
   * sent, of any round (node/exchange/latest.ts); default 'sync'
   */
  sync?: 'sync' | 'async'
  /**
   * messages (first frames, delivered or not) one peer may start between two `round` calls, over all its
   * streams; default 2·(window + 1) + 2 (a conforming neighbour sends one a round, at most window + 1 in a
   * burst when it catches up, each possibly retried once). Above it: 'rateLimited'
   */
  maxMessagesPerRound?: number
  /**
   * frame bytes (headers and chunks) one peer may send between two `round` calls; default
   * maxMessagesPerRound × (maxMessageBytes + 40 × (1 + ⌈maxMessageBytes / 1024⌉)), i.e. full messages in
   * chunks of at least 1 KiB. Above it: 'rateLimited'
   */
  maxBytesPerRound?: number
  /**
   * when given, every whole message is checked as a lib/algorithms frame of this model (dimension, codec,
   * kinds) and of the envelope's round, values finite, before it is delivered (lib/algorithms FrameChecker);
   * a failing one is rejected with the checker's reason. Without it payloads are opaque bytes.
   */
  frames?: FrameExpectation
  /**
   * called once for every rejection, with the sender, the reason (the counter it went to) and the named
   * error (a lib/protocol ProtocolError or an InboundRejectedError subclass), after the counter is raised and
   * before the stream is aborted; node/peer lowers the sender's gossipsub score from here. Synchronous; an
   * exception it throws is logged and ignored. Reasons in BENIGN_REASONS also arise between conforming peers.
   */
  onRejected?: (peer: string, reason: RejectReason, error: Error) => void
  /**
   * once aborted, `round` waits for no neighbour: the round waiting then resolves at once with what has arrived,
   * as at its deadline, and every later round resolves as soon as its message is queued. node/peer passes its stop
   * signal, so that a stopping peer neither waits out a frozen neighbour's deadline nor starts another such wait.
   * The sends still go out, under the usual rule: a send of round r still under way when round r + 1 resolves is
   * cancelled. Unlike `round`'s own signal, it never rejects a round.
   */
  stopWaiting?: AbortSignal
}

/** A model as served and pulled over `/murmur/sync/1.0.0`, in full precision. */
export interface ModelSnapshot {
  round: number
  params: Float32Array
  /** opaque algorithm state (optional) */
  state?: Uint8Array
}

export type ModelProvider = () => ModelSnapshot

export interface PullOptions {
  signal: AbortSignal
  /** refuse a model of another dimension */
  expectedDim?: number
  /** overrides init.maxSyncBytes for this pull */
  maxBytes?: number
}

/** Why an inbound message was not delivered, besides the wire faults of lib/protocol. */
export type ExchangeRejectReason =
  | 'notNeighbour' // a sender that is not a neighbour in the message's round
  | 'tooEarly' // a round beyond the window
  | 'duplicate' // a second message from one sender for one round
  | 'replay' // a round below the highest one already received from that sender (an old message sent again)
  | 'earlyFull' // the early buffer holds maxEarlyMessages already
  | 'frameTooLarge' // a length prefix above maxFrameBytes
  | 'rateLimited' // a peer above maxMessagesPerRound or maxBytesPerRound
  | 'unencrypted' // a /murmur/gossip/1.1.0 stream (no CRC-32) on a connection without authenticated encryption
  | FrameRejection // init.frames: the algorithm frame is malformed, of another version, round, dimension, kind or codec, or not finite

export type RejectReason = FrameFault | ExchangeRejectReason

export interface PeerTraffic {
  /** envelope bytes (headers and chunks, without length prefixes) read from this peer */
  bytesIn: number
  /** bytes written to this peer, length prefixes included, counted when a message is fully handed to the stream */
  bytesOut: number
  /** complete, well-formed messages read from this peer (delivered or not) */
  messagesIn: number
  messagesOut: number
  /** sends to this peer that failed (each try counts) */
  sendFailures: number
  /** messages or streams of this peer rejected (any reason) */
  rejected: number
}

export interface ExchangeStats {
  /** by peer id, every peer that sent or was sent to */
  peers: Record<string, PeerTraffic>
  /** inbound messages or streams refused, by reason */
  rejected: Record<RejectReason, number>
  /** messages that came after their round had resolved (or for a round this peer skipped) */
  late: number
  /** messages buffered because they came before their round was called */
  early: number
  /** --sync async: round messages not sent to a neighbour (its link still busy, or it lags and has not moved on) */
  sendsSkipped: number
  /** outbound streams opened (a reopen after a failure counts again) */
  streamsOpened: number
  /** of those, the ones the neighbour accepted as /murmur/gossip/1.1.0 (no CRC-32; the others speak 1.0.0) */
  streamsOpenedNoCrc: number
  /** inbound gossip and sync streams handed to this exchange's protocol handlers (a connection refused by the swarm key or the allowlist never gets here) */
  streamsAccepted: number
  /** the last round called, −1 before the first */
  lastRound: number
  /** time the last round waited from its call to its resolution (ms) */
  lastWaitMs: number
  /** neighbours whose message the last round did not get */
  lastMissing: string[]
}

/** lib/algorithms' Exchange over libp2p, plus membership updates, lifecycle, sync and counters. */
export interface GossipExchange extends Exchange {
  /** the neighbours of the next round, this peer's degree sent with its messages (default ids.length), and the graph's max degree */
  setNeighbours (ids: readonly string[], selfDegree?: number, maxDegree?: number): void
  neighbours (): PeerRef[]
  maxDegree (): number
  start (): Promise<void>
  stop (): Promise<void>
  /** answer sync requests with what `provider` returns at the time of each request */
  serveModel (provider: ModelProvider): void
  /** the current model of `peerId`, in full precision */
  pullModel (peerId: string, opts: PullOptions): Promise<ModelSnapshot>
  /** a snapshot of the counters */
  stats (): ExchangeStats
  /** ends the round waiting now as if its deadline had passed (its neighbours moved on); whether one was waiting */
  endRound (): boolean
  /**
   * waits for the sends queued so far, then closes every outbound stream: true once each neighbour has read to the
   * end (it closes its side then) or reset the stream (it stopped), false if `signal` aborts first. A leaving peer's last step before it stops:
   * neighbours still in its last round wait for that round's message. A later send opens a new stream.
   * In async mode (`--sync async`) it first sends the last round's model to every neighbour that was not sent it
   * (skipped as lagging or busy, LatestMessages.shouldSend): that model is this peer's final word, which its
   * neighbours keep mixing until they finish (lib/algorithms staleness.ts, finalRound).
   */
  finishSends (signal: AbortSignal): Promise<boolean>
}
