/** Defaults of node/p2p, resolved once where they are used. */

/** Where a peer listens when `--listen` is not given: every IPv4 interface, a port the OS picks. */
export const DEFAULT_LISTEN = ['/ip4/0.0.0.0/tcp/0'] as const

/** File name of the peer's private key inside `--data-dir`. */
export const IDENTITY_FILE = 'identity.key'

/**
 * Connection manager limits for clusters of many peers on one host. libp2p's defaults (5 inbound connections
 * a second per host, 10 pending upgrades) refuse most of 16 local peers that dial one bootstrap peer at once.
 */
export const INBOUND_CONNECTION_THRESHOLD = 64
export const MAX_INCOMING_PENDING_CONNECTIONS = 64
export const MAX_CONNECTIONS = 256

/** Loopback networks, exempt from the per-host limits when `allowLoopback` is on (the default). */
export const LOOPBACK_ALLOW = ['/ip4/127.0.0.0/ipcidr/8', '/ip6/::1/ipcidr/128'] as const

/** While a peer with a bootstrap list has no connection at all, it redials the list this often (ms). */
export const BOOTSTRAP_RETRY_MS = 2000
/** How long @libp2p/bootstrap waits after start before its first dial (ms); its own default is 1,000. */
export const BOOTSTRAP_DELAY_MS = 100
/** Each bootstrap redial gives up after this long (ms). */
export const BOOTSTRAP_DIAL_TIMEOUT_MS = 5000
/** a failing bootstrap address is reported on its first failed redial, then every this many (30 s at the default retry) */
export const BOOTSTRAP_REPORT_EVERY = 15
/**
 * A connection closed within this long (ms) after it opened was dropped by the other side's connection gater: what an
 * --allow-peers list does to a PeerId it does not name (it closes the connection once the handshake has proven the id).
 */
export const DROPPED_WITHIN_MS = 1000

/**
 * Gossipsub for small meshes (a few to a few dozen peers): mesh degree 4 in [2, 8] instead of 6 in [4, 12],
 * so a mesh forms with 3 peers; floodPublish (the default) still sends a peer's own messages to every
 * subscribed peer it is connected to.
 */
export const PUBSUB_MESH = { D: 4, Dlo: 2, Dhi: 8, Dscore: 2, Dout: 1, Dlazy: 4 } as const
/** Gossipsub heartbeat (mesh maintenance), ms. */
export const PUBSUB_HEARTBEAT_MS = 700
/**
 * Gossipsub peer scoring without P6, the IP colocation penalty (gossipsub v1.1 spec, "P6: IP Colocation Factor").
 * Its defaults (threshold 10, weight −5) score every peer −(k − 10)² · 5 once more than 10 peers reach us from one
 * IP: with 16 peers on 127.0.0.1 that is −125, below the graylist threshold (−80), so each peer ignores every RPC
 * of the others and publishes to none of them; membership heartbeats stop and the run never starts. Many peers
 * on one host (`murmur cluster`, several peers a machine, peers behind one NAT) are normal for murmur, and P6
 * (a cost on Sybils sharing an address) protects nothing murmur relies on: any peer with the run's config may
 * join a run, and every member must hear every other one. The other penalties (P7 for misbehaviour) stay.
 */
export const PUBSUB_SCORE_PARAMS = { IPColocationFactorWeight: 0 } as const
/** Largest inbound gossipsub RPC frame (bytes): membership messages are at most 8 KiB, so 256 KiB leaves room for batching. */
export const PUBSUB_MAX_RPC_BYTES = 256 * 1024
/** Messages, subscriptions and control ids one RPC may carry. */
export const PUBSUB_MAX_RPC_ENTRIES = 256

/**
 * Penalties murmur's own checks give a peer (a membership announcement rejected by the topic validator, a gossip
 * frame refused by the exchange), through gossipsub's application-specific score P5 (gossipsub v1.1 spec, "P5:
 * Application-Specific"): P5 = −PENALTY_SCORE_WEIGHT · c², c the peer's penalty count decaying with a half-life of
 * PENALTY_HALF_LIFE_MS. Quadratic as the spec's own P4 and P7, so one slip costs little and a run of faults a lot.
 * Against gossipsub's default thresholds: c = 1 gives −4 (no effect beyond a lower rank), c = 2 gives −16 (below
 * gossipThreshold −10: no IHAVE/IWANT gossip with it; a negative score also drops it from the mesh), c = 4 gives −64
 * (below publishThreshold −50: our own messages skip it), c = 5 gives −100 (below graylistThreshold −80: every RPC
 * it sends is dropped unread, so its further messages cost no validation). Graylisted after 5 faults, a peer is
 * heard again once c decays below √20 ≈ 4.5: about 20 s after its last fault.
 */
export const PENALTY_SCORE_WEIGHT = 4
export const PENALTY_HALF_LIFE_MS = 120_000
/** Peers whose penalty count is remembered; beyond it the least recently penalised is forgotten. */
export const MAX_PENALIZED_PEERS = 4096
/** A decayed penalty count below this is forgotten. */
export const PENALTY_FORGET_BELOW = 0.05

/**
 * Largest write a private swarm's cipher encrypts at once (private-swarm.ts: above 640 KiB, @libp2p/pnet's
 * xsalsa20 grows a memory its other instances then hold stale views of, and connections fail). 64 KiB is the
 * size of yamux frames and of socket reads, so it splits nothing that was not split already.
 */
export const PNET_MAX_WRITE_BYTES = 64 * 1024
