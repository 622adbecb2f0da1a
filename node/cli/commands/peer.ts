import { getBoolean, getNumber, getOptionalNumber, getOptionalString, getString, UsageError } from '../args.ts'
import type { OptionSpec, ParsedArgs } from '../args.ts'
import type { CliIO, Command } from '../command.ts'
import type { MetricsServer, PeerMetrics } from '../../metrics/index.ts'
import { CliError, listenFailure, SIGNAL_REPEAT_MS } from '../command.ts'
import { ACCESS_OPTIONS, configFromArgs, NETWORK_RUN_OPTIONS, resolveNetworkRunConfig, withoutSimOnlyFields } from '../experiment-options.ts'
import { loadOwnData, parseShard } from '../../../lib/data/index.ts'
import { batchNote } from './sim.ts'
import type { RunConfig } from '../../../lib/experiment/index.ts'

/** the bounds of --heartbeat (ms), which `murmur cluster` states too: it passes its value to every peer */
export const HEARTBEAT_BOUNDS = { min: 20, max: 60_000 } as const

/** --train-thread, also taken by `murmur cluster` and scripts/netns-cluster.ts and handed to every peer */
export const TRAIN_THREAD_OPTION: OptionSpec = {
  name: 'train-thread', type: 'string', choices: ['main', 'worker'], default: 'main', placeholder: 'WHERE',
  description: 'with --overlap (D-PSGD): where the local steps run; worker: in a worker thread with its own copy of the model, data shard and optimizer, so the exchange is read and written during a step (same results bit for bit)'
}

const options: OptionSpec[] = [
  { name: 'data-dir', type: 'string', placeholder: 'DIR', description: 'this peer\'s folder: identity key (its PeerId), metrics.jsonl, checkpoints/, snapshots/, peer.json (required)' },
  { name: 'shard', type: 'string', placeholder: 'I/N', allowed: 'I/N with integers 0 <= I < N, e.g. 3/16', check: (v) => { try { parseShard(String(v)); return undefined } catch (err) { return (err as Error).message } }, description: 'this peer\'s slot i of n: its shard of the seeded split and its random streams; n must equal --peers (required)' },
  { name: 'print-id', type: 'boolean', description: 'print the PeerId of --data-dir DIR on stdout (creating its identity key if there is none) and exit: the line for every peer\'s --allow-peers file, known before any peer starts' },
  { name: 'own-data', type: 'string', placeholder: 'DIR', description: 'train and test on the four IDX files in DIR (this peer\'s own data, raw or .gz) instead of its shard of the seeded split' },
  { name: 'listen', type: 'string', placeholder: 'MULTIADDR[,...]', default: '/ip4/0.0.0.0/tcp/0', description: 'addresses to listen on' },
  { name: 'announce', type: 'string', placeholder: 'MULTIADDR[,...]', description: 'addresses other peers should dial instead of the listening ones' },
  { name: 'bootstrap', type: 'string', placeholder: 'MULTIADDR[,...]', description: 'running peers to join through, each with /p2p/<peer id> (printed by a running peer at start)' },
  { name: 'mdns', type: 'boolean', description: 'also find peers on the local network by multicast DNS' },
  ...ACCESS_OPTIONS,
  ...NETWORK_RUN_OPTIONS,
  { name: 'until-accuracy', type: 'number', min: 0, max: 1, description: 'stop (gracefully) once this peer\'s own model reaches this test accuracy' },
  { name: 'snapshot-every', type: 'int', min: 0, description: 'write the parameters to snapshots/ every N rounds, for cluster-wide consensus and averaged-model accuracy (4 bytes a parameter each, all kept unless --keep-snapshots: about 200 MB per 10,000 rounds for the MNIST MLP at every 20); 0 = never (default: --eval-every)' },
  { name: 'keep-snapshots', type: 'int', min: 1, placeholder: 'N', description: 'keep only the newest N files in snapshots/, deleting older ones as new ones are written (default: all, which murmur cluster\'s merge needs for the averaged model of every snapshot round)' },
  { name: 'checkpoint-every', type: 'int', min: 0, default: 0, description: 'checkpoint every N rounds; a graceful stop always checkpoints; 0 = only then' },
  { name: 'resume', type: 'boolean', description: 'go on from the newest valid checkpoint in --data-dir/checkpoints (a corrupt one, or one of another run config, is refused and the previous one used); into a running run the peer takes the current model and keeps its data position; its records are appended to metrics.jsonl' },
  { name: 'fresh', type: 'boolean', description: 'start afresh in a --data-dir that holds this peer\'s records of this same run (same config and --shard), which is refused without it (SameRunDataDirError: --resume goes on instead): its metrics and checkpoints are moved to previous/<time>/ and its snapshots deleted (as a folder of another run\'s are, --fresh or not)' },
  { name: 'heartbeat', type: 'int', ...HEARTBEAT_BOUNDS, default: 1000, placeholder: 'MS', description: 'membership heartbeat period' },
  { name: 'start-timeout', type: 'int', min: 0, default: 60_000, placeholder: 'MS', description: 'a new run waits this long for --peers members (plus two heartbeats before and up to ten after, to let the members settle), then starts with fewer' },
  { name: 'slowdown', type: 'number', min: 1, max: 1000, placeholder: 'F', description: 'an experiment: after each round this peer sleeps F−1 times the CPU time its main thread spent in the round, as if its processor were F times slower (default: 1)' },
  TRAIN_THREAD_OPTION,
  { name: 'quiet', type: 'boolean', description: 'no progress line' },
  { name: 'metrics-port', type: 'int', min: 0, max: 65535, placeholder: 'PORT', description: 'serve Prometheus metrics at http://HOST:PORT/metrics (0 = any free port, printed at start); off unless given' },
  { name: 'metrics-host', type: 'string', default: '127.0.0.1', placeholder: 'HOST', description: 'address the metrics endpoint binds (0.0.0.0 lets another machine scrape it)' },
  { name: 'telemetry-every', type: 'int', min: 0, default: 1, placeholder: 'N', description: 'publish a round summary for observers (murmur watch) every N rounds; 0 = never (nothing is sent while no observer listens)' }
]

/** why a peer's loop ended (runPeer's reason), as its last line says it */
const DONE_REASON: Record<'rounds' | 'accuracy' | 'stopped', string> = {
  rounds: 'the run\'s last round reached',
  accuracy: '--until-accuracy reached',
  stopped: 'stopped on request'
}

export const peerCommand: Command = {
  name: 'peer',
  summary: 'run one peer of a network run over libp2p (TCP, Noise, Yamux, gossipsub membership)',
  details: 'Peers of one run must agree on the run config (--config and the flags marked as shared in the README); a peer ' +
    'whose config differs is refused with the differing fields named. The first peer prints the multiaddrs others pass ' +
    'to --bootstrap. SIGINT or SIGTERM: end the round with what has arrived, announce leaving, checkpoint, exit 0.',
  options,
  examples: [
    'murmur peer --data-dir peer0 --shard 0/4 --peers 4 --listen /ip4/0.0.0.0/tcp/9000 --rounds 300',
    'murmur peer --data-dir peer1 --shard 1/4 --peers 4 --bootstrap /ip4/192.0.2.1/tcp/9000/p2p/12D3KooW... --rounds 300',
    'murmur peer --config run.json --data-dir p2 --shard 2/4 --bootstrap /ip4/127.0.0.1/tcp/9000/p2p/12D3KooW...',
    'murmur peer --data-dir peer0 --print-id >> peers.txt   # its PeerId, for --allow-peers peers.txt'
  ],
  async run (args, io) {
    if (getBoolean(args, 'print-id')) return await printId(args, io)
    const { runPeer } = await import('../../peer/index.ts')
    const { splitAddrList, parseAnnounceAddrs, parseBootstrapAddrs, parseListenAddrs } = await import('../../p2p/index.ts')
    // the address flags are checked before anything is loaded, so a typo fails at once as a usage error naming the flag
    for (const [flag, parse] of [['listen', parseListenAddrs], ['announce', parseAnnounceAddrs], ['bootstrap', parseBootstrapAddrs]] as const) {
      const value = getOptionalString(args, flag)
      if (value === undefined) continue
      try {
        parse(value)
      } catch (err) {
        throw new UsageError(`invalid value for --${flag}: ${(err as Error).message}`, flag, (err as Error).message)
      }
    }
    const { addressNotes } = await import('../peer-addrs.ts')
    const dataDir = getOptionalString(args, 'data-dir')
    if (dataDir === undefined) throw new UsageError('--data-dir is required: the peer keeps its identity key, metrics and checkpoints there', 'data-dir')
    const shardText = getOptionalString(args, 'shard')
    if (shardText === undefined) throw new UsageError('--shard I/N is required: this peer\'s slot of the run (0-based), e.g. --shard 0/4', 'shard')
    let shard
    try {
      shard = parseShard(shardText)
    } catch (err) {
      throw new UsageError(`invalid value for --shard: ${(err as Error).message}`, 'shard')
    }
    if (getBoolean(args, 'fresh') && getBoolean(args, 'resume')) {
      throw new UsageError('--fresh starts this peer afresh (its earlier records moved aside) and --resume goes on from them: give one of the two', 'fresh')
    }
    const partial = withoutSimOnlyFields(configFromArgs(args), 'peer', io)
    if (partial.peers === undefined) partial.peers = shard.count
    const config = resolveNetworkRunConfig(partial, args, 'peer', io)
    if (config.peers !== shard.count) throw new UsageError(`--shard ${shardText} splits the data into ${shard.count} parts but the run has --peers ${config.peers}`, 'shard')
    const announced = getOptionalString(args, 'announce')
    for (const note of addressNotes(parseListenAddrs(getString(args, 'listen')), announced === undefined ? undefined : parseAnnounceAddrs(announced), config.peers)) {
      // murmur cluster chose a loopback --listen for its peers: its note about other machines is beside the point there
      if (process.env.MURMUR_CLUSTER === '1' && note.startsWith('note:')) continue
      io.err(`murmur peer: ${note}`)
    }
    if (config.attack !== undefined) io.err(`murmur peer: EXPERIMENT: this peer is Byzantine: it sends '${config.attack}' vectors instead of its model (--attack)`)
    const ownData = getOptionalString(args, 'own-data')
    // its own data is checked (and loaded, memoised for the peer) before anything starts: a folder that cannot train
    // the run's model (images of another size, bad files) is one line and exit 1, not a peer its neighbours ignore
    if (ownData !== undefined && config.algo !== 'gossip') await loadOwnData(config.dataset, ownData, { datasetDir: config.datasetDir, normalize: config.normalize })
    const evalEvery = config.evalEvery
    const stop = new AbortController()
    const quiet = getBoolean(args, 'quiet')
    let lastAcc: number | null = null
    let firstSignalAt = 0
    let firstSignal = ''
    const onSignal = (sig: string, why = `${sig}: leaving now (again to exit at once)`) => (): void => {
      if (stop.signal.aborted) {
        // a Ctrl-C in a terminal reaches every process of its group: this peer, and a script that then signals it
        // too (SIGTERM, perhaps late, if that script was busy); the same request, not "again". Again is the same
        // signal once more, after SIGNAL_REPEAT_MS
        if (sig !== firstSignal || performance.now() - firstSignalAt < SIGNAL_REPEAT_MS) return
        io.err(`murmur peer: ${sig} again: exiting now`)
        process.exit(130)
      }
      firstSignalAt = performance.now()
      firstSignal = sig
      io.err(`\nmurmur peer: ${why}`)
      stop.abort()
    }
    const onInt = onSignal('SIGINT')
    const onTerm = onSignal('SIGTERM')
    process.on('SIGINT', onInt)
    process.on('SIGTERM', onTerm)
    const stopWatchingParent = whenParentGone(onSignal('SIGTERM', 'the murmur cluster that started this peer is gone: leaving now'))
    const list = (name: string): string[] => { const v = getOptionalString(args, name); return v === undefined ? [] : splitAddrList(v) }
    let metricsServer: { close: () => Promise<void> } | undefined
    try {
      const metricsPort = getOptionalNumber(args, 'metrics-port')
      const metrics = metricsPort === undefined ? undefined : await startMetrics(metricsPort, getOptionalString(args, 'metrics-host'), io)
      metricsServer = metrics?.server
      const result = await runPeer({
        telemetryEvery: getNumber(args, 'telemetry-every'),
        config,
        slot: shard.index,
        dataDir,
        ownDataDir: ownData,
        listen: list('listen'),
        announce: getOptionalString(args, 'announce') === undefined ? undefined : list('announce'),
        bootstrap: list('bootstrap'),
        mdns: getBoolean(args, 'mdns'),
        swarmKeyFile: getOptionalString(args, 'swarm-key'),
        allowPeersFile: getOptionalString(args, 'allow-peers'),
        evalEvery,
        evalLimit: config.evalLimit,
        untilAccuracy: getOptionalNumber(args, 'until-accuracy'),
        snapshotEvery: getOptionalNumber(args, 'snapshot-every') ?? evalEvery,
        keepSnapshots: getOptionalNumber(args, 'keep-snapshots'),
        // murmur cluster keeps every snapshot for its merge: the note's ways out are not its peers'
        snapshotSizeNote: process.env.MURMUR_CLUSTER !== '1',
        checkpointEvery: getNumber(args, 'checkpoint-every'),
        resume: getBoolean(args, 'resume'),
        fresh: getBoolean(args, 'fresh'),
        heartbeatMs: getNumber(args, 'heartbeat'),
        startTimeoutMs: getNumber(args, 'start-timeout'),
        slowdown: getOptionalNumber(args, 'slowdown'),
        trainThread: trainThread(args, config),
        stop: stop.signal,
        log: (line) => { io.err(`${new Date().toISOString().slice(11, 23)} ${line}`) },
        // murmur sim's note, for this peer's own shard: a --batch larger than it trains on the whole shard a step
        onPrepared: ({ shardSamples }) => {
          const note = shardSamples === null ? undefined : batchNote(config.batch, { min: shardSamples, max: shardSamples })
          if (note !== undefined) io.err(`murmur peer: warning: ${note}`)
        },
        onListening: ({ peerId, addrs }) => {
          metrics?.peer.identify({ peerId, slot: shard.index, runId: config.runId, algo: config.algo, codec: config.codec, topology: config.topology })
          io.out(`peer id ${peerId}`)
          io.out(`other peers join with: --bootstrap ${addrs.join(',')}`)
        },
        onRound: (rec) => {
          metrics?.peer.record(rec)
          if (rec.accuracy !== null) lastAcc = rec.accuracy
          if (quiet) return
          const line = `round ${rec.round}/${config.rounds} loss ${Number.isFinite(rec.trainLoss) ? rec.trainLoss.toFixed(3) : '-'} ` +
            `acc ${lastAcc === null ? '-' : (lastAcc * 100).toFixed(2) + '%'} peers ${rec.members} heard ${rec.received}/${rec.neighbours.length} ` +
            `${rec.roundMs.toFixed(0)} ms (${roundSplit(rec)})`
          if (io.isTTY) process.stderr.write(`\r${line}   `)
          else if (rec.round % 10 === 0 || rec.accuracy !== null) io.err(line)
        }
      })
      if (io.isTTY && !quiet) process.stderr.write('\n')
      // a resumed peer: the round reached, and what this life ran of it
      const done = result.firstRound > 0 ? `round ${result.rounds} reached, ${result.roundsRun} ${result.roundsRun === 1 ? 'round' : 'rounds'} run from round ${result.firstRound}` : `${result.rounds} rounds`
      const skippedSnapshots = result.snapshotsSkipped === 0 ? '' : `; ${result.snapshotsSkipped} ${result.snapshotsSkipped === 1 ? 'snapshot' : 'snapshots'} not written (${result.snapshotError ?? 'write failed'})`
      io.out(`done: ${done} (${DONE_REASON[result.reason]}), accuracy ${result.accuracy === null ? 'n/a' : (result.accuracy * 100).toFixed(2) + ' %'}, checkpoint ${result.checkpoint ?? 'none'}${skippedSnapshots}`)
      return 0
    } catch (err) {
      const name = (err as Error).name
      // SIGINT/SIGTERM while waiting for the run: a requested stop, not a failure (nothing trained, nothing to save)
      if (name === 'JoinFailedError' && stop.signal.aborted) {
        io.out('done: stopped before joining the run; no rounds, no checkpoint')
        return 0
      }
      const listen = listenFailure(err)
      if (listen !== undefined) throw listen
      if (name === 'ConfigMismatchError' || name === 'JoinFailedError' || name === 'InsecureSwarmKeyError' || name === 'ResumeFailedError' || name === 'DataDirInUseError' || name === 'SameRunDataDirError' || name === 'MetricsServerError' ||
        name === 'TrainWorkerStartError' || name === 'TrainWorkerCrashedError') throw new CliError(`${name}: ${(err as Error).message}`)
      throw err
    } finally {
      process.removeListener('SIGINT', onInt)
      process.removeListener('SIGTERM', onTerm)
      stopWatchingParent()
      await metricsServer?.close()
    }
  }
}

/**
 * The progress line's split of a round: compute and comm, the wait it held (cut off from the run, keeping the run's
 * pace) and what else the round took (evaluation on an evaluation round, the snapshot, bookkeeping), each of the last
 * two when it is a millisecond or more, so that the parts add up to the round's time.
 */
export function roundSplit (rec: { roundMs: number, computeMs: number, commMs: number, waitMs: number }): string {
  const parts = [`compute ${rec.computeMs.toFixed(0)}`, `comm ${rec.commMs.toFixed(0)}`]
  // the first round's wait also counts the wait for the run to start, which is not in its roundMs
  const wait = Math.min(rec.waitMs, Math.max(0, rec.roundMs - rec.computeMs - rec.commMs))
  if (wait >= 1) parts.push(`wait ${wait.toFixed(0)}`)
  const other = rec.roundMs - rec.computeMs - rec.commMs - wait
  if (other >= 1) parts.push(`other ${other.toFixed(0)}`)
  return parts.join(', ')
}

/** --print-id: the PeerId this peer will have (its key in --data-dir, created now if there is none), for the allowlists */
async function printId (args: ParsedArgs, io: CliIO): Promise<number> {
  const dataDir = getOptionalString(args, 'data-dir')
  if (dataDir === undefined) throw new UsageError('--print-id prints the PeerId kept in --data-dir DIR: give --data-dir', 'print-id')
  const { loadOrCreateIdentity } = await import('../../p2p/index.ts')
  let identity
  try {
    identity = await loadOrCreateIdentity(dataDir)
  } catch (err) {
    const e = err as NodeJS.ErrnoException
    if (e.name === 'InvalidIdentityFileError') throw new CliError(`${e.name}: ${e.message}`)
    if (typeof e.code === 'string') throw new CliError(`cannot read or create the identity key in --data-dir ${dataDir}: ${e.code} (${e.message})`)
    throw err
  }
  io.out(identity.peerId)
  for (const w of identity.warnings) io.err(`murmur peer: warning: ${w}`)
  io.err(`murmur peer: ${identity.created ? 'created' : 'read'} ${identity.path}; the peer started with --data-dir ${dataDir} has this PeerId: add it to every peer's --allow-peers file`)
  return 0
}

/**
 * Calls `stop` once the process that started this one with an IPC channel (murmur cluster) is gone, however it died:
 * the channel closes with it, SIGKILL included, when the parent could not signal anyone. A process started without
 * a channel (by hand, by a shell) has none, and nothing changes for it. Returns what stops the watch, which must be
 * called at the end: a channel with a 'disconnect' listener keeps the process alive.
 */
export function whenParentGone (stop: () => void): () => void {
  if (process.send === undefined) return () => {}
  // the parent died while this process was loading: the 'disconnect' is already past
  if (!process.connected) { queueMicrotask(stop); return () => {} }
  process.once('disconnect', stop)
  return () => { process.off('disconnect', stop) }
}

/**
 * --train-thread: a worker runs the overlapped local steps of D-PSGD only (the other rounds have nothing to overlap).
 * murmur cluster checks its own flags with it before starting any peer.
 */
export function trainThread (args: ParsedArgs, config: RunConfig): 'main' | 'worker' {
  const value = getOptionalString(args, 'train-thread') ?? 'main'
  if (value === 'worker' && (config.algo !== 'dpsgd' || !config.overlap)) {
    throw new UsageError(`--train-thread worker runs the local steps of --overlap rounds, which need --algo dpsgd and --overlap; got --algo ${config.algo}${config.overlap ? ' --overlap' : ' without --overlap'}`, 'train-thread', 'main, or worker with --algo dpsgd --overlap')
  }
  return value === 'worker' ? 'worker' : 'main'
}

/** --metrics-port: the peer's Prometheus registry and its endpoint (node/metrics), loaded only when asked for */
async function startMetrics (port: number, host: string | undefined, io: CliIO): Promise<{ peer: PeerMetrics, server: MetricsServer }> {
  const { createPeerMetrics, startMetricsServer } = await import('../../metrics/index.ts')
  const peer = createPeerMetrics()
  const server = await startMetricsServer({ registry: peer.registry, port, host })
  io.out(`metrics at ${server.url}`)
  return { peer, server }
}
