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
import { multiaddr } from '@multiformats/multiaddr'
import { parseAnnounceAddrs, parseBootstrapAddrs, parseListenAddrs, peerIdOfAddr } from './addrs.ts'
import {
  BOOTSTRAP_DELAY_MS, BOOTSTRAP_DIAL_TIMEOUT_MS, BOOTSTRAP_REPORT_EVERY, BOOTSTRAP_RETRY_MS, DEFAULT_LISTEN, INBOUND_CONNECTION_THRESHOLD,
  LOOPBACK_ALLOW, MAX_CONNECTIONS, MAX_INCOMING_PENDING_CONNECTIONS
} from './constants.ts'
import { allowlistGater } from './allowlist.ts'
import type { RefusedPeer } from './allowlist.ts'
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
   * otherwise leaves a peer waiting alone without a word)
   */
  onBootstrapFailed?: (failure: { addr: string, attempts: number, error: Error, hadConnections: boolean }) => void
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

  const node = await createLibp2p<PeerServices>({
    privateKey: init.privateKey,
    start: false,
    addresses: { listen, announce },
    transports: [tcp()],
    connectionEncrypters: connectionEncrypters(init.encrypters),
    streamMuxers: [yamux()],
    peerDiscovery,
    ...(init.swarmKey !== undefined ? { connectionProtector: privateSwarm(init.swarmKey) } : {}),
    ...(init.allowPeers !== undefined ? { connectionGater: allowlistGater(init.allowPeers, init.onRefused) } : {}),
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
  keepBootstrapped(node, bootstrapList, init.bootstrapRetryMs ?? BOOTSTRAP_RETRY_MS, init.onBootstrapFailed)
  if (init.start !== false) await node.start()
  return node
}

/**
 * @libp2p/bootstrap dials its list once, shortly after start; peers of a cluster started together may dial
 * before the bootstrap peer listens. While the node has no connection at all, redial the list.
 */
function keepBootstrapped (node: PeerNode, list: readonly string[], everyMs: number, onFailed?: PeerNodeInit['onBootstrapFailed']): void {
  if (list.length === 0 || everyMs <= 0) return
  const addrs = list.map((a) => multiaddr(a))
  const failures = new Map<string, number>()
  // a node that had connections and lost them all (its neighbours left, or the network went) is not misconfigured
  let hadConnections = false
  let timer: ReturnType<typeof setInterval> | undefined
  const log = node.logger.forComponent('murmur:node:p2p')
  node.addEventListener('connection:open', () => { hadConnections = true })
  node.addEventListener('start', () => {
    timer = setInterval(() => {
      if (node.status !== 'started' || node.getConnections().length > 0) return
      for (const ma of addrs) {
        node.dial(ma, { signal: AbortSignal.timeout(BOOTSTRAP_DIAL_TIMEOUT_MS) })
          .then(() => { failures.delete(ma.toString()) }, (err: Error) => {
            log('bootstrap redial of %a failed: %e', ma, err)
            const attempts = (failures.get(ma.toString()) ?? 0) + 1
            failures.set(ma.toString(), attempts)
            if (node.status === 'started' && (attempts === 1 || attempts % BOOTSTRAP_REPORT_EVERY === 0)) onFailed?.({ addr: ma.toString(), attempts, error: err, hadConnections })
          })
      }
    }, everyMs)
    timer.unref()
  })
  node.addEventListener('stop', () => { clearInterval(timer) })
}
