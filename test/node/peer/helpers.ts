/**
 * Several `runPeer` peers in the test process over real libp2p on 127.0.0.1 TCP: the first listens on a
 * port the OS picks and is the bootstrap peer of the others. `stopCluster` aborts every peer's stop signal,
 * awaits every loop and removes the data folders, whatever state the peers are in.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { resolveRunConfig } from '../../../lib/experiment/index.ts'
import type { RunConfig } from '../../../lib/experiment/index.ts'
import { readSnapshot, runPeer, snapshotPath } from '../../../node/peer/index.ts'
import type { PeerInit, PeerResult } from '../../../node/peer/index.ts'

export const LOOPBACK = ['/ip4/127.0.0.1/tcp/0']

export interface TestPeer {
  slot: number
  dataDir: string
  peerId: string
  stop: AbortController
  /** the loop; never rejects (failures are kept in `error`) */
  done: Promise<PeerResult | undefined>
  error?: unknown
}

export interface Cluster {
  config: RunConfig
  /** by slot */
  peers: TestPeer[]
  /** every peer's log lines, prefixed with its slot (printed when a test fails) */
  log: string[]
}

export interface ClusterOptions {
  /** membership heartbeat; default 200 ms (each announcement costs every peer a signature check) */
  heartbeatMs?: number
  /** default 0 (never) */
  snapshotEvery?: number
  /** default 0 (only at the end) */
  evalEvery?: number
  /** default 0 (the whole test set) */
  evalLimit?: number
  /** how long the first peers wait for the last to start, or each slot's; default 6,000 ms (the cohort starts as soon as all are heard) */
  startTimeoutMs?: number | ((slot: number) => number)
  /** start only slots 0..started−1; default config.peers */
  started?: number
  /** where the peers take their overlapped local steps (PeerInit.trainThread); default main */
  trainThread?: 'main' | 'worker'
  /** slots that send crafted models (RunConfig.attack, a local choice outside the agreed fields) */
  attackers?: { slots: readonly number[], attack: string }
}

/** Starts peers in slots 0..n−1 (n = `opts.started ?? config.peers`; slot 0 first, the others bootstrapping from it). */
/** clusters started and not yet stopped, for stopStartedClusters */
const running = new Set<Cluster>()

/** Stops every cluster a test started and did not stop (the tests' afterEach). */
export async function stopStartedClusters (): Promise<void> {
  const all = [...running]
  await Promise.all(all.map(async (c) => await stopCluster(c)))
}

export async function startCluster (partial: Partial<RunConfig>, opts: ClusterOptions = {}): Promise<Cluster> {
  const config = resolveRunConfig(partial)
  const cluster: Cluster = { config, peers: [], log: [] }
  running.add(cluster)
  try {
    const first = await startPeer(cluster, 0, [], opts)
    await Promise.all(Array.from({ length: (opts.started ?? config.peers) - 1 }, async (_, i) => await startPeer(cluster, i + 1, first.addrs, opts)))
  } catch (err) {
    await stopCluster(cluster)
    throw err
  }
  return cluster
}

/** Resolves once the peer listens, with its addresses; its loop keeps running in `done`. */
async function startPeer (cluster: Cluster, slot: number, bootstrap: string[], opts: ClusterOptions): Promise<{ addrs: string[] }> {
  const dataDir = mkdtempSync(join(tmpdir(), `murmur-peer-test-${slot}-`))
  const stop = new AbortController()
  let listening: (info: { peerId: string, addrs: string[] }) => void = () => {}
  const listened = new Promise<{ peerId: string, addrs: string[] }>((resolve) => { listening = resolve })
  const attacking = opts.attackers?.slots.includes(slot) === true
  const init: PeerInit = {
    config: attacking ? { ...cluster.config, attack: opts.attackers?.attack } : cluster.config,
    slot,
    dataDir,
    listen: LOOPBACK,
    bootstrap,
    mdns: false,
    evalEvery: opts.evalEvery ?? 0,
    evalLimit: opts.evalLimit ?? 0,
    snapshotEvery: opts.snapshotEvery ?? 0,
    checkpointEvery: 0,
    heartbeatMs: opts.heartbeatMs ?? 200,
    startTimeoutMs: typeof opts.startTimeoutMs === 'function' ? opts.startTimeoutMs(slot) : opts.startTimeoutMs ?? 6000,
    trainThread: opts.trainThread,
    stop: stop.signal,
    log: (line) => { cluster.log.push(`[${slot}] ${line}`) },
    onListening: (info) => { listening(info) }
  }
  const peer: TestPeer = { slot, dataDir, peerId: '', stop, done: Promise.resolve(undefined) }
  cluster.peers[slot] = peer
  const loop = runPeer(init)
  peer.done = loop.then((r) => r, (err: unknown) => { peer.error = err; return undefined })
  // a loop that fails before listening must not leave this waiting forever
  const info = await Promise.race([listened, peer.done.then(() => { throw peer.error ?? new Error(`peer ${slot} ended before listening`) })])
  peer.peerId = info.peerId
  return info
}

/** Stops every peer (gracefully: the stop signal) and waits for all loops, then removes the data folders. */
export async function stopCluster (cluster: Cluster): Promise<void> {
  running.delete(cluster)
  for (const p of cluster.peers) p.stop.abort()
  await Promise.all(cluster.peers.map(async (p) => await p.done))
  for (const p of cluster.peers) rmSync(p.dataDir, { recursive: true, force: true })
}

/** Every peer's result; throws the first peer failure, naming its slot. */
export async function results (cluster: Cluster): Promise<PeerResult[]> {
  const out = await Promise.all(cluster.peers.map(async (p) => await p.done))
  return out.map((r, slot) => {
    if (r === undefined) {
      const err = cluster.peers[slot].error as Error
      throw new Error(`peer ${slot} failed: ${err.name}: ${err.message}\n${cluster.log.join('\n')}`, { cause: err })
    }
    return r
  })
}

/** Peer `slot`'s parameters after `round` rounds, from its snapshot; throws if it is missing. */
export function snapshotOf (cluster: Cluster, slot: number, round: number, dim: number): Float32Array {
  const x = readSnapshot(snapshotPath(cluster.peers[slot].dataDir, round), dim)
  if (x === undefined) throw new Error(`peer ${slot} has no snapshot of round ${round}`)
  return x
}

/** One `runPeer` peer whose log lines are kept, with its listening addresses and PeerId once it listens. */
export interface LoggedPeer { init: PeerInit, stop: AbortController, log: string[], done: Promise<PeerResult>, addrs: Promise<string[]>, peerId: Promise<string> }

/**
 * Starts `runPeer` on `init` (listening on loopback, no bootstrap, no evaluation, snapshots or checkpoints unless
 * `init` says so), keeping its log; the peer goes into `running` for `stopLogged`.
 */
export function startLoggedPeer (init: Pick<PeerInit, 'config' | 'slot' | 'dataDir'> & Partial<PeerInit>, running: LoggedPeer[]): LoggedPeer {
  const stop = new AbortController()
  const log: string[] = []
  let listening: (info: { peerId: string, addrs: string[] }) => void = () => {}
  const listened = new Promise<{ peerId: string, addrs: string[] }>((resolve) => { listening = resolve })
  const full: PeerInit = {
    listen: LOOPBACK, bootstrap: [], mdns: false, evalEvery: 0, evalLimit: 0, snapshotEvery: 0, checkpointEvery: 0, heartbeatMs: 200,
    startTimeoutMs: 60_000, stop: stop.signal, log: (line) => { log.push(line) }, onListening: (info) => { listening(info) },
    ...init
  }
  const done = runPeer(full)
  done.catch(() => {})
  const s: LoggedPeer = { init: full, stop, log, done, addrs: listened.then((i) => i.addrs), peerId: listened.then((i) => i.peerId) }
  running.push(s)
  return s
}

/** Stops every peer in `running` (whatever its state) and removes the folders in `dirs`. */
export async function stopLogged (running: LoggedPeer[], dirs: string[]): Promise<void> {
  for (const s of running.splice(0)) {
    s.stop.abort()
    await s.done.catch(() => {})
  }
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
}
