/**
 * `murmur peer`'s address flags checked against each other before the peer starts: the mistakes that leave a peer
 * running but unreachable from other machines, said at once instead of as a connection failure on the others.
 */

interface HostPort { host: string, port: number }

/** the host and TCP port of a canonical /ip4|ip6|dns…/HOST/tcp/PORT address (what parseListenAddrs/parseAnnounceAddrs return) */
function hostPort (addr: string): HostPort | undefined {
  const m = /^\/(?:ip4|ip6|dns|dns4|dns6)\/([^/]+)\/tcp\/(\d+)$/.exec(addr)
  return m === null ? undefined : { host: m[1], port: Number(m[2]) }
}

function loopback (host: string): boolean {
  return /^127\./.test(host) || host === '::1' || host === 'localhost'
}

/** Warnings and notes about --listen and --announce (each a log line), for a run of `peers` peers. */
export function addressNotes (listen: readonly string[], announce: readonly string[] | undefined, peers: number): string[] {
  const notes: string[] = []
  const bound = listen.map(hostPort).filter((a): a is HostPort => a !== undefined)
  if (peers > 1 && bound.length > 0 && bound.every((a) => loopback(a.host))) {
    notes.push(`note: --listen ${listen.join(',')} accepts connections from this machine only; for peers on other machines listen on ` +
      `every interface and announce this machine's address: --listen /ip4/0.0.0.0/tcp/${bound[0].port === 0 ? 9000 : bound[0].port} --announce /ip4/<its address>/tcp/${bound[0].port === 0 ? 9000 : bound[0].port}`)
  }
  for (const a of announce ?? []) {
    const hp = hostPort(a)
    if (hp === undefined || hp.port === 0 || bound.some((b) => b.port === hp.port)) continue
    const ports = bound.map((b) => b.port === 0 ? 'a port the system picks (tcp/0)' : `port ${b.port}`).join(', ')
    notes.push(`warning: --announce ${a} tells other peers to dial port ${hp.port}, but this peer listens on ${ports === '' ? 'no TCP port' : ports}: ` +
      `add --listen /ip4/0.0.0.0/tcp/${hp.port} (unless a NAT or firewall forwards port ${hp.port} to the port it listens on)`)
  }
  return notes
}
