import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { readLastRecord, readPeerFile } from '../../../node/peer/index.ts'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { setTimeout as sleep } from 'node:timers/promises'

export const MURMUR = fileURLToPath(new URL('../../../node/bin/murmur.js', import.meta.url))

export interface PeerProcess {
  child: ChildProcess
  out: () => string
  err: () => string
  exit: Promise<{ code: number | null, signal: NodeJS.Signals | null }>
}

/** Starts `murmur peer` as a real process with the test's Node. */
export function startPeer (args: string[]): PeerProcess {
  return startMurmur('peer', args)
}

/** Starts `murmur COMMAND ARGS` as a real process with the test's Node, its output collected. */
export function startMurmur (command: string, args: string[]): PeerProcess {
  const child = spawn(process.execPath, [MURMUR, command, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  let err = ''
  child.stdout?.on('data', (b) => { out += String(b) })
  child.stderr?.on('data', (b) => { err += String(b) })
  const exit = new Promise<{ code: number | null, signal: NodeJS.Signals | null }>((resolve) => { child.on('exit', (code, signal) => { resolve({ code, signal }) }) })
  return { child, out: () => out, err: () => err, exit }
}

/** Waits for the peer's peer.json and returns its loopback bootstrap address. */
export async function bootstrapOf (dataDir: string, proc: PeerProcess, timeoutMs = 20_000): Promise<string> {
  const file = join(dataDir, 'peer.json')
  const until = Date.now() + timeoutMs
  while (!existsSync(file)) {
    if (Date.now() > until) throw new Error(`no peer.json after ${timeoutMs} ms; stderr: ${proc.err()}`)
    await sleep(50)
  }
  const addrs = (JSON.parse(readFileSync(file, 'utf8')) as { addrs: string[] }).addrs
  const local = addrs.find((a) => a.includes('/127.0.0.1/'))
  if (local === undefined) throw new Error(`no loopback address in ${addrs.join(', ')}`)
  return local
}

export function metrics (dataDir: string): any[] {
  const path = join(dataDir, 'metrics.jsonl')
  if (!existsSync(path)) return []
  return readFileSync(path, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l))
}

/** The last complete record of a peer's metrics.jsonl. */
export function lastRecord (dataDir: string): any {
  return readLastRecord(dataDir)
}

export async function waitFor (predicate: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const until = Date.now() + timeoutMs
  while (!predicate()) {
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await sleep(50)
  }
}

/** whether a process of this id exists (signal 0 checks without signalling) */
export function alive (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/**
 * The running `murmur peer` processes whose --data-dir is a folder of `out` (a murmur cluster's --out). From /proc,
 * so that a joiner still starting (no peer.json yet) is found too, and a pid that an exited peer left to another
 * process is not; without /proc, the pids of the folders' peer.json files that still run.
 */
export function clusterPeerPids (out: string): number[] {
  const dirs = new Set(existsSync(out) ? readdirSync(out).filter((d) => /^peer-\d+$/.test(d)).map((d) => join(resolve(out), d)) : [])
  if (!existsSync('/proc/self/cmdline')) {
    return [...dirs].flatMap((d) => readPeerFile(d)?.pid ?? []).filter(alive)
  }
  const pids: number[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    let argv: string[]
    try {
      argv = readFileSync(join('/proc', entry, 'cmdline'), 'utf8').split('\0')
    } catch {
      continue // exited meanwhile
    }
    const at = argv.indexOf('--data-dir')
    if (argv.includes('peer') && at >= 0 && dirs.has(argv[at + 1])) pids.push(Number(entry))
  }
  return pids
}

/**
 * Sends `signal` to every running peer of the murmur cluster in `out`; returns their pids. SIGTERM stops a run
 * gracefully (each peer leaves as on Ctrl-C and exits 0, and the cluster merges what they wrote); SIGKILL is for
 * cleaning up after a failed or timed-out test, whose peers would otherwise train on and slow every later test.
 */
export function signalClusterPeers (out: string, signal: NodeJS.Signals): number[] {
  const pids = clusterPeerPids(out)
  for (const pid of pids) {
    try {
      process.kill(pid, signal)
    } catch { /* exited meanwhile */ }
  }
  return pids
}
