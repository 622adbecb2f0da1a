/**
 * Links of a given speed between network namespaces (scripts/lib/netns.ts): a `tc` rate ('1gbit', '100mbit')
 * parsed and checked before any namespace is made, and a token bucket filter (tbf) with a peak rate on both ends
 * of every host's veth. tbf, not netem: netem is missing from the kernels these scripts run on.
 *
 * Used by scripts/netns-cluster.ts (`--link-rate`) and scripts/bench/goodput.ts (`--link-rate`).
 */
import { spawnSync } from 'node:child_process'
import { UsageError } from '../../node/cli/args.ts'
import { NETNS_PLAN } from './netns.ts'
import type { NetnsNetwork, Trace } from './netns.ts'

export const LINK_RATE_ALLOWED = 'a tc rate such as 1gbit, 100mbit or 500kbit'
const LINK_RATE = /^(\d+(?:\.\d+)?)(kbit|mbit|gbit)$/
const BITS_PER_UNIT = { kbit: 1e3, mbit: 1e6, gbit: 1e9 }

/** bits a second of a tc rate ('100mbit'), or undefined when it is not one (or below 8 kbit/s, one byte a millisecond) */
export function parseLinkRate (rate: string): number | undefined {
  const m = LINK_RATE.exec(rate)
  if (m === null) return undefined
  const bits = Number(m[1]) * BITS_PER_UNIT[m[2] as keyof typeof BITS_PER_UNIT]
  return bits >= 8_000 ? bits : undefined
}

/** bits a second of `rate`; a UsageError naming `option` (without its dashes) when it is not a tc rate */
export function checkLinkRate (rate: string, option = 'link-rate'): number {
  const bits = parseLinkRate(rate)
  if (bits === undefined) throw new UsageError(`--${option}: expected ${LINK_RATE_ALLOWED}, got '${rate}'`, option, LINK_RATE_ALLOWED)
  return bits
}

/** A `tc` command failed inside a namespace (no sch_tbf module, a rate the kernel refuses). */
export class LinkShapingError extends Error {
  static readonly NAME = 'LinkShapingError'
  override readonly name = LinkShapingError.NAME
  readonly command: string
  constructor (command: string, detail: string) {
    super(`'${command}' failed: ${detail}; the link cannot be shaped (is the sch_tbf kernel module available, and does ip link know gso_max_size?)`)
    this.command = command
  }
}

/**
 * tbf's bucket for `bits` a second: 10 ms of the rate and at least 128 KiB, so a 64 KiB GSO segment of the
 * veth passes whole (a bucket smaller than one segment would stall the link).
 */
export function tbfBurstBytes (bits: number): number {
  return Math.max(128 * 1024, Math.ceil(bits / 8 / 100))
}

/** Largest GSO packet of a shaped host's eth0, and so of every packet a shaped device sends. */
export const SHAPED_GSO_BYTES = 16 * 1024
/** tbf's peak bucket: one such packet and its headers. */
export const PEAK_BUCKET_BYTES = SHAPED_GSO_BYTES + 1024

/**
 * The tbf arguments of a link of `bits` a second: the rate, a bucket of tbfBurstBytes, and a peak rate 1 % above
 * the rate over a bucket of one packet. Without the peak rate, a link left idle for a few milliseconds let its whole
 * bucket (128 KiB at 100 Mbit/s) through at memory speed: a third of a 407 KB model arrived almost at once, which
 * no 100 Mbit/s cable does, and which favoured whatever idles its link (synchronous rounds) over what keeps it busy
 * (overlap): a synchronous round "communicated" a message in 27 ms that takes 33 ms at the rate.
 */
export function tbfArgs (rate: string): string[] {
  const bits = checkLinkRate(rate)
  return ['rate', rate, 'burst', String(tbfBurstBytes(bits)), 'latency', '100ms',
    'peakrate', `${Math.ceil(bits * 1.01)}bit`, 'mtu', String(PEAK_BUCKET_BYTES)]
}

/**
 * Each host's uplink (its eth0) and downlink (its bridge port in the hub) through a token bucket of `rate`
 * (tbfArgs); 100 ms of queue before tbf drops, which TCP answers as congestion, as on a switch port of that speed.
 * Each host's eth0 sends GSO packets of at most SHAPED_GSO_BYTES, so that every packet fits the peak bucket.
 */
export function shapeLinks (network: NetnsNetwork, rate: string, trace: Trace): void {
  const args = tbfArgs(rate)
  const run = (tool: string, argv: string[]): void => {
    const command = `${tool} ${argv.join(' ')}`
    trace(command)
    const res = spawnSync(tool, argv, { encoding: 'utf8' })
    if (res.error !== undefined) throw new LinkShapingError(command, res.error.message)
    if (res.status !== 0) throw new LinkShapingError(command, `exit ${String(res.status)}: ${res.stderr.trim()}`)
  }
  const tc = (namespace: string, dev: string): void => { run('tc', ['-n', namespace, 'qdisc', 'add', 'dev', dev, 'root', 'tbf', ...args]) }
  for (const h of network.hosts) {
    run('ip', ['-n', h.namespace, 'link', 'set', 'dev', NETNS_PLAN.peerInterface, 'gso_max_size', String(SHAPED_GSO_BYTES)])
    tc(h.namespace, NETNS_PLAN.peerInterface)
    tc(network.hub, h.hubPort)
  }
}
