/**
 * The multiaddr flags of `murmur peer` (`--listen`, `--announce`, `--bootstrap`, each `MULTIADDR[,MULTIADDR...]`)
 * parsed and checked up front, so a typo fails at start with an error naming the flag and what is wrong,
 * and the addresses a peer prints for others to bootstrap from.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { CODE_DNS, CODE_DNS4, CODE_DNS6, CODE_DNSADDR, CODE_IP4, CODE_IP6, CODE_P2P, CODE_TCP, multiaddr } from '@multiformats/multiaddr'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { AddressFlag } from './errors.ts'
import { InvalidPeerIdError, MissingPeerIdError, UnparsableMultiaddrError, UnsupportedAddressError } from './errors.ts'

const IP_CODES = new Set([CODE_IP4, CODE_IP6])
const HOST_CODES = new Set([CODE_IP4, CODE_IP6, CODE_DNS, CODE_DNS4, CODE_DNS6])

/** Splits a flag value on commas (a flag may also be repeated: pass every occurrence), dropping empty items. */
export function splitAddrList (values: string | readonly string[]): string[] {
  const list = typeof values === 'string' ? [values] : values
  return list.flatMap((v) => v.split(',')).map((s) => s.trim()).filter((s) => s !== '')
}

/** `--listen`: IP + TCP addresses this peer binds, without a peer id. Returns the canonical strings. */
export function parseListenAddrs (values: string | readonly string[]): string[] {
  return splitAddrList(values).map((text) => {
    const ma = parse('listen', text)
    const codes = ma.getComponents().map((c) => c.code)
    if (codes.length !== 2 || !IP_CODES.has(codes[0]) || codes[1] !== CODE_TCP) {
      throw new UnsupportedAddressError('listen', text, `--listen expects /ip4/ADDR/tcp/PORT or /ip6/ADDR/tcp/PORT (this peer speaks TCP only), got '${text}'`)
    }
    return ma.toString()
  })
}

/** `--announce`: the addresses other peers should dial (e.g. a public IP or DNS name behind NAT), without a peer id. */
export function parseAnnounceAddrs (values: string | readonly string[]): string[] {
  return splitAddrList(values).map((text) => {
    const ma = parse('announce', text)
    const comps = ma.getComponents()
    if (comps.some((c) => c.code === CODE_P2P)) {
      throw new UnsupportedAddressError('announce', text, `--announce expects an address without /p2p/ (the peer adds its own id), got '${text}'`)
    }
    if (comps.length !== 2 || !HOST_CODES.has(comps[0].code) || comps[1].code !== CODE_TCP) {
      throw new UnsupportedAddressError('announce', text, `--announce expects /ip4|ip6|dns|dns4|dns6/HOST/tcp/PORT, got '${text}'`)
    }
    return ma.toString()
  })
}

/** `--bootstrap`: addresses of running peers, each ending in `/p2p/<peer id>` so the dial can check whom it reached. */
export function parseBootstrapAddrs (values: string | readonly string[]): string[] {
  return splitAddrList(values).map((text) => {
    const ma = parse('bootstrap', text)
    const comps = ma.getComponents()
    const last = comps[comps.length - 1]
    if (last?.code !== CODE_P2P) {
      throw new MissingPeerIdError('bootstrap', text, `--bootstrap expects an address ending in /p2p/<peer id> (as printed by the peer at start), got '${text}'`)
    }
    checkPeerId('bootstrap', text, last.value ?? '')
    const transport = comps.slice(0, -1).map((c) => c.code)
    const dnsaddr = transport.length === 1 && transport[0] === CODE_DNSADDR
    if (!dnsaddr && (transport.length !== 2 || !HOST_CODES.has(transport[0]) || transport[1] !== CODE_TCP)) {
      throw new UnsupportedAddressError('bootstrap', text, `--bootstrap expects /ip4|ip6|dns|dns4|dns6/HOST/tcp/PORT/p2p/ID or /dnsaddr/NAME/p2p/ID, got '${text}'`)
    }
    return ma.toString()
  })
}

/** The peer id named by the last `/p2p/` component of an address, if any. */
export function peerIdOfAddr (addr: string | Multiaddr): string | undefined {
  const comps = (typeof addr === 'string' ? multiaddr(addr) : addr).getComponents()
  return comps.findLast((c) => c.code === CODE_P2P)?.value
}

/** A wildcard host (0.0.0.0, ::) is where a peer listens, never where another machine can reach it. */
export function isWildcardAddr (addr: Multiaddr): boolean {
  const host = addr.getComponents()[0]
  return host !== undefined && IP_CODES.has(host.code) && (host.value === '0.0.0.0' || host.value === '::')
}

/** True for 127.0.0.0/8 and ::1: reachable from this machine only. */
export function isLoopbackAddr (addr: Multiaddr): boolean {
  const host = addr.getComponents()[0]
  if (host?.value === undefined) return false
  return (host.code === CODE_IP4 && host.value.startsWith('127.')) || (host.code === CODE_IP6 && host.value === '::1')
}

/**
 * The addresses to pass to another peer's `--bootstrap`, each ending in `/p2p/<id>`: the node's announced or
 * listening addresses with wildcards expanded to interface addresses (libp2p does that) and dropped if any
 * remain, addresses reachable from other machines first, loopback last.
 */
export function bootstrapAddrs (node: { peerId: { toString: () => string }, getMultiaddrs: () => Multiaddr[] }): string[] {
  const id = node.peerId.toString()
  const addrs = node.getMultiaddrs()
    .filter((ma) => !isWildcardAddr(ma))
    .map((ma) => peerIdOfAddr(ma) === undefined ? ma.encapsulate(`/p2p/${id}`) : ma)
  const remote = addrs.filter((ma) => !isLoopbackAddr(ma))
  const local = addrs.filter((ma) => isLoopbackAddr(ma))
  return [...new Set([...remote, ...local].map((ma) => ma.toString()))]
}

function parse (flag: AddressFlag, text: string): Multiaddr {
  let ma: Multiaddr
  try {
    ma = multiaddr(text)
  } catch (err) {
    throw new UnparsableMultiaddrError(flag, text, `--${flag} expects a multiaddr such as /ip4/192.168.1.5/tcp/4001, got '${text}' (${(err as Error).message})`)
  }
  if (ma.getComponents().length === 0) {
    throw new UnparsableMultiaddrError(flag, text, `--${flag} expects a multiaddr such as /ip4/192.168.1.5/tcp/4001, got an empty address '${text}'`)
  }
  return ma
}

function checkPeerId (flag: AddressFlag, text: string, id: string): void {
  try {
    peerIdFromString(id)
  } catch (err) {
    throw new InvalidPeerIdError(flag, text, `--${flag}: '${id}' in '${text}' is not a peer id (expected base58 12D3KooW… as printed by the peer): ${(err as Error).message}`)
  }
}
