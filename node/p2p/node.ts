/**
 * The libp2p 3 node of a murmur peer: TCP, Noise, Yamux, identify, ping, gossipsub (node/p2p/pubsub.ts),
 * optional bootstrap list and mDNS, connection manager limits that let dozens of peers on one host
 * connect at once, and who may connect: a private swarm's pre-shared key (pnet) and a PeerId allowlist.
 */
import { createLibp2p } from 'libp2p'
import type { Libp2p, PeerDiscovery, PrivateKey } from '@libp2p/interface'
import { tcp } from '@libp2p/tcp'
import { connectionEncrypters } from './encrypters.ts'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify } from '@libp2p/identify'
import type { Identify } from '@libp2p/identify'
import { ping } from '@libp2p/ping'
import type { Ping } from '@libp2p/ping'
import { bootstrap } from '@libp2p/bootstrap'
import { mdns } from '@libp2p/mdns'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { parseAnnounceAddrs, parseBootstrapAddrs, parseListenAddrs, peerIdOfAddr } from './addrs.ts'
import {
  BOOTSTRAP_DELAY_MS, BOOTSTRAP_RETRY_MS, DEFAULT_LISTEN, INBOUND_CONNECTION_THRESHOLD, LOOPBACK_ALLOW, MAX_CONNECTIONS, MAX_INCOMING_PENDING_CONNECTIONS
} from './constants.ts'
import { keepBootstrapped } from './bootstrap-redial.ts'
import type { BootstrapFailure } from './bootstrap-redial.ts'
import { watchSharedIdentities } from './identity-watch.ts'
import type { SharedIdentity } from './identity-watch.ts'
import { allowlistGater } from './allowlist.ts'
import type { RefusedPeer } from './allowlist.ts'
import { handshakeWatch } from './handshake-watch.ts'
import type { HandshakeFailure } from './handshake-watch.ts'
import { privateSwarm } from './private-swarm.ts'
import { createPubSub } from './pubsub.ts'
import type { SwarmKey } from './swarm-key.ts'
import type { PubSub, PubSubInit } from './pubsub.ts'

export interface PeerServices extends Record<string, unknown> {
  identify: Identify
  ping: Ping
  pubsub: PubSub
}

/** A started libp2p node with murmur's services. */
export type PeerNode = Libp2p<PeerServices>

export interface PeerNodeInit {
  /** the peer's key (node/p2p `loadOrCreateIdentity`); decides the PeerId */
  privateKey: PrivateKey
  /** addresses to listen on; default ['/ip4/0.0.0.0/tcp/0'] */
  listen?: readonly string[]
  /** addresses to tell other peers instead of the listening ones (NAT, public IP, DNS name) */
  announce?: readonly string[]
  /** addresses of running peers (each with /p2p/<id>); entries naming this peer itself are skipped */
  bootstrap?: readonly string[]
  /** find peers on the local network by multicast DNS; default false */
  mdns?: boolean
  /** connection manager: connections kept before pruning; default 256 */
  maxConnections?: number
  /** inbound connections a second accepted from one host; default 64 (libp2p's own default is 5) */
  inboundConnectionThreshold?: number
  /** inbound connections still being upgraded at once; default 64 (libp2p's own default is 10) */
  maxIncomingPendingConnections?: number
  /** exempt 127.0.0.0/8 and ::1 from the limits above, for local clusters; default true */
  allowLoopback?: boolean
  /** while the node has no connection at all, redial the bootstrap list this often (ms); 0 turns it off; default 2,000 */
  bootstrapRetryMs?: number
  /**
   * called when a redial of a bootstrap address fails while the node has no connection: on the first failure
   * of each address, then every BOOTSTRAP_REPORT_EVERY-th (a wrong address, port, swarm key or allowlist
   * otherwise leaves a peer waiting alone without a word). A redial whose connection the other side closes
   * within DROPPED_WITHIN_MS (an --allow-peers list without this PeerId) fails with BootstrapConnectionDroppedError.
   */
  onBootstrapFailed?: (failure: BootstrapFailure) => void
  /**
   * called once for a PeerId whose two open connections identify with disjoint listen addresses: two processes
   * sharing one identity.key (identity-watch.ts), of which one hears nothing
   */
  onSharedIdentity?: (shared: SharedIdentity) => void
  pubsub?: PubSubInit
  /**
   * a private swarm's pre-shared key (readSwarmKey): every connection is encrypted with it before Noise, so
   * only peers holding the same key can connect; default none (anyone who reaches the port can)
   */
  swarmKey?: SwarmKey
  /** PeerIds allowed to connect, in both directions, checked once Noise has authenticated the remote; default: anyone */
  allowPeers?: Iterable<string>
  /** called for each dial and connection the allowlist refuses */
  onRefused?: (refusal: RefusedPeer) => void
  /**
   * called for each incoming connection that closes before its encryption handshake completed, while the node runs:
   * with a swarm key, most likely a peer with another key or none (node/p2p/handshake-watch.ts)
   */
  onHandshakeFailed?: (failure: HandshakeFailure) => void
  /** connection encrypters offered, in order of preference (node/p2p ENCRYPTERS); default DEFAULT_ENCRYPTERS */
  encrypters?: readonly string[]
  /** start the node before returning; default true */
  start?: boolean
}

/**
 * Creates (and by default starts) the libp2p node of a peer. The address lists are checked with the same
 * parsers as the command-line flags and throw their named errors.
 */
export async function createPeerNode (init: PeerNodeInit): Promise<PeerNode> {
  const self = peerIdFromPrivateKey(init.privateKey).toString()
  const listen = parseListenAddrs(init.listen ?? DEFAULT_LISTEN)
  const announce = init.announce === undefined ? [] : parseAnnounceAddrs(init.announce)
  const bootstrapList = parseBootstrapAddrs(init.bootstrap ?? []).filter((a) => peerIdOfAddr(a) !== self)
  const peerDiscovery: Array<(components: any) => PeerDiscovery> = []
  if (bootstrapList.length > 0) peerDiscovery.push(bootstrap({ list: bootstrapList, timeout: BOOTSTRAP_DELAY_MS }))
  if (init.mdns === true) peerDiscovery.push(mdns())

  const allowlist = init.allowPeers !== undefined ? allowlistGater(init.allowPeers, init.onRefused) : undefined
  // a connection cut by this node's own stop is no failed handshake
  const handshakes = handshakeWatch((f) => { if (node.status === 'started') init.onHandshakeFailed?.(f) }, allowlist)
  const node = await createLibp2p<PeerServices>({
    privateKey: init.privateKey,
    start: false,
    addresses: { listen, announce },
    transports: [tcp()],
    connectionEncrypters: connectionEncrypters(init.encrypters),
    streamMuxers: [yamux()],
    peerDiscovery,
    ...(init.swarmKey !== undefined ? { connectionProtector: privateSwarm(init.swarmKey) } : {}),
    connectionGater: handshakes.gater,
    connectionManager: {
      maxConnections: init.maxConnections ?? MAX_CONNECTIONS,
      inboundConnectionThreshold: init.inboundConnectionThreshold ?? INBOUND_CONNECTION_THRESHOLD,
      maxIncomingPendingConnections: init.maxIncomingPendingConnections ?? MAX_INCOMING_PENDING_CONNECTIONS,
      allow: init.allowLoopback === false ? [] : [...LOOPBACK_ALLOW]
    },
    services: {
      identify: identify(),
      ping: ping(),
      pubsub: createPubSub(init.pubsub)
    }
  })
  keepBootstrapped(node, bootstrapList, init.bootstrapRetryMs ?? BOOTSTRAP_RETRY_MS, init.onBootstrapFailed, handshakes.handshaking)
  if (init.onSharedIdentity !== undefined) watchSharedIdentities(node, init.onSharedIdentity)
  if (init.start !== false) await node.start()
  return node
}
