/** What a report is made of: a run folder read into plain, normalised records. */

/**
 * Who wrote the folder: `murmur sim` (config.json), `murmur cluster` (run.json), one `murmur peer` (its --data-dir:
 * peer.json, and metrics rows that carry peerId and slot), several peers' folders merged by `murmur report`
 * (`peers`: a run on several machines), or neither recognisably.
 */
export type RunKind = 'sim' | 'cluster' | 'peer' | 'peers' | 'unknown'

/** Who a peer's --data-dir belongs to, from its peer.json (and its metrics rows where peer.json lacks a field). */
export interface PeerIdentity {
  peerId: string | null
  /** the --shard slot */
  slot: number | null
  runId: string | null
  /** hash of the run's agreed config (lib/experiment agreement.ts) */
  configHash: string | null
}

/**
 * One round of metrics.jsonl, normalised over both writers: a field a writer does not record (or recorded as
 * null, NaN, or a non-number) is null here, so every consumer handles absence the same way.
 */
export interface RoundRow {
  round: number
  trainLoss: number | null
  accuracy: number | null
  peerAccuracyMin: number | null
  peerAccuracyMean: number | null
  consensusDistance: number | null
  bytesThisRound: number | null
  bytesSent: number | null
  lambda2: number | null
  /** peers that ran the round */
  online: number | null
  /** a cluster's snapshot rounds: how many peers' parameter snapshots the consensus distance (and averaged model) came from */
  snapshots: number | null
  /** mean per peer, ms */
  computeMs: number | null
  commMs: number | null
  /** the round's wall time: the simulator's wallMs, the slowest peer's round (cluster roundMsMax), or a peer's own roundMs */
  roundMs: number | null
}

export interface LoadedRun {
  /** absolute path of the run folder */
  dir: string
  kind: RunKind
  /**
   * the experiment fields (config.json's `experiment`, or run.json; for a peer's folder the agreed fields its
   * checkpoint holds); null when none is readable
   */
  config: Record<string, unknown> | null
  /** which file the config came from, relative to dir */
  configFile: string | null
  /** kind 'peer': whose folder it is; null otherwise */
  peer: PeerIdentity | null
  /** kind 'peers': the peer folders merged, in slot order; empty otherwise */
  sources: Array<{ dir: string } & PeerIdentity>
  /** the `murmur` block of a simulator's config.json (command, argv, version, node, backend) */
  provenance: Record<string, unknown> | null
  summary: Record<string, unknown> | null
  /** whether metrics.jsonl was there to read: sections without rows say which it was */
  metrics: 'read' | 'absent' | 'unreadable'
  rows: RoundRow[]
  /**
   * coordinates of the model: config.json's derived.dim or summary.json's dim (murmur sim); run.json's dim for a
   * gossip cluster, else a peer's parameter snapshot's size (raw float32); null when none says
   */
  dim: number | null
  /** the test set's size when the writer recorded it (murmur sim's config.json derived.testSamples); else unknown */
  testSamples?: number | null
  /** non-empty lines of metrics.jsonl that gave no row: not metrics records (a torn last line of a killed run), or rows with values out of range */
  skippedLines: number
  /** what is missing or unreadable, one sentence each, shown at the top of the report */
  notes: string[]
}
