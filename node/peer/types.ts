import type { RunConfig } from '../../lib/experiment/index.ts'

/** Everything `runPeer` needs; the CLI builds it from flags and `--config`. */
export interface PeerInit {
  /** the run (resolved: every field checked) */
  config: RunConfig
  /** this peer's slot i of `--shard i/n`: its data shard and random streams */
  slot: number
  /** identity key, metrics.jsonl, checkpoints/, snapshots/, peer.json */
  dataDir: string
  /** train and test on the IDX files in this folder (the peer's own data) instead of its shard of the seeded split */
  ownDataDir?: string
  listen: string[]
  announce?: string[]
  bootstrap: string[]
  mdns: boolean
  /** `--swarm-key`: a private swarm's pre-shared key file (node/p2p readSwarmKey); only peers with the same key can connect */
  swarmKeyFile?: string
  /** `--allow-peers`: a file of the PeerIds allowed to connect (node/p2p readAllowlist) */
  allowPeersFile?: string
  /** evaluate the peer's own model every this many rounds (and at the end); 0 = only at the end */
  evalEvery: number
  /** test samples for those evaluations; 0 = all */
  evalLimit: number
  /** stop once the peer's own model reaches this test accuracy */
  untilAccuracy?: number
  /** write the parameters to snapshots/ every this many rounds (for cluster-wide consensus and averaged-model accuracy); 0 = never */
  snapshotEvery: number
  /**
   * `--keep-snapshots`: keep only the newest this many snapshot files, deleting older ones as new ones are written
   * (node/peer snapshots.ts); default: all, which `murmur cluster`'s merge needs for its figures of every snapshot round
   */
  keepSnapshots?: number
  /**
   * log a note at the start when the snapshots of the whole run would take more than 1 GB and all are kept (default
   * true); `murmur cluster`'s peers leave it out: the cluster needs them all, and the note's ways out are not theirs
   */
  snapshotSizeNote?: boolean
  /** checkpoint every this many rounds (and always at a graceful stop); 0 = only at the stop */
  checkpointEvery: number
  /** go on from the newest usable checkpoint in dataDir/checkpoints (node/peer/resume.ts); metrics.jsonl is appended to */
  resume?: boolean
  /**
   * `--fresh`: start afresh (not --resume) in a dataDir that holds this peer's records of this same run (same config
   * hash and slot), moving them to previous/<time>/ as an earlier run's; without it such a start is refused
   * (SameRunDataDirError), since the merged records would silently lack the earlier rounds
   */
  fresh?: boolean
  heartbeatMs?: number
  /** a new run waits this long for `config.peers` members before starting without the missing ones */
  startTimeoutMs: number
  /** an experiment: owe (F − 1) × the time each round kept the peer busy and sleep it before the next round, as if its processor were F times slower (≥ 1; default 1) */
  slowdown?: number
  /** where the local steps of an overlapped round run: 'main' (default, paced on the event loop) or 'worker' (node/train-thread) */
  trainThread?: 'main' | 'worker'
  /**
   * aborting it asks for a graceful stop: end the round under way with what has arrived (waiting for no neighbour),
   * announce leaving, run the leaving round without waiting, checkpoint, exit
   */
  stop: AbortSignal
  /** one line of human-readable log (the CLI prints it to stderr) */
  log: (line: string) => void
  /** after each round (progress display) */
  onRound?: (record: PeerRecord) => void
  /** publish a round summary on the run's telemetry topic for observers (`murmur watch`) every this many rounds; 0 = never; default 1 */
  telemetryEvery?: number
  /** once the node listens: the addresses other machines pass to --bootstrap */
  onListening?: (info: { peerId: string, addrs: string[] }) => void
  /**
   * once the data and model have loaded, before anything is written: the training samples this peer has (its shard, or
   * its --own-data), null for gossip; the CLI says when --batch is larger (a step then takes the whole shard)
   */
  onPrepared?: (info: { shardSamples: number | null }) => void
}

/** One line of `<data-dir>/metrics.jsonl`. Field names follow the simulator's where they mean the same. */
export interface PeerRecord {
  peerId: string
  slot: number
  /** rounds completed by this peer (round r done → r + 1) */
  round: number
  trainLoss: number
  /** this peer's own model on the test set, on evaluation rounds; null otherwise */
  accuracy: number | null
  testLoss: number | null
  /**
   * cumulative bytes of the algorithm's messages this peer sent: each round's payload once per neighbour, without the
   * exchange's envelopes (Prometheus murmur_sent_bytes_total; the bytes on the wire, per neighbour, are in traffic)
   */
  bytesSent: number
  bytesThisRound: number
  /** per neighbour of this round: bytes in and out since the start */
  traffic: Record<string, { in: number, out: number }>
  members: number
  neighbours: string[]
  received: number
  missing: number
  stale: number
  /** messages the algorithm refused this round, by reason (malformed, wrong size, non-finite, unexpected, out of step) */
  rejected: Record<string, number>
  /** inbound messages or streams the exchange refused since the start, by reason (wire faults, not a neighbour, too early, ...) */
  exchangeRejected: Record<string, number>
  /** rounds this peer skipped so far to catch up with neighbours that went on without it (after a freeze or a partition) */
  skipped?: number
  /** snapshot writes that failed so far (a full disk, a read-only folder); absent while none has */
  snapshotsSkipped?: number
  /** the realised row of W this round: self weight and each neighbour heard */
  row: { self: number, neighbours: Array<{ id: string, weight: number }> }
  rowSum: number
  /** lambda2 of this round's W over the members this peer sees */
  lambda2: number
  computeMs: number
  /** in the exchange until the own message was handed off and the neighbours' arrived (or the deadline) */
  commMs: number
  /**
   * blocked outside the exchange: waiting for the start of the run or for the join round (before this life's first
   * round, so outside its roundMs), or, inside the round (so also in roundMs), held while cut off from most of the
   * run or paused alone at the run's pace
   */
  waitMs: number
  /**
   * CPU time of the peer's main thread during the round (the sleep of --slowdown excluded; the local steps of
   * --train-thread worker, in another thread, excluded): with roundMs it shows how long the round waited for a core
   */
  cpuMs?: number
  roundMs: number
  elapsedMs: number
  /** wall clock (ms since the epoch) at the end of the round */
  time: number
}

export interface PeerResult {
  peerId: string
  /** the round this peer reached: the rounds of the run it has completed, in this life and (after --resume) earlier ones */
  rounds: number
  /** the round this life started from: 0 in a new run, the checkpoint's round after --resume, the join round of a joiner */
  firstRound: number
  /** rounds this life ran (rounds skipped to catch up with the run not counted) */
  roundsRun: number
  /** why the loop ended */
  reason: 'rounds' | 'accuracy' | 'stopped'
  accuracy: number | null
  checkpoint: string | undefined
  /** snapshot writes that failed in this life (the rounds' snapshots the cluster's merge will not find) */
  snapshotsSkipped: number
  /** the error of the first of them */
  snapshotError: string | undefined
}
