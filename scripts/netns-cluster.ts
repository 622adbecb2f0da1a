/**
 * "Several machines" on one Linux machine: each peer in a network namespace of its own, with its own
 * address, joined through a bridge, started with exactly the commands a user runs on separate hosts
 * (listen on 0.0.0.0, announce the host's address, bootstrap from the first peer's printed multiaddr).
 *
 *   node scripts/netns-cluster.ts --peers 3 --rounds 100 [run options of murmur peer] [--out DIR | --keep]   (--help for all)
 *
 * Needs root (network namespaces, a bridge, veth pairs); elsewhere it prints "skipped: <why>" and exits 0.
 * Whatever happens (failure, SIGINT, SIGTERM), the namespaces it made are deleted before it exits.
 * Exit code: 0 when every check passed (or skipped), 1 when a check failed, 2 on a usage error.
 */
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { setTimeout as sleep } from 'node:timers/promises'
import { getBoolean, getNumber, getOptionalString, UsageError } from '../node/cli/args.ts'
import type { OptionSpec } from '../node/cli/args.ts'
import { asOptionError, configFromArgs, NETWORK_RUN_OPTIONS } from '../node/cli/experiment-options.ts'
import { TRAIN_THREAD_OPTION } from '../node/cli/commands/peer.ts'
import { resolveRunConfig } from '../lib/experiment/index.ts'
import type { RunConfig } from '../lib/experiment/index.ts'
import {
  checkSubnetFree, createNetnsNetwork, establishedRemotes, netnsPrecondition, NETNS_PLAN, NetnsUnavailableError, removeStaleNamespaces, SUBNET_TEXT
} from './lib/netns.ts'
import type { NetnsHost, NetnsNetwork } from './lib/netns.ts'
import { verifyPeers } from './lib/netns-verify.ts'
import type { PeerSummary } from './lib/netns-verify.ts'
import { LINK_RATE_ALLOWED, parseLinkRate, shapeLinks } from './lib/link-rate.ts'
import { parseScriptArgs, scriptHelp, usageErrorText } from './lib/script-args.ts'
import type { ScriptSpec } from './lib/script-args.ts'
import { makeFolder } from '../node/fs/make-folder.ts'

/** the rate parser of --link-rate (scripts/lib/link-rate.ts), kept importable from here */
export { parseLinkRate }

const REPO = fileURLToPath(new URL('..', import.meta.url))
const MURMUR = fileURLToPath(new URL('../node/bin/murmur.js', import.meta.url))
const BOOTSTRAP_LINE = /other peers join with: --bootstrap (\S+)/
/** The run options of murmur peer, with what they mean here: every peer gets one address, and the same run.json. */
function asHere (o: OptionSpec): OptionSpec {
  if (o.name === 'peers') return { ...o, min: 2, max: NETNS_PLAN.maxPeers, description: `${o.description}, one namespace and address each` }
  if (o.name === 'attack') return { ...o, description: 'EXPERIMENTS ONLY: every peer sends signflip, gaussian:SIGMA, alie[:Z], ipm[:EPS] or nan instead of its model (the attack goes into the run.json all peers share)' }
  return o
}

const options: OptionSpec[] = [
  ...NETWORK_RUN_OPTIONS.map(asHere),
  { name: 'out', type: 'string', placeholder: 'DIR', description: 'keep the peers\' folders, run.json, commands.txt and summary.json here (default: a temporary folder, removed at the end unless --keep)' },
  { name: 'keep', type: 'boolean', default: false, description: 'keep the output folder (the namespaces are always removed)' },
  { name: 'port', type: 'int', min: 1, max: 65_535, default: 9000, description: 'the TCP port every peer listens on inside its namespace' },
  { name: 'heartbeat', type: 'int', min: 20, default: 500, placeholder: 'MS', description: 'membership heartbeat of every peer' },
  { name: 'timeout', type: 'int', min: 1, default: 600, placeholder: 'S', description: 'give up (kill the peers, tear down, exit 1) after this many seconds' },
  { name: 'verbose', type: 'boolean', default: false, description: 'print every ip command as it runs' },
  TRAIN_THREAD_OPTION,
  {
    name: 'link-rate', type: 'string', placeholder: 'RATE', allowed: LINK_RATE_ALLOWED, check: (v) => parseLinkRate(String(v)) === undefined ? `expected ${LINK_RATE_ALLOWED}` : undefined,
    description: `shape every peer's link to RATE each way (tc tbf on its eth0 and on its bridge port), like hosts on a LAN of that speed; RATE is ${LINK_RATE_ALLOWED} (default: unshaped)`
  }
]

export const NETNS_CLUSTER_SPEC: ScriptSpec = {
  name: 'netns-cluster',
  run: 'node scripts/netns-cluster.ts',
  summary: `N murmur peers in N network namespaces (${SUBNET_TEXT} behind a bridge), started like peers on separate machines`,
  details: 'Needs root. Creates namespaces murmur-<pid>-0..N-1 and murmur-<pid>-hub, runs the peers with ip netns exec, checks ' +
    'that every peer finished its rounds and heard peers of other namespaces, prints a summary and removes everything it created ' +
    '(also on failure, SIGINT or SIGTERM). Without root, iproute2 or kernel support it prints "netns-cluster: skipped: <why>". ' +
    'The run options are those of murmur peer (see murmur peer --help); defaults are the run config\'s.',
  options,
  examples: [
    'node scripts/netns-cluster.ts --peers 3 --rounds 100',
    'node scripts/netns-cluster.ts --peers 4 --algo dpsgd --model softmax --rounds 50 --out runs/netns',
    'node scripts/netns-cluster.ts --peers 4 --overlap --link-rate 100mbit --rounds 50'
  ],
  exitCodes: '0 when every check passed (or the run was skipped), 1 when a check failed or the run timed out, 2 for a bad option, 130 when interrupted.'
}

interface Io { out: (s: string) => void, err: (s: string) => void }

interface Peer { host: NetnsHost, dataDir: string, child: ChildProcess, stdout: string, exitCode?: number | null, signal?: string | null, remotes: Set<string> }

/** Everything that must be undone, reachable from the exit and signal handlers. */
interface Resources { network?: NetnsNetwork, peers: Peer[], out?: string, keep: boolean, done: boolean, commands: string[] }

function cleanup (res: Resources, io: Io): void {
  if (res.done) return
  res.done = true
  for (const p of res.peers) if (p.exitCode === undefined && p.child.pid !== undefined) { try { p.child.kill('SIGKILL') } catch { /* gone */ } }
  if (res.network !== undefined) {
    const errors = res.network.teardown()
    io.err(errors.length === 0
      ? `netns-cluster: removed namespaces ${[res.network.hub, ...res.network.hosts.map((h) => h.namespace)].join(', ')} (with their veth pairs and bridge)`
      : `netns-cluster: teardown errors: ${errors.join('; ')}`)
  }
  if (res.out === undefined) return
  if (res.keep) writeFileSync(join(res.out, 'commands.txt'), res.commands.join('\n') + '\n')
  else rmSync(res.out, { recursive: true, force: true })
}

function peerArgs (runFile: string, dataDir: string, host: NetnsHost, n: number, port: number, heartbeat: number, trainThread: string, bootstrap?: string): string[] {
  return ['peer', '--config', runFile, '--data-dir', dataDir, '--shard', `${host.index}/${n}`,
    '--listen', `/ip4/0.0.0.0/tcp/${port}`, '--announce', `/ip4/${host.address}/tcp/${port}`,
    ...(bootstrap === undefined ? [] : ['--bootstrap', bootstrap]), '--heartbeat', String(heartbeat), '--quiet', '--train-thread', trainThread,
    // a rerun into the same --out starts afresh: the peer moves the earlier run's records aside (previous/) and says so
    '--fresh']
}

function launch (res: Resources, host: NetnsHost, dataDir: string, args: string[], io: Io, trace: (c: string) => void): Peer {
  makeFolder(dataDir)
  const log = openSync(join(dataDir, 'log.txt'), 'a')
  const argv = ['netns', 'exec', host.namespace, process.execPath, MURMUR, ...args]
  trace(`ip ${argv.join(' ')}`)
  io.err(`  ${host.namespace} (${host.address}): murmur ${args.join(' ')}`)
  const child = spawn('ip', argv, { cwd: REPO, stdio: ['ignore', 'pipe', log] })
  const peer: Peer = { host, dataDir, child, stdout: '', remotes: new Set() }
  child.stdout?.on('data', (chunk: Buffer) => { peer.stdout += chunk.toString(); writeSync(log, chunk) })
  // 'close', not 'exit': by then the last of its stdout has been written to the log
  child.on('close', (code, signal) => { peer.exitCode = code; peer.signal = signal; closeSync(log) })
  res.peers.push(peer)
  return peer
}

/** The multiaddr peer 0 printed for others, on its namespace's address; undefined when stopped first; throws if it exits or stays silent. */
async function bootstrapOf (first: Peer, port: number, deadline: number, stopped: () => boolean): Promise<string | undefined> {
  while (performance.now() < deadline && !stopped()) {
    const m = BOOTSTRAP_LINE.exec(first.stdout)
    if (m !== null) {
      const addr = m[1].split(',').find((a) => a.startsWith(`/ip4/${first.host.address}/tcp/${port}/p2p/`))
      if (addr === undefined) throw new Error(`peer 0 offers ${m[1]}, none on /ip4/${first.host.address}/tcp/${port}; see ${join(first.dataDir, 'log.txt')}`)
      return addr
    }
    if (first.exitCode !== undefined) throw new Error(`peer 0 exited (code ${String(first.exitCode)}) before printing its address; see ${join(first.dataDir, 'log.txt')}`)
    await sleep(50)
  }
  if (stopped()) return undefined
  throw new Error('peer 0 printed no bootstrap address in time')
}

function formatSummary (peers: PeerSummary[], seconds: number, config: RunConfig): string {
  const lines = [`${peers.length} peers in ${peers.length} namespaces, ${config.algo} on ${config.topology}, ${config.rounds} rounds in ${seconds.toFixed(1)} s`]
  for (const p of peers) {
    const heard = p.heardFrom.map((h) => h.slot === null ? `? ${h.peerId.slice(-6)}` : `${h.slot} (${String(h.address)})`).join(', ')
    lines.push(`peer ${p.slot}  ${p.namespace}  ${p.address}  ${p.peerId === null ? '?' : '…' + p.peerId.slice(-8)}  exit ${String(p.exitCode)}  ` +
      `rounds ${p.rounds}  heard in ${p.roundsHeard}/${p.rounds}  from ${heard === '' ? 'nobody' : heard}  ` +
      `tcp to ${p.connectedTo.join(', ') || 'nobody'}  bridge ${(p.portBytes.rx / 1e6).toFixed(2)} MB out, ${(p.portBytes.tx / 1e6).toFixed(2)} MB in` +
      (p.accuracy === null ? '' : `  accuracy ${(p.accuracy * 100).toFixed(2)} %`))
  }
  return lines.join('\n')
}

export async function runNetnsCluster (argv: string[], io: Io): Promise<number> {
  const args = parseScriptArgs(NETNS_CLUSTER_SPEC, argv)
  if (args.help) { io.out(scriptHelp(NETNS_CLUSTER_SPEC)); return 0 }
  let config: RunConfig
  try {
    config = resolveRunConfig(configFromArgs(args) as Partial<RunConfig>)
  } catch (err) {
    // the library's refusal of a field an option set (--rows against --peers, say) is that option's usage error
    throw asOptionError(err, args)
  }
  if (config.peers < 2 || config.peers > NETNS_PLAN.maxPeers) throw new UsageError(`--peers must be 2 to ${NETNS_PLAN.maxPeers} (one namespace and address each), got ${config.peers}`, 'peers')
  const port = getNumber(args, 'port')
  const heartbeat = getNumber(args, 'heartbeat')
  const unavailable = netnsPrecondition()
  if (unavailable !== undefined) { io.out(`netns-cluster: skipped: ${unavailable}`); return 0 }

  const outFlag = getOptionalString(args, 'out')
  const out = outFlag === undefined ? mkdtempSync(join(tmpdir(), 'murmur-netns-')) : resolve(outFlag)
  makeFolder(out)
  const res: Resources = { peers: [], out, keep: outFlag !== undefined || getBoolean(args, 'keep'), done: false, commands: [] }
  const trace = (c: string): void => { res.commands.push(c); if (getBoolean(args, 'verbose')) io.err(`+ ${c}`) }
  const onExit = (): void => { cleanup(res, io) }
  let interrupted: string | undefined
  const onSignal = (sig: NodeJS.Signals) => (): void => {
    if (interrupted !== undefined) { cleanup(res, io); process.exit(130) }
    interrupted = sig
    io.err(`\nnetns-cluster: ${sig}: stopping the peers and removing the namespaces (again to do it at once)`)
  }
  const onInt = onSignal('SIGINT')
  const onTerm = onSignal('SIGTERM')
  process.on('exit', onExit)
  process.on('SIGINT', onInt)
  process.on('SIGTERM', onTerm)
  try {
    const stale = removeStaleNamespaces(trace)
    if (stale.length > 0) io.err(`netns-cluster: removed namespaces left by earlier runs: ${stale.join(', ')}`)
    checkSubnetFree(trace)
    try {
      res.network = createNetnsNetwork(config.peers, process.pid, trace)
    } catch (err) {
      if (err instanceof NetnsUnavailableError) { io.out(`netns-cluster: skipped: ${err.message}`); return 0 }
      throw err
    }
    const rate = getOptionalString(args, 'link-rate')
    const trainThread = getOptionalString(args, 'train-thread') ?? 'main'
    if (rate !== undefined) {
      shapeLinks(res.network, rate, trace)
      io.err(`netns-cluster: every peer's link shaped to ${rate} each way (tc tbf)`)
    }
    const runFile = join(out, 'run.json')
    writeFileSync(runFile, JSON.stringify(config, null, 2) + '\n')
    const start = performance.now()
    const deadline = start + getNumber(args, 'timeout') * 1000
    const hosts = res.network.hosts
    io.err(`netns-cluster: ${config.peers} namespaces on ${SUBNET_TEXT} behind bridge ${NETNS_PLAN.bridge} in ${res.network.hub}; peers (output in ${out}):`)
    const first = launch(res, hosts[0], join(out, 'peer-0'), peerArgs(runFile, join(out, 'peer-0'), hosts[0], config.peers, port, heartbeat, trainThread), io, trace)
    const bootstrap = await bootstrapOf(first, port, Math.min(deadline, performance.now() + 60_000), () => interrupted !== undefined)
    if (bootstrap === undefined) { io.err('netns-cluster: interrupted while peer 0 was starting'); return 130 }
    for (const h of hosts.slice(1)) launch(res, h, join(out, `peer-${h.index}`), peerArgs(runFile, join(out, `peer-${h.index}`), h, config.peers, port, heartbeat, trainThread, bootstrap), io, trace)

    let stopping = false
    while (res.peers.some((p) => p.exitCode === undefined)) {
      for (const p of res.peers) {
        if (p.exitCode === undefined && p.child.pid !== undefined) for (const a of establishedRemotes(p.child.pid)) p.remotes.add(a)
      }
      if (!stopping && (interrupted !== undefined || performance.now() > deadline)) {
        stopping = true
        io.err(interrupted === undefined ? `netns-cluster: timeout after ${getNumber(args, 'timeout')} s: stopping the peers` : 'netns-cluster: asking the peers to leave')
        for (const p of res.peers) if (p.exitCode === undefined) p.child.kill('SIGTERM')
        setTimeout(() => { for (const p of res.peers) if (p.exitCode === undefined) p.child.kill('SIGKILL') }, 5000).unref()
      }
      await sleep(200)
    }
    const seconds = (performance.now() - start) / 1000
    const bytes = res.network.portBytes()
    const { peers, failures } = verifyPeers(res.peers.map((p, i) => ({
      slot: i, namespace: p.host.namespace, address: p.host.address, dataDir: p.dataDir, exitCode: p.exitCode ?? null, signal: p.signal ?? null, remotes: [...p.remotes], portBytes: bytes[i]
    })), config.rounds)
    if (interrupted !== undefined) failures.push(`interrupted by ${interrupted}`)
    else if (stopping) failures.push(`timed out after ${getNumber(args, 'timeout')} s`)
    writeFileSync(join(out, 'summary.json'), JSON.stringify({ subnet: SUBNET_TEXT, hub: res.network.hub, bootstrap, seconds, peers, failures }, null, 2) + '\n')
    io.out(formatSummary(peers, seconds, config))
    io.out(failures.length === 0 ? 'netns-cluster: ok: every peer finished its rounds and heard peers of other namespaces' : `netns-cluster: FAILED:\n  ${failures.join('\n  ')}`)
    if (res.keep) io.out(`output kept in ${out}`)
    return interrupted !== undefined ? 130 : failures.length === 0 ? 0 : 1
  } finally {
    cleanup(res, io)
    process.removeListener('exit', onExit)
    process.removeListener('SIGINT', onInt)
    process.removeListener('SIGTERM', onTerm)
  }
}

if (import.meta.main) {
  runNetnsCluster(process.argv.slice(2), { out: (s) => { console.log(s) }, err: (s) => { console.error(s) } })
    .then((code) => { process.exitCode = code }, (err) => {
      if (err instanceof UsageError) { console.error(usageErrorText(NETNS_CLUSTER_SPEC, err)); process.exitCode = 2; return }
      if ((err as Error).name?.startsWith('Invalid') === true || (err as Error).name === 'CliError') { console.error(`netns-cluster: ${(err as Error).message}`); process.exitCode = 2; return }
      console.error(`netns-cluster: ${(err as Error).name}: ${(err as Error).message}`)
      process.exitCode = 1
    })
}
