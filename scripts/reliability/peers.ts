/**
 * A small fleet of real `murmur peer` processes for the fault scenarios: start them (on loopback, or each in a
 * network namespace through a prefix command such as `ip netns exec NS`), signal one, restart one with
 * --resume, and read what they wrote (metrics.jsonl, snapshots, checkpoints). Only loopback and namespaces
 * the caller made are ever addressed.
 */
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { existsSync, openSync, readFileSync } from 'node:fs'
import { makeFolder } from '../../node/fs/make-folder.ts'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { setTimeout as sleep } from 'node:timers/promises'
import { readLastRecord } from '../../node/peer/index.ts'
import type { PeerRecord } from '../../node/peer/index.ts'

const MURMUR = fileURLToPath(new URL('../../node/bin/murmur.js', import.meta.url))

export interface FleetInit {
  /** one folder a peer (peer-<i>) goes here */
  out: string
  peers: number
  /** run options shared by every peer (--rounds, --algo, ...); --peers and --shard are added */
  runArgs: string[]
  /** per peer: the command prefix (e.g. ['ip', 'netns', 'exec', 'ns0']), listen and announce addresses */
  host?: (i: number) => { prefix: string[], listen: string, announce?: string, dialAddr: (addrs: string[]) => string | undefined }
}

export interface FleetPeer {
  index: number
  dataDir: string
  child: ChildProcess
  exited: Promise<{ code: number | null, signal: string | null }>
  exit?: { code: number | null, signal: string | null }
  /** wall clock (ms) of every start of this slot */
  starts: number[]
}

export interface Fleet {
  peers: FleetPeer[]
  bootstrap: string
  /** SIGKILL, wait for the exit, start the same slot and data dir again with --resume */
  restart: (i: number) => Promise<void>
  /** the last complete metrics record of peer i */
  last: (i: number) => PeerRecord | undefined
  /** waits until `pred` holds, polling every 20 ms; throws after timeoutMs */
  waitFor: (pred: () => boolean, timeoutMs: number, what: string) => Promise<void>
  /** waits for every process to exit (at most timeoutMs, then SIGKILLs them) */
  finish: (timeoutMs: number) => Promise<void>
  killAll: () => void
}

const LOCAL = (_: number): ReturnType<NonNullable<FleetInit['host']>> => ({
  prefix: [], listen: '/ip4/127.0.0.1/tcp/0', dialAddr: (addrs) => addrs.find((a) => a.includes('/127.0.0.1/'))
})

export async function startFleet (init: FleetInit): Promise<Fleet> {
  const host = init.host ?? LOCAL
  const peers: FleetPeer[] = []
  const spawnPeer = (p: FleetPeer, bootstrap: string | undefined, extra: string[]): void => {
    const h = host(p.index)
    const log = openSync(join(p.dataDir, 'log.txt'), 'a')
    const argv = [...h.prefix, process.execPath, MURMUR, 'peer', ...init.runArgs, '--peers', String(init.peers), '--shard', `${p.index}/${init.peers}`,
      '--data-dir', p.dataDir, '--listen', h.listen, ...(h.announce !== undefined ? ['--announce', h.announce] : []),
      ...(bootstrap !== undefined ? ['--bootstrap', bootstrap] : []), '--quiet', ...extra]
    p.child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', log, log] })
    p.exit = undefined
    p.starts.push(Date.now())
    p.exited = new Promise((resolve) => { p.child.on('exit', (code, signal) => { p.exit = { code, signal }; resolve(p.exit) }) })
  }
  const make = (i: number): FleetPeer => {
    const dataDir = join(init.out, `peer-${i}`)
    makeFolder(dataDir)
    return { index: i, dataDir, starts: [] } as unknown as FleetPeer
  }
  const waitFor = async (pred: () => boolean, timeoutMs: number, what: string): Promise<void> => {
    const until = Date.now() + timeoutMs
    while (!pred()) {
      if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
      await sleep(20)
    }
  }
  const first = make(0)
  peers.push(first)
  spawnPeer(first, undefined, [])
  const peerFile = join(first.dataDir, 'peer.json')
  let addrs: string[] | undefined
  // peer.json is written in place: read it until it parses
  const readAddrs = (): boolean => {
    try { addrs = (JSON.parse(readFileSync(peerFile, 'utf8')) as { addrs: string[] }).addrs } catch { addrs = undefined }
    return addrs !== undefined
  }
  await waitFor(() => (existsSync(peerFile) && readAddrs()) || first.exit !== undefined, 60_000, 'the first peer to listen')
  if (first.exit !== undefined || addrs === undefined) throw new Error(`the first peer exited (${JSON.stringify(first.exit)}); see ${join(first.dataDir, 'log.txt')}`)
  const bootstrap = host(0).dialAddr(addrs)
  if (bootstrap === undefined) throw new Error(`no usable address of the first peer in ${addrs.join(', ')}`)
  for (let i = 1; i < init.peers; i++) {
    const p = make(i)
    peers.push(p)
    spawnPeer(p, bootstrap, [])
  }
  const killAll = (): void => { for (const p of peers) if (p.exit === undefined) p.child.kill('SIGKILL') }
  return {
    peers,
    bootstrap,
    async restart (i) {
      const p = peers[i]
      if (p.exit === undefined) { p.child.kill('SIGKILL'); await p.exited }
      spawnPeer(p, i === 0 ? undefined : bootstrap, ['--resume'])
    },
    last: (i) => readLastRecord<PeerRecord>(peers[i].dataDir),
    waitFor,
    async finish (timeoutMs) {
      const timer = setTimeout(killAll, timeoutMs)
      await Promise.all(peers.map(async (p) => await p.exited))
      clearTimeout(timer)
    },
    killAll
  }
}

/** Every metrics record of a peer (a torn last line, from a SIGKILL, is skipped). */
export function records (dataDir: string): PeerRecord[] {
  const path = join(dataDir, 'metrics.jsonl')
  if (!existsSync(path)) return []
  const out: PeerRecord[] = []
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line.trim() === '') continue
    try { out.push(JSON.parse(line) as PeerRecord) } catch { /* torn */ }
  }
  return out
}
