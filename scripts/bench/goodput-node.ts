/**
 * The libp2p nodes of the goodput benchmark (TCP on 127.0.0.1, or on a network namespace's address over a
 * shaped link, an encrypter, Yamux), one per stack variant,
 * and the IPC messages between the sender (goodput.ts) and the receiver process (goodput-receiver.ts).
 */

import { createLibp2p } from 'libp2p'
import { tcp } from '@libp2p/tcp'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { tls } from '@libp2p/tls'
import type { Libp2p } from '@libp2p/interface'
import { connectionEncrypters } from '../../node/p2p/index.ts'

/** A stack and exchange configuration to measure. */
export interface StackVariant {
  name: string
  /**
   * 'murmur': what node/p2p uses by default (connectionEncrypters()); 'aesgcm': /murmur/noise-aesgcm/1.0.0 then /noise;
   * 'chacha': murmur's /noise alone (ChaCha20-Poly1305 with a KeyObject a session key);
   * 'noise-stock': @chainsafe/libp2p-noise's own crypto; 'tls': @libp2p/tls (TLSSocket over a JavaScript bridge);
   * 'tls-native': murmur's 'tls' encrypter (the same protocol, Node's native TLS on the TCP socket, node/p2p/tls-native.ts)
   */
  encrypter: 'murmur' | 'aesgcm' | 'chacha' | 'noise-stock' | 'tls' | 'tls-native'
  /** exchange payload bytes per frame */
  chunkBytes: number
  /** yamux: largest data frame a sender writes (default 64 KiB) */
  yamuxMessageBytes?: number
  /** yamux: initial receive window of a stream (default 256 KiB) */
  yamuxWindowBytes?: number
  /** the exchange's `crc` option: 'auto' (default) speaks /murmur/gossip/1.1.0 (no CRC-32), 'always' 1.0.0 */
  crc?: 'auto' | 'always'
}

export const VARIANTS: Record<string, StackVariant> = {
  default: { name: 'default', encrypter: 'murmur', chunkBytes: 1024 * 1024 - 40 },
  crc: { name: 'crc', encrypter: 'murmur', chunkBytes: 1024 * 1024 - 40, crc: 'always' },
  aesgcm: { name: 'aesgcm', encrypter: 'aesgcm', chunkBytes: 1024 * 1024 - 40 },
  chacha: { name: 'chacha', encrypter: 'chacha', chunkBytes: 1024 * 1024 - 40 },
  'noise-stock': { name: 'noise-stock', encrypter: 'noise-stock', chunkBytes: 1024 * 1024 - 40 },
  tls: { name: 'tls', encrypter: 'tls', chunkBytes: 1024 * 1024 - 40 },
  'tls-native': { name: 'tls-native', encrypter: 'tls-native', chunkBytes: 1024 * 1024 - 40 },
  'chunk-64k': { name: 'chunk-64k', encrypter: 'murmur', chunkBytes: 64 * 1024 - 40 },
  'chunk-4m': { name: 'chunk-4m', encrypter: 'murmur', chunkBytes: 4 * 1024 * 1024 - 40 },
  'window-4m': { name: 'window-4m', encrypter: 'murmur', chunkBytes: 1024 * 1024 - 40, yamuxWindowBytes: 4 * 1024 * 1024 },
  'yamux-big': { name: 'yamux-big', encrypter: 'murmur', chunkBytes: 4 * 1024 * 1024 - 40, yamuxMessageBytes: 1024 * 1024, yamuxWindowBytes: 16 * 1024 * 1024 }
}

function encrypters (v: StackVariant): Array<(components: any) => any> {
  if (v.encrypter === 'tls') return [tls()]
  if (v.encrypter === 'tls-native') return connectionEncrypters(['tls'])
  if (v.encrypter === 'noise-stock') return [noise()]
  if (v.encrypter === 'chacha') return connectionEncrypters(['noise'])
  if (v.encrypter === 'aesgcm') return connectionEncrypters(['noise-aesgcm', 'noise'])
  return connectionEncrypters()
}

/** A node of variant `v` listening on `host` (an IPv4 address of this process's network namespace). */
export async function createBenchNode (v: StackVariant, host = '127.0.0.1'): Promise<Libp2p> {
  const streamOptions = v.yamuxWindowBytes === undefined ? {} : { initialStreamWindowSize: v.yamuxWindowBytes, maxStreamWindowSize: Math.max(v.yamuxWindowBytes, 16 * 1024 * 1024) }
  return await createLibp2p({
    addresses: { listen: [`/ip4/${host}/tcp/0`] },
    transports: [tcp()],
    connectionEncrypters: encrypters(v),
    streamMuxers: [yamux({ ...(v.yamuxMessageBytes === undefined ? {} : { maxMessageSize: v.yamuxMessageBytes }), streamOptions })]
  })
}

export const BENCH_RUN_ID = 'goodput-bench'
/** A bare libp2p stream protocol: the same bytes in 1 MiB writes, no envelope, no checksum (the stack's own ceiling). */
export const SINK_PROTOCOL = '/murmur/bench-sink/1.0.0'

/** parent → receiver */
export type ToReceiver =
  | { kind: 'hello', variant: string, peerId: string, addrs: string[] }
  | { kind: 'expect', variant: string, round: number, bytes: number, checksum: number, decode?: { spec: string, floats: number } }
  /** `bytes` on the raw socket or on the native TLS socket (the receiver copies either into one buffer) */
  | { kind: 'expectRaw', bytes: number }
  /** `count` consecutive gossip rounds from `round` on, each message `bytes` long, decoded as it arrives */
  | { kind: 'expectStream', variant: string, round: number, count: number, bytes: number, decode: { spec: string, floats: number } }
  /** `count` messages of `bytes` each, back to back on the raw socket */
  | { kind: 'expectRawStream', bytes: number, count: number }
  | { kind: 'expectSink', variant: string, bytes: number }
  | { kind: 'exit' }

/** receiver → parent */
export type FromReceiver =
  /** `tcpPort`: raw `node:net`; `tlsPort`: TLS 1.3 by Node's native TLS on a bare socket (the encryption ceiling) */
  | { kind: 'ready', tcpPort: number, tlsPort: number, nodes: Record<string, { peerId: string, addrs: string[] }> }
  | { kind: 'helloed', variant: string }
  | { kind: 'waiting', round: number }
  | { kind: 'received', at: number, bytes: number, ok: boolean }
  | { kind: 'error', message: string }

/** A wall-clock time in ms shared by processes on one machine, with sub-millisecond resolution. */
export function wallNow (): number {
  return performance.timeOrigin + performance.now()
}
