/**
 * Links of a given speed between network namespaces (scripts/lib/netns.ts): a `tc` rate ('1gbit', '100mbit')
 * parsed and checked before any namespace is made, and a token bucket filter (tbf) on both ends of every
 * host's veth. tbf, not netem: netem is missing from the kernels these scripts run on.
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
    super(`'${command}' failed: ${detail}; the link cannot be shaped (is the sch_tbf kernel module available?)`)
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

/**
 * Each host's uplink (its eth0) and downlink (its bridge port in the hub) through a token bucket of `rate`;
 * 100 ms of queue before tbf drops, which TCP answers as congestion, as on a switch port of that speed.
 */
export function shapeLinks (network: NetnsNetwork, rate: string, trace: Trace): void {
  const burst = tbfBurstBytes(checkLinkRate(rate))
  const tc = (namespace: string, dev: string): void => {
    const argv = ['-n', namespace, 'qdisc', 'add', 'dev', dev, 'root', 'tbf', 'rate', rate, 'burst', String(burst), 'latency', '100ms']
    const command = `tc ${argv.join(' ')}`
    trace(command)
    const res = spawnSync('tc', argv, { encoding: 'utf8' })
    if (res.error !== undefined) throw new LinkShapingError(command, res.error.message)
    if (res.status !== 0) throw new LinkShapingError(command, `exit ${String(res.status)}: ${res.stderr.trim()}`)
  }
  for (const h of network.hosts) {
    tc(h.namespace, NETNS_PLAN.peerInterface)
    tc(network.hub, h.hubPort)
  }
}
