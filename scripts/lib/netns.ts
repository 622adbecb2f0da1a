/**
 * "Several machines" on one Linux host: one network namespace a peer, each with its own address, all
 * plugged into a bridge that lives in a namespace of its own (the hub), so the root namespace gains no
 * interface, address or route and no packet of the run can leave the namespaces created here.
 *
 *   murmur-<pid>-hub   bridge br0, ports p0 … p(n−1)
 *   murmur-<pid>-<i>   lo up, eth0 = 10.231.77.(10 + i)/24 (the other end of p<i>)
 *
 * Every `ip` call goes through `ip()`, which reports the command to a trace so a run can show exactly what
 * it did to the system. Teardown is synchronous (spawnSync) so that it can run in a process 'exit' handler.
 */
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { endianness } from 'node:os'

/** Every name and address the netns cluster uses. 10.231.77.0/24: private (RFC 1918), an unusual third octet. */
export const NETNS_PLAN = {
  prefix: 'murmur-',
  subnet: { base: [10, 231, 77, 0] as const, bits: 24 },
  /** peer i gets <subnet>.(firstHost + i) */
  firstHost: 10,
  maxPeers: 200,
  bridge: 'br0',
  /** the interface inside each peer's namespace */
  peerInterface: 'eth0',
  hubPort: (i: number): string => `p${i}`,
  namespace: (pid: number, i: number): string => `murmur-${pid}-${i}`,
  hub: (pid: number): string => `murmur-${pid}-hub`,
  /** namespaces this script may have left behind: murmur-<pid>-<i> and murmur-<pid>-hub */
  ownName: /^murmur-(\d+)-(?:hub|\d+)$/
}

export const SUBNET_TEXT = `${NETNS_PLAN.subnet.base.join('.')}/${NETNS_PLAN.subnet.bits}`

export function hostAddress (i: number): string {
  const [a, b, c] = NETNS_PLAN.subnet.base
  return `${a}.${b}.${c}.${NETNS_PLAN.firstHost + i}`
}

/** Namespaces cannot be made here (not Linux, not root, no iproute2, or the kernel refused): a reason to skip, not a failure. */
export class NetnsUnavailableError extends Error {
  static readonly NAME = 'NetnsUnavailableError'
  override readonly name = NetnsUnavailableError.NAME
}

/** An `ip` command failed after namespaces proved possible. */
export class NetnsCommandError extends Error {
  static readonly NAME = 'NetnsCommandError'
  override readonly name = NetnsCommandError.NAME
  readonly command: string
  constructor (command: string, detail: string) {
    super(`'${command}' failed: ${detail}`)
    this.command = command
  }
}

/** An interface or route of the root namespace already uses the plan's subnet. */
export class SubnetInUseError extends Error {
  static readonly NAME = 'SubnetInUseError'
  override readonly name = SubnetInUseError.NAME
}

export type Trace = (command: string) => void

function ip (args: string[], trace: Trace): string {
  const command = `ip ${args.join(' ')}`
  trace(command)
  const res = spawnSync('ip', args, { encoding: 'utf8' })
  if (res.error !== undefined) throw new NetnsCommandError(command, res.error.message)
  if (res.status !== 0) throw new NetnsCommandError(command, `exit ${String(res.status)}: ${res.stderr.trim()}`)
  return res.stdout
}

/** Why namespaces certainly cannot be made here, or undefined when it is worth trying. */
export function netnsPrecondition (): string | undefined {
  if (process.platform !== 'linux') return `network namespaces are a Linux feature and this is ${process.platform}`
  const uid = process.getuid?.()
  if (uid !== 0) return `not running as root (uid ${String(uid)}): creating network namespaces, bridges and veth pairs needs CAP_SYS_ADMIN and CAP_NET_ADMIN`
  const res = spawnSync('ip', ['-V'], { encoding: 'utf8' })
  if (res.error !== undefined) return `the 'ip' command (iproute2) is not available: ${res.error.message}`
  return undefined
}

function parseIpv4 (text: string): number {
  const parts = text.split('.').map(Number)
  return (((parts[0] << 24) | (parts[1] << 16) | (parts[2] << 8) | parts[3]) >>> 0)
}

function overlaps (a: number, aBits: number, b: number, bBits: number): boolean {
  const bits = Math.min(aBits, bBits)
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0
  return ((a & mask) >>> 0) === ((b & mask) >>> 0)
}

/** Throws SubnetInUseError when an address or a (non-default) route of the root namespace overlaps the plan's subnet. */
export function checkSubnetFree (trace: Trace): void {
  const ours = parseIpv4(NETNS_PLAN.subnet.base.join('.'))
  const clashes: string[] = []
  for (const line of ip(['-o', '-4', 'addr', 'show'], trace).split('\n')) {
    const m = /^\d+:\s+(\S+)\s+inet\s+([\d.]+)\/(\d+)/.exec(line)
    if (m !== null && overlaps(parseIpv4(m[2]), Number(m[3]), ours, NETNS_PLAN.subnet.bits)) clashes.push(`interface ${m[1]} has ${m[2]}/${m[3]}`)
  }
  for (const line of ip(['-4', 'route', 'show', 'table', 'all'], trace).split('\n')) {
    const m = /^(?:\S+\s+)?([\d.]+)(?:\/(\d+))?\s/.exec(line)
    if (m !== null && !line.startsWith('default') && overlaps(parseIpv4(m[1]), Number(m[2] ?? 32), ours, NETNS_PLAN.subnet.bits)) clashes.push(`route '${line.trim()}'`)
  }
  if (clashes.length > 0) throw new SubnetInUseError(`the netns cluster needs ${SUBNET_TEXT} to itself, but ${clashes.join('; ')} (change NETNS_PLAN.subnet in scripts/lib/netns.ts)`)
}

function pidAlive (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** Deletes namespaces of this script's naming whose creating process is gone (a run that was SIGKILLed); returns their names. */
export function removeStaleNamespaces (trace: Trace): string[] {
  const removed: string[] = []
  for (const line of ip(['netns', 'list'], trace).split('\n')) {
    const name = line.split(' ')[0]
    const m = NETNS_PLAN.ownName.exec(name)
    if (m === null || Number(m[1]) === process.pid || pidAlive(Number(m[1]))) continue
    killNamespacePids(name, trace)
    ip(['netns', 'del', name], trace)
    removed.push(name)
  }
  return removed
}

function killNamespacePids (name: string, trace: Trace): void {
  let pids: number[]
  try {
    pids = ip(['netns', 'pids', name], trace).split('\n').filter((s) => s !== '').map(Number)
  } catch {
    return
  }
  for (const pid of pids) {
    try { process.kill(pid, 'SIGKILL') } catch { /* already gone */ }
  }
}

export interface NetnsHost {
  index: number
  namespace: string
  address: string
  hubPort: string
}

export interface NetnsNetwork {
  hub: string
  hosts: NetnsHost[]
  /** bytes through each host's bridge port: rx = sent by the host, tx = delivered to it */
  portBytes: () => Array<{ rx: number, tx: number }>
  /** kills whatever still runs inside the namespaces and deletes them (their veths and the bridge go with them); idempotent; returns errors met */
  teardown: () => string[]
}

/**
 * Creates the hub and `peers` host namespaces for the process `pid`. A failure of the very first
 * `ip netns add` is NetnsUnavailableError (the system does not allow it); anything after that cleans up
 * what was made and rethrows.
 */
export function createNetnsNetwork (peers: number, pid: number, trace: Trace): NetnsNetwork {
  const hub = NETNS_PLAN.hub(pid)
  const created: string[] = []
  const hosts: NetnsHost[] = Array.from({ length: peers }, (_, i) => ({ index: i, namespace: NETNS_PLAN.namespace(pid, i), address: hostAddress(i), hubPort: NETNS_PLAN.hubPort(i) }))
  let tornDown = false
  const teardown = (): string[] => {
    if (tornDown) return []
    tornDown = true
    const errors: string[] = []
    // hosts first: a host's death removes its veth; the hub (and its bridge) last
    for (const name of [...created].reverse()) {
      killNamespacePids(name, trace)
      try { ip(['netns', 'del', name], trace) } catch (err) { errors.push((err as Error).message) }
    }
    return errors
  }
  try {
    ip(['netns', 'add', hub], trace)
  } catch (err) {
    throw new NetnsUnavailableError(`cannot create a network namespace: ${(err as Error).message}`)
  }
  created.push(hub)
  try {
    ip(['-n', hub, 'link', 'add', NETNS_PLAN.bridge, 'type', 'bridge'], trace)
    ip(['-n', hub, 'link', 'set', NETNS_PLAN.bridge, 'up'], trace)
    for (const h of hosts) {
      ip(['netns', 'add', h.namespace], trace)
      created.push(h.namespace)
      ip(['-n', hub, 'link', 'add', h.hubPort, 'type', 'veth', 'peer', 'name', NETNS_PLAN.peerInterface, 'netns', h.namespace], trace)
      ip(['-n', hub, 'link', 'set', h.hubPort, 'master', NETNS_PLAN.bridge, 'up'], trace)
      ip(['-n', h.namespace, 'addr', 'add', `${h.address}/${NETNS_PLAN.subnet.bits}`, 'dev', NETNS_PLAN.peerInterface], trace)
      ip(['-n', h.namespace, 'link', 'set', NETNS_PLAN.peerInterface, 'up'], trace)
      ip(['-n', h.namespace, 'link', 'set', 'lo', 'up'], trace)
    }
  } catch (err) {
    teardown()
    throw err
  }
  const portBytes = (): Array<{ rx: number, tx: number }> => hosts.map((h) => {
    const [link] = JSON.parse(ip(['-n', hub, '-j', '-s', 'link', 'show', h.hubPort], () => {})) as Array<{ stats64: { rx: { bytes: number }, tx: { bytes: number } } }>
    return { rx: link.stats64.rx.bytes, tx: link.stats64.tx.bytes }
  })
  return { hub, hosts, portBytes, teardown }
}

/** Remote IPv4 addresses of the established TCP connections in the network namespace of process `pid` (its /proc/<pid>/net/tcp). */
export function establishedRemotes (pid: number): string[] {
  let text: string
  try {
    text = readFileSync(`/proc/${pid}/net/tcp`, 'utf8')
  } catch {
    return []
  }
  const out: string[] = []
  for (const line of text.split('\n').slice(1)) {
    const cols = line.trim().split(/\s+/)
    // st 01 = TCP_ESTABLISHED; the kernel prints the network-order address as a host u32, so on little-endian hosts the bytes read backwards
    if (cols.length < 4 || cols[3] !== '01') continue
    const hex = cols[2].split(':')[0]
    const n = Number.parseInt(hex, 16)
    const bytes = [n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff]
    out.push((endianness() === 'LE' ? bytes.reverse() : bytes).join('.'))
  }
  return out
}
