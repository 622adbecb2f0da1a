import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { getBoolean, getNumber, getOptionalNumber, getOptionalString, getString, UsageError } from '../args.ts'
import type { OptionSpec } from '../args.ts'
import type { Command } from '../command.ts'
import { CliError, listenFailure } from '../command.ts'
import { ACCESS_OPTIONS, NETWORK_RUN_OPTIONS } from '../experiment-options.ts'
import { DEFAULT_RUN_ID } from '../../../lib/experiment/agreement.ts'
import type { Identity } from '../../p2p/index.ts'

/** --run-id exactly as murmur peer checks it */
const RUN_ID_OPTION = NETWORK_RUN_OPTIONS.find((o) => o.name === 'run-id') as OptionSpec
/** --swarm-key exactly as murmur peer takes it (and read by the same readSwarmKey, with the same errors) */
const SWARM_KEY_OPTION = ACCESS_OPTIONS.find((o) => o.name === 'swarm-key') as OptionSpec

const options: OptionSpec[] = [
  { name: 'bootstrap', type: 'string', placeholder: 'MULTIADDR[,...]', description: 'a running peer of the run, with /p2p/<peer id> (printed by every peer at start) (required)' },
  { ...RUN_ID_OPTION, default: DEFAULT_RUN_ID, description: 'the run to watch (the peers\' --run-id)' },
  { ...SWARM_KEY_OPTION, description: 'the run\'s private swarm key (the peers\' --swarm-key FILE): without the same key an observer cannot connect to them' },
  { name: 'data-dir', type: 'string', placeholder: 'DIR', description: 'keep this observer\'s key in DIR/identity.key, as murmur peer keeps its own, so that its PeerId stays the same and can go in the peers\' --allow-peers list (default: a new PeerId at each start)' },
  { name: 'print-id', type: 'boolean', description: 'print the PeerId of --data-dir DIR on stdout (creating the key if there is none) and exit: the line to add to the peers\' --allow-peers file' },
  { name: 'http', type: 'int', min: 0, max: 65535, placeholder: 'PORT', description: 'also serve the live web dashboard at http://HOST:PORT/ (0 = any free port, printed)' },
  { name: 'http-host', type: 'string', default: '127.0.0.1', placeholder: 'HOST', description: 'address the dashboard binds' },
  { name: 'listen', type: 'string', placeholder: 'MULTIADDR[,...]', default: '/ip4/127.0.0.1/tcp/0', description: 'addresses this observer listens on (it dials the peers; nobody needs to dial it)' },
  { name: 'refresh', type: 'int', min: 100, max: 60_000, default: 1000, placeholder: 'MS', description: 'redraw the terminal view and push to the dashboard this often' },
  { name: 'peer-timeout', type: 'int', min: 500, max: 3_600_000, default: 10_000, placeholder: 'MS', description: 'a peer without a summary for this long is shown silent and left out of the network figures; no summary at all for this long is reported once on stderr, with the likely causes' },
  { name: 'view', type: 'string', choices: ['auto', 'live', 'lines', 'none'], default: 'auto', description: 'terminal output: live (redrawn in place), lines (one status line a refresh), none; auto = live on a terminal, else lines' },
  { name: 'duration', type: 'int', min: 0, default: 0, placeholder: 'S', description: 'stop after S seconds; 0 = until the run ends or Ctrl-C' },
  { name: 'stay', type: 'boolean', description: 'keep watching once the run has ended (every peer left or went silent), for the --http dashboard or a run resumed under the same --run-id, until --duration or Ctrl-C (default: print the end and exit 0)' }
]

export const watchCommand: Command = {
  name: 'watch',
  summary: 'observe a running network: peers, rounds, accuracy, consensus distance, spectral gap, joins and leaves, live',
  details: 'Joins the run\'s gossipsub topics as an observer: it trains nothing, announces nothing and is never a member or a ' +
    'neighbour. Peers publish a summary each round (murmur peer --telemetry-every); the consensus distance is estimated from ' +
    'the sketches in those summaries (README, "Watching a run"). With --http the same view is a web page with the topology, ' +
    'the curves and the spectrum of W. Once the run has ended (every peer it heard left after its last round, or went ' +
    'silent past --peer-timeout) it says so, "run ended at round R: K peers left", and exits 0; --stay keeps it watching.',
  options,
  examples: [
    'murmur watch --bootstrap /ip4/127.0.0.1/tcp/9000/p2p/12D3KooW...',
    'murmur watch --bootstrap /ip4/192.0.2.1/tcp/9000/p2p/12D3KooW... --run-id exp7 --http 8080',
    'murmur watch --bootstrap /ip4/192.0.2.1/tcp/9000/p2p/12D3KooW... --swarm-key swarm.key',
    'murmur watch --data-dir observer --print-id >> peers.txt   # then: murmur watch --bootstrap ... --data-dir observer'
  ],
  async run (args, io) {
    const dataDir = getOptionalString(args, 'data-dir')
    if (getBoolean(args, 'print-id')) {
      if (dataDir === undefined) throw new UsageError('--print-id prints the PeerId kept in --data-dir DIR: give --data-dir', 'print-id')
      const identity = await observerIdentity(dataDir)
      io.out(identity.peerId)
      io.err(`murmur watch: ${identity.created ? 'created' : 'read'} ${identity.path}; add the PeerId above to the peers' --allow-peers file and watch with --data-dir ${dataDir}`)
      return 0
    }
    const bootstrapText = getOptionalString(args, 'bootstrap')
    if (bootstrapText === undefined) throw new UsageError('--bootstrap is required: the address of a running peer of the run, as it prints it at start (…/p2p/12D3KooW…)', 'bootstrap')
    const { generateKeyPair } = await import('@libp2p/crypto/keys')
    const { createPeerNode, parseBootstrapAddrs, parseListenAddrs, peerIdOfAddr, splitAddrList } = await import('../../p2p/index.ts')
    for (const [flag, parse] of [['bootstrap', parseBootstrapAddrs], ['listen', parseListenAddrs]] as const) {
      try {
        parse(splitAddrList(getString(args, flag)))
      } catch (err) {
        throw new UsageError(`invalid value for --${flag}: ${(err as Error).message}`, flag)
      }
    }
    const { readSwarmKey } = await import('../../p2p/index.ts')
    const swarmKeyFile = getOptionalString(args, 'swarm-key')
    // read before anything starts, so that a missing or unsafe key file fails at once, as murmur peer's does
    const swarmKey = swarmKeyFile === undefined ? undefined : await readSwarmKey(swarmKeyFile)
    const identity = dataDir === undefined ? undefined : await observerIdentity(dataDir)
    for (const w of identity?.warnings ?? []) io.err(`murmur watch: warning: ${w}`)
    const { bootstrapFailureNote, createObserver, failedDuringEncryption, noSummaryNotice, renderLines, renderTerminal, startDashboard, WatchModel } = await import('../../watch/index.ts')
    const runId = getString(args, 'run-id')
    const peerTimeoutMs = getNumber(args, 'peer-timeout')
    const refreshMs = getNumber(args, 'refresh')
    const durationS = getNumber(args, 'duration')
    const stay = getBoolean(args, 'stay')
    const httpPort = getOptionalNumber(args, 'http')
    const viewOpt = getString(args, 'view')
    const live = viewOpt === 'live' || (viewOpt === 'auto' && process.stdout.isTTY === true)
    const view = viewOpt === 'none' ? 'none' : live ? 'live' : 'lines'

    const model = new WatchModel({ runId, peerTimeoutMs })
    const listen = splitAddrList(getString(args, 'listen'))
    const bootstrap = splitAddrList(bootstrapText)
    // one process a --data-dir, as for murmur peer: two nodes with one PeerId push each other out
    const { lockDataDir } = await import('../../peer/index.ts')
    const unlock = dataDir === undefined ? () => {} : lockDataDir(dataDir)
    // the latest redial of the bootstrap peer broke during encryption (a swarm key mismatch): the notice says so first
    let encryptionFailed = false
    const node = await createPeerNode({
      privateKey: identity?.privateKey ?? await generateKeyPair('Ed25519'),
      listen,
      bootstrap,
      swarmKey,
      onBootstrapFailed: ({ addr, attempts, error }) => {
        encryptionFailed = failedDuringEncryption(error)
        // redials of a peer that left, or after the run's end, are the observer waiting for a resumed run (said once,
        // with the end), not a connection problem
        const snap = model.snapshot(Date.now())
        const id = peerIdOfAddr(addr)
        if (snap.ended !== null || snap.peers.some((p) => p.id === id && (p.status === 'left' || p.status === 'leaving'))) return
        io.err(`murmur watch: ${bootstrapFailureNote({ addr, attempts, error, swarmKey })}`)
      }
    }).catch((err: unknown) => { unlock(); throw listenFailure(err) ?? err })
    const observer = createObserver({ node }, { runId, model, tickMs: Math.min(refreshMs, 1000) })
    observer.start()
    let dashboard: Awaited<ReturnType<typeof startDashboard>> | undefined
    const stop = new AbortController()
    const onSignal = (): void => { stop.abort() }
    process.on('SIGINT', onSignal)
    process.on('SIGTERM', onSignal)
    try {
      if (httpPort !== undefined) {
        try {
          dashboard = await startDashboard({ model, port: httpPort, host: getString(args, 'http-host'), refreshMs })
        } catch (err) {
          if ((err as Error).name === 'DashboardServerError') throw new CliError((err as Error).message)
          throw err
        }
      }
      io.err(`murmur watch: observer ${observer.peerId}${identity !== undefined ? ` (key in ${identity.path})` : ' (a new PeerId: --data-dir DIR keeps one, for the peers\' --allow-peers)'} watching run '${runId}'${swarmKey !== undefined ? ` in the private swarm of key fingerprint ${swarmKey.fingerprint}` : ''}` +
        `${dashboard !== undefined ? `; dashboard at ${dashboard.url}` : ''}`)
      const started = Date.now()
      const until = durationS > 0 ? started + durationS * 1000 : Infinity
      let lastEvent = 0
      // the run's end, once said (the time of the RunEnd said); with --stay it is said again only after a resumption
      let endSaid: number | undefined
      // the no-summary notice, once; the live view also keeps it below the frame, which its redraw would wipe
      let notice: string | undefined
      if (view === 'live') process.stdout.write('\u001b[2J')
      while (!stop.signal.aborted && Date.now() < until) {
        await new Promise((resolve) => { setTimeout(resolve, Math.min(refreshMs, Math.max(0, until - Date.now()))).unref(); stop.signal.addEventListener('abort', resolve, { once: true }) })
        const snap = model.snapshot(Date.now())
        // nothing heard for a whole --peer-timeout: say why that may be, once, and keep watching
        if (notice === undefined && snap.counters.summaries === 0 && snap.time - started >= peerTimeoutMs) {
          notice = `murmur watch: ${noSummaryNotice({
            runId, waitedMs: snap.time - started, bootstrap, swarmKey, connections: new Set(node.getConnections().map((c) => c.remotePeer.toString())).size, announcements: snap.counters.announcements,
            observerId: observer.peerId, dataDir, dropped: observer.dropped, encryptionFailed
          })}`
          io.err(notice)
        }
        if (view === 'live') {
          // home, draw, clear what the previous (longer) frame left below
          const frame = renderTerminal(snap, { width: process.stdout.columns ?? 100, color: true }) + (notice !== undefined && snap.counters.summaries === 0 ? `\n\n${notice}` : '')
          process.stdout.write(`\u001b[H${frame.replaceAll('\n', '\u001b[K\n')}\u001b[J`)
        } else if (view === 'lines') {
          for (const line of renderLines(snap, lastEvent)) io.out(line)
          lastEvent = snap.events.at(-1)?.seq ?? lastEvent
        }
        if (snap.ended !== null && snap.ended.time !== endSaid) {
          endSaid = snap.ended.time
          if (!stay) { io.err(`murmur watch: ${snap.ended.text}; exiting (--stay keeps watching)`); return 0 }
          io.err(`murmur watch: ${snap.ended.text}; still watching (--stay) until ${durationS > 0 ? '--duration' : 'Ctrl-C'}, for a resumed run (redialling --bootstrap quietly)`)
        }
      }
      return 0
    } finally {
      process.removeListener('SIGINT', onSignal)
      process.removeListener('SIGTERM', onSignal)
      observer.stop()
      await dashboard?.close()
      await node.stop()
      unlock()
    }
  }
}

/**
 * The observer's key, kept in DIR/identity.key by node/p2p loadOrCreateIdentity (murmur peer's own format). A peer's
 * data dir is refused: the observer would take that peer's PeerId, and the two would push each other out.
 */
async function observerIdentity (dataDir: string): Promise<Identity> {
  const { PEER_FILE } = await import('../../peer/index.ts')
  if (existsSync(join(dataDir, PEER_FILE))) {
    throw new UsageError(`--data-dir ${dataDir} is a murmur peer's data dir (it holds ${PEER_FILE}): the observer would take that peer's PeerId; give it a folder of its own`, 'data-dir')
  }
  const { loadOrCreateIdentity } = await import('../../p2p/index.ts')
  return await loadOrCreateIdentity(dataDir)
}
