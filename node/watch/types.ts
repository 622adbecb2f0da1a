/** What an observer shows: the JSON the terminal view renders and the dashboard receives. */

/**
 * A peer's state as the observer sees it: its announced state ('joining', 'active', 'leaving': announced its leave
 * and works its last round) while live; 'left' once a leaver reported its last round or stopped announcing; 'silent'
 * when it stopped announcing without leaving.
 */
export type PeerStatus = 'active' | 'joining' | 'leaving' | 'left' | 'silent'

export interface PeerRow {
  id: string
  slot: number
  status: PeerStatus
  /** a member of the snapshot's `round` in the observer's membership view */
  member: boolean
  /**
   * rounds completed: from its latest summary or its latest membership announcement, whichever is newer (a peer
   * announces once a heartbeat, and summarises every --telemetry-every rounds)
   */
  round: number
  trainLoss: number | null
  accuracy: number | null
  accuracyRound: number | null
  degree: number | null
  /** λ₂ of W over the members this peer sees */
  lambda2: number | null
  bytesSent: number
  /** bytes sent per second between its two latest summaries */
  sendRate: number | null
  roundMs: number | null
  computeMs: number | null
  commMs: number | null
  waitMs: number | null
  /** ms since its latest summary (null: none yet) */
  age: number | null
}

export interface AccuracyPoint { round: number, mean: number, min: number, peers: number }
export interface ConsensusPoint { round: number, value: number, peers: number }
export interface LossPoint { round: number, mean: number, peers: number }

/** An append-only curve; `base` is the absolute index of points[0] (older points are dropped past MAX_POINTS). */
export interface Series<P> { base: number, points: P[] }

export interface GraphView {
  /** the round whose members the graph is built over */
  round: number
  nodes: Array<{ id: string, slot: number }>
  /** each undirected edge once; bytes: exchanged so far on it (both directions, as its ends report) */
  edges: Array<{ source: string, target: string, bytes: number }>
  /** null above MAX_SPECTRUM_NODES */
  lambda2: number | null
  gap: number | null
  /** eigenvalues of the round's W, descending */
  eigenvalues: number[] | null
}

export type EventKind = 'join' | 'leave' | 'silent' | 'back' | 'refused' | 'heard' | 'ended' | 'stalled'

export interface WatchEvent {
  /** 1, 2, … in the order events happened */
  seq: number
  time: number
  kind: EventKind
  id: string
  slot: number | null
  round: number | null
  text: string
}

/**
 * The watched run is over: peers of it were heard, and none remains (each left after reporting its last round, or
 * went silent: past the members' timeout and the observer's peer timeout both). Kept once its peers are forgotten;
 * cleared when a peer of the run is heard again.
 */
export interface RunEnd {
  /** observer clock when the end was seen */
  time: number
  /** the most rounds a peer of the run completed */
  round: number
  /** peers that announced their leave */
  left: number
  /** peers that went silent without leaving */
  silent: number
  /** 'run ended at round R: K peers left[, S went silent]' */
  text: string
}

export interface RunInfo {
  topology: string
  weights: string
  algo: string
  codec: string
  peers: number
  rounds: number
  seed: number
}

export interface WatchCounters {
  announcements: number
  summaries: number
  /** malformed input by topic and fault ('summary:sketch', 'announcement:json', 'summary:signer', ...) */
  rejected: Record<string, number>
  /** well-formed input not used: 'stale' (not newer than the last), 'late' (its round's figures were final), 'capacity', 'config' (another run config) */
  ignored: Record<string, number>
}

export interface WatchSnapshot {
  runId: string
  time: number
  run: RunInfo | null
  /**
   * The run's round: the most rounds completed by a live peer, i.e. the largest `peers[].round` among the peers
   * neither silent nor left (the others may lag it by a round or more); null while no peer is live. The membership
   * graph (`graph.round`) and the peers' `member` flags are of this round. Once the run is over, `ended.round`.
   */
  round: number | null
  peers: PeerRow[]
  graph: GraphView | null
  /** why there is no graph (e.g. the topology cannot be built over these members) */
  graphError: string | null
  accuracy: AccuracyPoint | null
  consensus: ConsensusPoint | null
  loss: LossPoint | null
  series: { accuracy: Series<AccuracyPoint>, consensus: Series<ConsensusPoint>, loss: Series<LossPoint> }
  /** oldest first */
  events: WatchEvent[]
  counters: WatchCounters
  /** the run is over (as of the latest tick); null while it runs or before anything is heard */
  ended: RunEnd | null
}
