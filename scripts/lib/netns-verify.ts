/**
 * What a netns cluster run must show, read from the peers' own files (peer.json, metrics.jsonl) plus what
 * the script observed from outside (exit codes, TCP connections of each namespace, bytes through the bridge):
 * every peer finished its rounds with exit code 0, heard neighbours in most rounds, and everything it heard
 * came from peers living in other namespaces, at other addresses.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

/** A peer must have heard at least one neighbour in this share of its rounds ("most rounds"). */
export const MIN_HEARD_SHARE = 0.8

export interface ObservedPeer {
  slot: number
  namespace: string
  address: string
  dataDir: string
  exitCode: number | null
  signal: string | null
  /** remote addresses of the TCP connections seen established in its namespace during the run */
  remotes: string[]
  /** bytes through its bridge port: rx sent by it, tx delivered to it */
  portBytes: { rx: number, tx: number }
}

export interface PeerSummary {
  slot: number
  namespace: string
  address: string
  peerId: string | null
  /** the addresses it announced (peer.json) */
  announced: string[]
  exitCode: number | null
  rounds: number
  roundsHeard: number
  heardShare: number
  /** every peer it took a message from, by slot and address; null slot: not a peer of this run */
  heardFrom: Array<{ peerId: string, slot: number | null, address: string | null }>
  connectedTo: string[]
  portBytes: { rx: number, tx: number }
  /** its own model's last test accuracy (dpsgd, choco); null for gossip */
  accuracy: number | null
}

interface PeerFile { peerId: string, addrs: string[] }
interface MetricsLine { round: number, received: number, accuracy: number | null, row: { neighbours: Array<{ id: string }> } }

function readPeerFile (dataDir: string): PeerFile | null {
  try {
    return JSON.parse(readFileSync(join(dataDir, 'peer.json'), 'utf8')) as PeerFile
  } catch {
    return null
  }
}

function readMetrics (dataDir: string): MetricsLine[] {
  let text: string
  try {
    text = readFileSync(join(dataDir, 'metrics.jsonl'), 'utf8')
  } catch {
    return []
  }
  return text.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as MetricsLine)
}

/** Summaries of every peer and the list of failed checks (empty: the run showed what it must). */
export function verifyPeers (observed: ObservedPeer[], rounds: number): { peers: PeerSummary[], failures: string[] } {
  const failures: string[] = []
  const files = observed.map((o) => readPeerFile(o.dataDir))
  const slotOf = new Map<string, number>()
  files.forEach((f, slot) => { if (f !== null) slotOf.set(f.peerId, slot) })
  const peers = observed.map((o, slot): PeerSummary => {
    const file = files[slot]
    const metrics = readMetrics(o.dataDir)
    const fail = (what: string): void => { failures.push(`peer ${slot} (${o.namespace}, ${o.address}): ${what}`) }
    if (o.exitCode !== 0) fail(`exited with ${o.exitCode === null ? `signal ${String(o.signal)}` : `code ${o.exitCode}`}`)
    if (file === null) fail('wrote no peer.json')
    else if (!file.addrs.some((a) => a.startsWith(`/ip4/${o.address}/`))) fail(`announced ${file.addrs.join(', ')}, not its namespace's address ${o.address}`)
    const done = metrics.length === 0 ? 0 : metrics[metrics.length - 1].round
    if (done !== rounds) fail(`completed ${done} of ${rounds} rounds`)
    const roundsHeard = metrics.filter((m) => m.received > 0).length
    const heardShare = metrics.length === 0 ? 0 : roundsHeard / metrics.length
    if (heardShare < MIN_HEARD_SHARE) fail(`heard a neighbour in ${roundsHeard} of ${metrics.length} rounds (at least ${(MIN_HEARD_SHARE * 100).toFixed(0)} % expected)`)
    const heardIds = [...new Set(metrics.flatMap((m) => m.row.neighbours.map((n) => n.id)))]
    const heardFrom = heardIds.map((peerId) => {
      const s = slotOf.get(peerId)
      return { peerId, slot: s ?? null, address: s === undefined ? null : observed[s].address }
    })
    for (const h of heardFrom) {
      if (h.slot === null) fail(`took messages from ${h.peerId}, which is no peer of this run`)
      else if (h.slot === slot || h.address === o.address) fail(`took messages from its own namespace (${h.peerId})`)
    }
    if (heardFrom.length === 0) fail('took no message from any peer')
    const connectedTo = [...new Set(o.remotes)].sort()
    if (!connectedTo.some((a) => a !== o.address && observed.some((p) => p.address === a))) fail(`no TCP connection to another namespace was seen (seen: ${connectedTo.join(', ') || 'none'})`)
    if (o.portBytes.rx === 0 || o.portBytes.tx === 0) fail(`no traffic through its bridge port (rx ${o.portBytes.rx}, tx ${o.portBytes.tx} bytes)`)
    const evaluated = metrics.filter((m) => m.accuracy !== null)
    return {
      slot,
      namespace: o.namespace,
      address: o.address,
      peerId: file?.peerId ?? null,
      announced: file?.addrs ?? [],
      exitCode: o.exitCode,
      rounds: done,
      roundsHeard,
      heardShare,
      heardFrom,
      connectedTo,
      portBytes: o.portBytes,
      accuracy: evaluated.length === 0 ? null : evaluated[evaluated.length - 1].accuracy
    }
  })
  return { peers, failures }
}
