/**
 * A network that can be cut in two: scripts/lib/netns.ts's namespaces (one a peer, all on bridge br0 in a hub
 * namespace), plus a second bridge br1 in the hub. Cutting moves the chosen peers' bridge ports to br1, so
 * frames between the groups have no path (packets are dropped, nothing is reset: like a cable pulled between
 * two switches); healing moves them back. Everything lives in namespaces this process created, removed at
 * teardown. `tc netem` is missing on these machines; moving ports needs only `ip`.
 */
import { spawnSync } from 'node:child_process'
import { createNetnsNetwork, netnsPrecondition, NetnsUnavailableError, removeStaleNamespaces, NETNS_PLAN, checkSubnetFree } from '../lib/netns.ts'

/** Namespaces cannot be made here: a reason to skip the partition scenario, not a failure. */
export class PartitionUnavailableError extends Error {
  static override name = 'PartitionUnavailableError'
  constructor (message: string) {
    super(message)
    this.name = 'PartitionUnavailableError'
  }
}

export interface PartitionNetwork {
  namespace: (i: number) => string
  /** moves these peers to the other side of the cut */
  cut: (group: readonly number[]) => void
  /** puts every peer back on one bridge */
  heal: () => void
  teardown: () => void
}

const CUT_BRIDGE = 'br1'

export function createPartitionNetwork (peers: number, log: (line: string) => void = () => {}): PartitionNetwork {
  const why = netnsPrecondition()
  if (why !== undefined) throw new PartitionUnavailableError(`partition scenario skipped: ${why}`)
  const trace = (c: string): void => { log(c) }
  let net
  try {
    removeStaleNamespaces(trace)
    checkSubnetFree(trace)
    net = createNetnsNetwork(peers, process.pid, trace)
  } catch (err) {
    if (err instanceof NetnsUnavailableError) throw new PartitionUnavailableError(`partition scenario skipped: ${err.message}`)
    throw err
  }
  const ip = (args: string[]): void => {
    trace(`ip ${args.join(' ')}`)
    const res = spawnSync('ip', args, { encoding: 'utf8' })
    if (res.status !== 0) throw new Error(`'ip ${args.join(' ')}' failed: ${res.stderr.trim()}`)
  }
  const hub = net.hub
  ip(['-n', hub, 'link', 'add', CUT_BRIDGE, 'type', 'bridge'])
  ip(['-n', hub, 'link', 'set', CUT_BRIDGE, 'up'])
  let moved: number[] = []
  return {
    namespace: (i) => net.hosts[i].namespace,
    cut (group) {
      for (const i of group) ip(['-n', hub, 'link', 'set', net.hosts[i].hubPort, 'master', CUT_BRIDGE])
      moved = [...group]
    },
    heal () {
      for (const i of moved) ip(['-n', hub, 'link', 'set', net.hosts[i].hubPort, 'master', NETNS_PLAN.bridge])
      moved = []
    },
    teardown () {
      for (const e of net.teardown()) log(`teardown: ${e}`)
    }
  }
}
