/**
 * Two processes under one PeerId (a data dir or machine image copied with its identity.key) are invisible to
 * libp2p: it takes their connections for two connections to one peer, and gossipsub keeps one stream a PeerId, so
 * one of the two hears nothing and waits for its start timeout with no hint why. A third peer can tell: identify
 * runs on every connection, and two open connections of one PeerId whose remotes listen on disjoint addresses are
 * two processes (a simultaneous dial gives two connections to one process, which lists the same addresses on both).
 */
import type { Connection, IdentifyResult, Libp2p } from '@libp2p/interface'

/** Two open connections of PeerId `id` whose remotes listen on these disjoint address lists. */
export interface SharedIdentity {
  id: string
  /** each process's listen addresses, as identify reported them, in the order heard */
  addrs: [string[], string[]]
}

/** PeerIds reported at most (each once): a bound on what a peer cycling its listen addresses can cost */
const MAX_REPORTED = 64

export function watchSharedIdentities (node: Pick<Libp2p, 'addEventListener'>, onShared: (s: SharedIdentity) => void): void {
  // by PeerId: its open connections' listen addresses, by connection id
  const heard = new Map<string, Map<string, string[]>>()
  const reported = new Set<string>()
  node.addEventListener('peer:identify', (e: CustomEvent<IdentifyResult>) => {
    const { peerId, listenAddrs, connection } = e.detail
    if (connection.status !== 'open') return
    const id = peerId.toString()
    const addrs = listenAddrs.map((a) => a.toString()).sort()
    let conns = heard.get(id)
    if (conns === undefined) { conns = new Map(); heard.set(id, conns) }
    conns.set(connection.id, addrs)
    if (reported.has(id) || reported.size >= MAX_REPORTED || addrs.length === 0) return
    for (const [cid, other] of conns) {
      if (cid === connection.id || other.length === 0 || other.some((a) => addrs.includes(a))) continue
      reported.add(id)
      onShared({ id, addrs: [other, addrs] })
      return
    }
  })
  node.addEventListener('connection:close', (e: CustomEvent<Connection>) => {
    const c = e.detail
    const conns = heard.get(c.remotePeer.toString())
    conns?.delete(c.id)
    if (conns?.size === 0) heard.delete(c.remotePeer.toString())
  })
}
