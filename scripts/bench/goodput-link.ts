/**
 * The goodput benchmark between two network namespaces joined by a link shaped to a tc rate each way (the
 * namespaces, bridge and tbf shaping of scripts/netns-cluster.ts: scripts/lib/netns.ts, scripts/lib/link-rate.ts):
 * peers on separate machines on a LAN of that speed. This process stays in the root namespace and owns the
 * namespaces; the sender (goodput-sender.ts) runs in the first, its receiver in the second, and the result comes
 * back over IPC. The namespaces are deleted however the run ends (error, SIGINT, SIGTERM, exit); a run that was
 * SIGKILLed leaves murmur-<pid>-* namespaces that the next run (or netns-cluster) removes.
 */
import { spawn, spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { checkLinkRate, LinkShapingError, shapeLinks } from '../lib/link-rate.ts'
import { checkSubnetFree, createNetnsNetwork, netnsPrecondition, NetnsUnavailableError, removeStaleNamespaces } from '../lib/netns.ts'
import type { NetnsNetwork } from '../lib/netns.ts'
import type { GoodputBenchOptions, GoodputBenchResult, Placement } from './goodput.ts'
import type { FromSender } from './goodput-sender.ts'

/** Why the run could not happen here (no namespaces, no tbf): not a failure. */
export interface GoodputSkipped { skipped: string }

const SENDER = fileURLToPath(new URL('./goodput-sender.ts', import.meta.url))
const REPO_NODE = fileURLToPath(new URL('../../node_modules/.bin/node', import.meta.url))

/** The sender's result, or its error, once it has exited. */
async function runSender (network: NetnsNetwork, opts: GoodputBenchOptions): Promise<GoodputBenchResult> {
  const [a, b] = network.hosts
  const where: Placement = { senderHost: a.address, receiverHost: b.address, receiverPrefix: ['ip', 'netns', 'exec', b.namespace] }
  const node = existsSync(REPO_NODE) ? REPO_NODE : process.execPath
  const child = spawn('ip', ['netns', 'exec', a.namespace, node, SENDER, JSON.stringify({ opts, where })], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  let answer: FromSender | undefined
  child.on('message', (m: FromSender) => { answer = m })
  const [code, signal] = await new Promise<[number | null, string | null]>((resolve, reject) => {
    child.on('error', reject)
    child.on('close', (c, s) => { resolve([c, s]) })
  })
  if (answer?.kind === 'result') return answer.result
  throw new Error(answer?.kind === 'error' ? `goodput sender: ${answer.message}` : `goodput sender exited (code ${String(code)}, signal ${String(signal)}) without a result`)
}

/**
 * runGoodputBench between two namespaces whose link is shaped to `opts.linkRate`; a UsageError (option
 * 'link-rate') for a rate that is not one, before anything is made.
 */
export async function runGoodputOverLink (opts: GoodputBenchOptions & { linkRate: string }, log: (s: string) => void = () => {}): Promise<GoodputBenchResult | GoodputSkipped> {
  const bitsPerSecond = checkLinkRate(opts.linkRate)
  const why = netnsPrecondition()
  if (why !== undefined) return { skipped: why }
  const tc = spawnSync('tc', ['-V'], { encoding: 'utf8' })
  if (tc.error !== undefined) return { skipped: `the 'tc' command (iproute2) is not available: ${tc.error.message}` }
  const trace = (): void => {}
  let network: NetnsNetwork | undefined
  const teardown = (): void => {
    const errors = network?.teardown() ?? []
    if (errors.length > 0) log(`goodput: teardown errors: ${errors.join('; ')}`)
  }
  const onSignal = (signal: NodeJS.Signals): void => {
    log(`goodput: ${signal}: removing the namespaces`)
    teardown()
    process.exit(130)
  }
  process.on('exit', teardown)
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  try {
    const stale = removeStaleNamespaces(trace)
    if (stale.length > 0) log(`goodput: removed namespaces left by earlier runs: ${stale.join(', ')}`)
    checkSubnetFree(trace)
    try {
      network = createNetnsNetwork(2, process.pid, trace)
    } catch (err) {
      if (err instanceof NetnsUnavailableError) return { skipped: err.message }
      throw err
    }
    try {
      shapeLinks(network, opts.linkRate, trace)
    } catch (err) {
      if (err instanceof LinkShapingError) return { skipped: err.message }
      throw err
    }
    log(`goodput: sender in ${network.hosts[0].namespace} (${network.hosts[0].address}), receiver in ${network.hosts[1].namespace} (${network.hosts[1].address}), each link shaped to ${opts.linkRate} each way (tc tbf)`)
    const result = await runSender(network, opts)
    const [bytes] = network.portBytes()
    return { ...result, link: { rate: opts.linkRate, bitsPerSecond, bytesOut: bytes.rx, bytesIn: bytes.tx } }
  } finally {
    teardown()
    process.removeListener('exit', teardown)
    process.removeListener('SIGINT', onSignal)
    process.removeListener('SIGTERM', onSignal)
  }
}
