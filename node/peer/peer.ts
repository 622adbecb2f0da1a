/**
 * The peer's main loop: identity and libp2p node, training setup for its slot (the simulator's data
 * shard and random streams), membership and exchange, then synchronous rounds of the same lib/algorithms
 * object the simulator runs, with metrics, snapshots and checkpoints in --data-dir. A graceful stop
 * (the `stop` signal) ends the round under way with what has arrived, announces leaving, runs
 * its leaving round without waiting for neighbours, checkpoints and returns.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { setImmediate, setTimeout as sleep } from 'node:timers/promises'
import { ACCEPTED_FRAME_KINDS, createAlgorithm, maxFrameBytes } from '../../lib/algorithms/index.ts'
import type { PeerAlgorithm } from '../../lib/algorithms/index.ts'
import { agreedConfig, algorithmConfig, configHash, formatConfigDiff, prepareTraining, withModelDim } from '../../lib/experiment/index.ts'
import type { RunConfig } from '../../lib/experiment/index.ts'
import { syncBodyBytes } from '../../lib/protocol/index.ts'
import { peerStreams } from '../../lib/sim/index.ts'
import { describe as describeTopology, mixingMatrix } from '../../topologies/index.ts'
import type { Graph } from '../../topologies/index.ts'
import { writeCheckpoint } from '../checkpoint/index.ts'
import { BENIGN_REASONS, createGossipExchange } from '../exchange/index.ts'
import type { GossipExchange } from '../exchange/index.ts'
import { createMembership, cutOff, FORGET_AFTER_TIMEOUTS, REFUSED_DIALS_TO_FORGET } from '../membership/index.ts'
import type { Membership } from '../membership/index.ts'
import { accessNotes, bootstrapAddrs, createPeerNode, handshakeFailureReporter, loadOrCreateIdentity, penalizePeer, readAllowlist, readSwarmKey, refusalReporter } from '../p2p/index.ts'
import type { SwarmKey } from '../p2p/index.ts'
import { createTelemetryPublisher } from '../telemetry/index.ts'
import { startTrainWorker } from '../train-thread/index.ts'
import type { TrainWorker } from '../train-thread/index.ts'
import { makeFolder } from '../fs/make-folder.ts'
import { JoinFailedError, SameRunDataDirError } from './errors.ts'
import { appendRecord, archivePreviousRun, CHECKPOINT_DIR, METRICS_FILE, PEER_FILE, PREVIOUS_DIR, sameRunRecords, SNAPSHOT_DIR } from './files.ts'
import type { EarlierLife } from './files.ts'
import { lockDataDir } from './lock.ts'
import type { PeerInit, PeerRecord, PeerResult } from './types.ts'
import { RecentRoundTime, RoundPace } from './pace.ts'
import { catchUpRound, cohortRound, laterCohortStart, rejoinState, resumeFromCheckpoint } from './resume.ts'
import { createSnapshotStore, snapshotSizeNote } from './snapshots.ts'
import { createJoinWatch, handshakeFailuresNote, noPeerCauses, noPeerMessage, selfBootstrapNote, sharedIdentityNote, slotConflictNote, WAIT_NOTE_MS } from './join-watch.ts'
import { configMismatchError, createMismatchWatch, mismatchGraceMs, mismatchNote } from './mismatch.ts'
import type { JoinWatch } from './join-watch.ts'
import type { Resumed } from './resume.ts'

const POLL_MS = 50
/** longest wait, in heartbeats, for the rest of a new run's cohort to fix round 0 after this peer did */
const SETTLE_HEARTBEATS = 10
const PULL_TIMEOUT_MS = 60_000
/** time a join announcement is given to reach every member before the joiner's first round */
const JOIN_LEAD_MS = 1000
/** at most this many rounds ahead of the run a joiner starts */
const MAX_JOIN_LEAD = 64
/** longest a leaving peer waits for its neighbours to read its last round's messages (at most the round deadline) */
const LAST_SENDS_MS = 1000
/** complete early messages a peer holds at once (each at most one model) */
const EARLY_MESSAGES = 128

export async function runPeer (init: PeerInit): Promise<PeerResult> {
  const start = performance.now()
  // who may connect: read first, so that a bad key or allowlist fails before anything is loaded
  const swarmKey = init.swarmKeyFile === undefined ? undefined : await readSwarmKey(init.swarmKeyFile)
  const allowPeers = init.allowPeersFile === undefined ? undefined : await readAllowlist(init.allowPeersFile)
  makeFolder(init.dataDir) // not mkdirSync's recursive, which hangs for ever on a --data-dir under /proc
  const unlock = lockDataDir(init.dataDir)
  try {
    return await runLockedPeer(init, start, swarmKey, allowPeers)
  } finally {
    unlock()
  }
}

async function runLockedPeer (init: PeerInit, start: number, swarmKey: SwarmKey | undefined, allowPeers: string[] | undefined): Promise<PeerResult> {
  const { log } = init
  const identity = await loadOrCreateIdentity(init.dataDir)
  for (const w of identity.warnings) log(`warning: ${w}`)

  const training = await prepareTraining(init.config, { slot: init.slot, ownDataDir: init.ownDataDir })
  // the agreed config holds the length of the vector exchanged: a training run's is its model's parameter count, known
  // only now that the model is built from the data's shape, and before anything is announced, written or resumed
  const config = withModelDim(init.config, training.dim)
  const hash = configHash(config)
  // in slot mode the training set loaded is this peer's shard (or its --own-data)
  init.onPrepared?.({ shardSamples: training.trainSamples })
  const streams = peerStreams(config.seed, init.slot)
  const objective = training.objective?.(init.slot, streams.objective)
  // --train-thread worker: the overlapped local steps run in a worker thread holding its own copy of this objective
  const stepRunner: TrainWorker | undefined = init.trainThread === 'worker'
    ? await startTrainWorker({ config, slot: init.slot, ownDataDir: init.ownDataDir, dim: training.dim, backend: training.backend ?? 'none' })
    : undefined
  let algorithm: PeerAlgorithm
  let resumed: Resumed | undefined
  try {
    algorithm = createAlgorithm(algorithmConfig(config), {
      x0: training.x0(init.slot, streams.x0), objective, rng: streams.algorithm, id: identity.peerId, stepRunner
    })
    resumed = init.resume === true ? resumeFromCheckpoint(init.dataDir, config, algorithm, log, { slot: init.slot }) : undefined
  } catch (err) {
    await stepRunner?.close()
    throw err
  }
  // a resumed peer appends to the record of its earlier life; a new one moves an earlier run's files aside, once the
  // config, data and model have loaded: a typo in a flag must not move the checkpoints a corrected --resume needs.
  // This peer's own records of this same run (a crashed peer restarted without --resume) are not an earlier run's:
  // moved aside, a report merged over the peers' folders would silently lack its earlier rounds. Refused, untouched,
  // unless --fresh asks for a new start
  if (init.resume !== true) {
    const earlier = sameRunRecords(init.dataDir, hash, init.slot)
    if (earlier !== undefined && init.fresh !== true) {
      await stepRunner?.close()
      throw new SameRunDataDirError(sameRunMessage(init.dataDir, config, hash, init.slot, earlier))
    }
    const moved = archivePreviousRun(init.dataDir)
    if (moved !== undefined) {
      log(earlier !== undefined
        ? `--fresh: moved this peer's earlier metrics and checkpoints of this run${earlier.lastRound !== undefined ? ` (up to round ${earlier.lastRound})` : ''} to ${moved} (its snapshots are deleted), as asked`
        : `moved the metrics and checkpoints of an earlier run in ${init.dataDir} to ${moved} (its snapshots are deleted); use --resume to continue a run instead`)
    }
    writeFileSync(join(init.dataDir, METRICS_FILE), '')
  }
  if (stepRunner !== undefined) log('local steps run in a worker thread (--train-thread worker)')
  log(`peer ${identity.peerId} slot ${init.slot}/${config.peers}, ${config.algo} ${config.codec}, ` +
    `${training.backend !== null ? `backend ${training.backend}, ` : ''}${algorithm.dim} parameters, run '${config.runId}' config ${hash.slice(0, 12)}`)
  const snapshots = createSnapshotStore({ dataDir: init.dataDir, keep: init.keepSnapshots, log })
  if (init.snapshotSizeNote !== false) {
    const note = snapshotSizeNote({ dim: algorithm.dim, rounds: config.rounds, every: init.snapshotEvery, keep: init.keepSnapshots, dir: join(init.dataDir, SNAPSHOT_DIR) })
    if (note !== undefined) log(note)
  }

  const access = accessNotes({ swarmKey, allowPeers })
  for (const line of access.info) log(line)
  for (const w of access.warnings) log(`warning: ${w}`)
  const joinWatch = createJoinWatch({ swarmKey: swarmKey !== undefined })
  // incoming connections that fail their handshake: a peer with another --swarm-key (or none) dialling this one
  const handshakes = handshakeFailureReporter(log, swarmKey !== undefined)
  // a PeerId two processes share is told by identify (node/p2p) and by membership: warned once, by whichever is first
  const sharedIds = new Set<string>()
  const warnShared = (id: string, self: boolean, where: string[]): void => {
    if (sharedIds.has(id)) return
    sharedIds.add(id)
    log(sharedIdentityNote({ id, self, where }, identity.peerId))
  }
  const selfBootstrap = selfBootstrapNote(init.bootstrap ?? [], identity.peerId)
  if (selfBootstrap !== undefined) log(selfBootstrap)
  const node = await createPeerNode({
    privateKey: identity.privateKey, listen: init.listen, announce: init.announce, bootstrap: init.bootstrap, mdns: init.mdns,
    swarmKey, allowPeers, onRefused: refusalReporter(log).onRefused,
    onHandshakeFailed: (f) => { joinWatch.handshakeFailed(); handshakes.onFailed(f) },
    onBootstrapFailed: ({ addr, attempts, error, hadConnections }) => {
      joinWatch.bootstrapFailed(addr, error)
      const tries = `${attempts} ${attempts === 1 ? 'try' : 'tries'}`
      if (hadConnections) {
        // every other peer left (the end of a run), or the network went: not a wrong address or key
        log(`no connection left; redialing bootstrap peer ${addr} failed (${tries}): ${error.name}: ${error.message}. It may have left the run; this peer waits for the others`)
        return
      }
      // a connection the other side closed right after the handshake: the error names the cause and the fix itself
      log(`warning: cannot connect to bootstrap peer ${addr} (${tries}): ${error.name}: ${error.message}` + (error.name === 'BootstrapConnectionDroppedError'
        ? ''
        : '. Check the address and that the peer runs; every peer needs the same --swarm-key, and an --allow-peers list on either side must name the other'))
    },
    // two processes connected here under one PeerId: one of them hears nothing (a copied identity.key)
    onSharedIdentity: ({ id, addrs }) => { warnShared(id, false, addrs.map((a) => a.join(', '))) }
  }).catch(async (err: unknown) => { await stepRunner?.close(); throw err })
  node.addEventListener('connection:open', () => { joinWatch.opened() })
  node.addEventListener('connection:close', (e) => { joinWatch.closed(Date.now() - e.detail.timeline.open) })
  const hardStop = new AbortController()
  let exchange: GossipExchange | undefined
  let membership: Membership | undefined
  try {
    const addrs = bootstrapAddrs(node)
    writeFileSync(join(init.dataDir, PEER_FILE), JSON.stringify({ peerId: identity.peerId, slot: init.slot, addrs, configHash: hash, runId: config.runId, pid: process.pid }, null, 2) + '\n')
    init.onListening?.({ peerId: identity.peerId, addrs })

    exchange = createGossipExchange({ libp2p: node }, {
      runId: config.runId,
      roundDeadlineMs: config.roundDeadlineMs,
      maxMessageBytes: maxFrameBytes(config.codec, algorithm.dim),
      // a pulled model is this model and no state: a larger announced size is refused before anything is allocated
      maxSyncBytes: syncBodyBytes(algorithm.dim),
      // every whole message is checked as a frame of this model before the algorithm sees it: a malformed,
      // mis-sized or non-finite one is rejected (counted in exchangeRejected, reported to onRejected below)
      frames: { dim: algorithm.dim, codec: config.codec, kinds: ACCEPTED_FRAME_KINDS[config.algo] },
      // a joiner starts its first round up to MAX_JOIN_LEAD rounds before its neighbours reach it: buffer that far ahead
      window: MAX_JOIN_LEAD + 2,
      maxEarlyMessages: EARLY_MESSAGES,
      sync: config.sync,
      // a peer breaking the protocol loses gossipsub score, and after a few faults is graylisted (its membership
      // heartbeats are dropped, so it times out of every round); faults that also arise between conforming peers
      // (differing membership views, load, a cancelled send) cost nothing
      onRejected: (peer, reason) => { if (!BENIGN_REASONS.has(reason)) penalizePeer(node, peer, `exchange:${reason}`) },
      // a stop ends the round's wait for the neighbours' messages at once, and the leaving round's: waiting for a
      // frozen neighbour (connection open, nothing sent) held a stopping peer for up to two round deadlines
      stopWaiting: init.stop
    })
    await exchange.start()
    exchange.serveModel(() => ({ round: algorithm.round, params: new Float32Array(algorithm.params) }))
    // summaries for observers (murmur watch); a peer does not subscribe, so it never receives other peers' summaries
    const telemetry = init.telemetryEvery === 0 ? undefined : createTelemetryPublisher({ pubsub: node.services.pubsub, log: node.logger.forComponent('murmur:node:telemetry') }, { runId: config.runId, seed: config.seed, every: init.telemetryEvery })
    membership = createMembership({ node }, { runId: config.runId, config, slot: init.slot, heartbeatMs: init.heartbeatMs })
    const m = membership
    m.addEventListener('refused', (e) => {
      log(`error: refused peer ${e.detail.id}: its run config differs: ${formatConfigDiff(e.detail.diff)}`)
    })
    m.addEventListener('slot-conflict', (e) => { log(slotConflictNote(e.detail, identity.peerId, config.peers)) })
    m.addEventListener('identity-conflict', (e) => {
      warnShared(e.detail.id, e.detail.self, e.detail.claims.map((c) => `slot ${c.slot} at ${c.addrs.join(', ')}`))
    })
    // a peer that announced its leave stops announcing after it: its timeout is no news (and no crash)
    const leavers = new Set<string>()
    // the round each member was a member from, as last heard: a peer heard joining again is no new peer
    const memberFrom = new Map<string, number>()
    m.addEventListener('joined', (e) => {
      const { id, slot, effectiveRound } = e.detail
      leavers.delete(id)
      const before = memberFrom.get(id)
      memberFrom.set(id, effectiveRound)
      const now = m.view().find((v) => v.id === id)?.round ?? effectiveRound
      // a member of before, restarted (a crash and --resume) or back after a leave, took a new round to join at; one
      // that went silent and is heard again (a freeze, a cut) kept its own. Both read as a new peer's join before
      if (before !== undefined) {
        log(before !== effectiveRound
          ? `peer ${id} (slot ${slot}) rejoins at round ${effectiveRound} (restarted, or back after leaving: it was a member from round ${before})`
          : `peer ${id} (slot ${slot}) is heard again: a member since round ${effectiveRound}, now at round ${now}`)
        return
      }
      // a member heard for the first time long after it joined (this peer is the newcomer): not a join of now
      log(now > effectiveRound + MAX_JOIN_LEAD
        ? `peer ${id} (slot ${slot}) is a member since round ${effectiveRound}, now at round ${now}`
        : `peer ${id} (slot ${slot}) joins at round ${effectiveRound}`)
    })
    m.addEventListener('left', (e) => { leavers.add(e.detail.id); log(`peer ${e.detail.id} leaves; gone from round ${e.detail.effectiveRound}`) })
    // no leave announced: it crashed, was killed or is cut off. Which slot, and the rounds (as the records count them:
    // the last it announced, a heartbeat behind its last record at most, and this peer's own) tell a reader of this
    // log which peer it was and when; it said only "went silent" before, which a killed peer's neighbours could not place
    m.addEventListener('timed-out', (e) => {
      if (leavers.delete(e.detail.id)) return
      const view = m.view()
      const v = view.find((x) => x.id === e.detail.id)
      const now = view.find((x) => x.self)?.lastSeen ?? e.detail.lastSeen
      const ago = `${((now - e.detail.lastSeen) / 1000).toFixed(1)} s ago`
      log(`peer ${e.detail.id} went silent: ${v === undefined ? `last heard ${ago}` : `slot ${v.slot}, its last heartbeat (${ago}) said round ${v.round}`}, ` +
        `no leave announced (crashed, killed or cut off); dropped from the membership at this peer's round ${algorithm.round}`)
    })
    m.addEventListener('stalled', (e) => { log(`this process did not run for ${(e.detail.ms / 1000).toFixed(1)} s (stopped, suspended or starved of CPU): members' silence over that time is not counted`) })
    // a resumed peer announces its checkpoint's round from its first announcement: the cohort of a restarting run
    // starts at the newest one heard (enterRun, cohortRound)
    if (resumed !== undefined) m.heartbeat(resumed.round, 'joining')
    await m.start()

    const waitStart = performance.now()
    const first = await enterRun(init, m, exchange, algorithm, resumed, joinWatch)
    let waitMs = performance.now() - waitStart
    if (first >= config.rounds) {
      log(resumed === undefined
        ? `the run is over: it ends at round ${config.rounds}, before this peer could take part; nothing to do`
        : `the run is over: it ends at round ${config.rounds}; this peer, resumed at round ${resumed.round}, has no round left to run`)
      await m.leave(first)
      log(lifeSummary(algorithm.round, 0, 0, config.rounds))
      return { peerId: identity.peerId, rounds: algorithm.round, firstRound: algorithm.round, roundsRun: 0, reason: 'rounds', accuracy: null, checkpoint: undefined, snapshotsSkipped: 0, snapshotError: undefined }
    }

    const lambdaCache = new Map<string, number>()
    const lambdaOf = (ids: readonly string[], graph: Graph): number => {
      const key = ids.join(',')
      let l = lambdaCache.get(key)
      if (l === undefined) {
        l = graph.n <= 512 ? describeTopology(graph, mixingMatrix(graph, config.weights)).lambda2 : NaN
        lambdaCache.set(key, l)
      }
      return l
    }

    let reason: PeerResult['reason'] = 'rounds'
    let lastRound = config.rounds - 1
    let leaving = false
    let bytesSent = 0
    let accuracy: number | null = null
    let checkpoint: string | undefined
    let skipped = 0
    let roundsRun = 0
    let round = first
    // --slowdown F (an experiment): the peer works as if its processor were F times slower. After each round it owes
    // F − 1 times the CPU time its main thread spent in the round (evaluation left out; with --train-thread worker
    // plus the local steps' time), and sleeps it at the start of the next round, before computing and sending, as a
    // slow processor would; the sleep counts as compute. The main thread's CPU time, not the round's busy wall time:
    // with neighbours running flat out (asynchronous gossip, 3 processes on 2 cores) the slowed peer's wall time
    // stretched with waiting for a core, was charged F − 1 times over, and it ran 4 to 5x slower than the others
    // instead of 3x; the process's CPU time charged the collector's helper threads too (5x). The wait for a core is
    // still there, once, as it is for every peer of a loaded host. Reading the neighbours' messages is charged as
    // well, which is why a lagging neighbour is sent only models it has moved on past (node/exchange latest.ts): sent
    // every round, a slower peer would read ever more of them, and the slowdown fed on itself.
    let shownNote: string | undefined
    // alone after forgetting the members it lost: the pace of its rounds with neighbours (RecentRoundTime)
    const withNeighbours = new RecentRoundTime()
    let alonePaceMs: number | undefined
    let lastWorkMs = 0
    const slowdown = init.slowdown ?? 1
    let owedMs = 0
    /** the graph of a round over the members alive now, slots in order */
    const topologyOf = (r: number): ReturnType<typeof m.topologyAt> => m.topologyAt(r, config.topology, config.seed, { rows: config.rows, order: 'slot' })
    for (; round <= lastRound; round++) {
      if (!leaving && init.stop.aborted) {
        // announce at once that this round is our last, so neighbours drop us from the next one; it still sends its
        // message (a neighbour that starts the round before hearing the leave waits for it) but waits for none of
        // theirs (stopWaiting)
        leaving = true
        lastRound = round
        reason = reason === 'accuracy' ? reason : 'stopped'
        await m.leave(round)
        // rounds as the records count them (the one under way is round + 1), as the neighbours' 'gone from round' does
        log(`leaving after round ${round + 1}`)
      }
      // a round without neighbours never waits on I/O: yield so signals, timers and heartbeats still run
      await setImmediate()
      const t0 = performance.now()
      let slowMs = 0
      if (owedMs > 0) {
        // a request to stop ends the sleep: at F = 20 it can last a minute
        await sleep(owedMs, undefined, { signal: init.stop }).catch(() => {})
        slowMs = performance.now() - t0
      }
      // the round's CPU time is counted from after the sleep: what runs during it (heartbeats, a joiner's or a dead
      // peer's connections) is not this round's work, and charged F − 1 times over it made the next sleep longer still
      // (a softmax round after a join slept 55 s at F = 20)
      const cpu0 = process.threadCpuUsage()
      // cut off from most of the run (its own network failed, the likelier story): hold this round instead of
      // training alone, so that on reconnecting it catches up with the run rather than pulling the run forward.
      // Asynchronous peers too: they go at their own pace, but alone one would fit its own shard, not the run's model.
      // The round's topology is read first and the cut checked after: members that time out between the two reads
      // (an asynchronous round takes well under a millisecond) are then held for, never trained without
      let topo = topologyOf(round)
      if (!leaving) {
        const held = await holdWhileCutOff(m, round, init.stop, log)
        if (held.ms > 0) topo = topologyOf(round)
        waitMs += held.ms
        if (held.forgot && m.reach().reachable === 1 && withNeighbours.medianMs() !== undefined) {
          alonePaceMs = withNeighbours.medianMs()
          log(`until it hears the run again it keeps the run's pace before the cut, ${(alonePaceMs ?? 0).toFixed(1)} ms a round, so that its round stays near theirs`)
        }
      }
      // asynchronous peers are expected to drift apart: a slow one goes on at its own pace instead of skipping
      const ahead = leaving || config.sync === 'async' ? undefined : catchUpRound(m.view(), topo.neighbours(), round)
      if (ahead !== undefined && Math.min(ahead, lastRound) > round) {
        const to = Math.min(ahead, lastRound)
        log(`behind the run: a neighbour is at round ${ahead}; skipping rounds ${round} to ${to - 1}`)
        skipped += to - round
        round = to
        topo = topologyOf(round)
      }
      // members the spec has no graph for (a torus of a prime count, a hypercube of 6): the nearest graph, said once
      if (topo.note !== shownNote) {
        log(topo.note !== undefined ? `round ${round}, ${topo.ids.length} members: ${topo.note}` : `round ${round}, ${topo.ids.length} members: ${config.topology} again`)
        shownNote = topo.note
      }
      if (alonePaceMs !== undefined) {
        if (topo.ids.length > 1) {
          alonePaceMs = undefined
          log(`round ${round}: with ${topo.ids.length - 1} other members again; back to its own pace`)
        } else if (lastWorkMs < alonePaceMs) {
          const pause = alonePaceMs - lastWorkMs
          await sleep(pause)
          waitMs += pause
        }
      }
      const neighbours = topo.neighbours()
      let maxDeg = 0
      for (const adj of topo.graph.adjacency) maxDeg = Math.max(maxDeg, adj.length)
      exchange.setNeighbours(neighbours, neighbours.length, maxDeg)
      const unwatch = leaving || config.sync === 'async' ? undefined : endWhenOvertaken(m, exchange, neighbours, round)
      let report
      try {
        report = await algorithm.runRound(round, exchange, hardStop.signal)
      } finally {
        unwatch?.()
      }
      if (!leaving) m.heartbeat(round + 1, 'active')
      roundsRun++
      lastWorkMs = report.computeMs + report.commMs
      if (neighbours.length > 0) withNeighbours.observe(lastWorkMs)
      bytesSent += report.bytesSent
      const done = round + 1
      const evaluating = training.evaluate !== undefined && (done === config.rounds || (init.evalEvery > 0 && done % init.evalEvery === 0))
      let testLoss: number | null = null
      let acc: number | null = null
      const evalStart = performance.now()
      if (evaluating && training.evaluate !== undefined) {
        const ev = training.evaluate(algorithm.params, init.evalLimit)
        acc = ev.accuracy
        testLoss = ev.loss
        accuracy = acc
      }
      const evalMs = performance.now() - evalStart
      if (init.snapshotEvery > 0 && (done % init.snapshotEvery === 0 || done === config.rounds)) snapshots.write(done, algorithm.params)
      const stats = exchange.stats()
      const traffic: PeerRecord['traffic'] = {}
      for (const id of neighbours) {
        const t = stats.peers[id]
        traffic[id] = { in: t?.bytesIn ?? 0, out: t?.bytesOut ?? 0 }
      }
      const rowSum = report.row.self + report.row.neighbours.reduce((s, x) => s + x.weight, 0)
      const cpu = process.threadCpuUsage(cpu0)
      const cpuMs = (cpu.user + cpu.system) / 1000
      const record: PeerRecord = {
        peerId: identity.peerId,
        slot: init.slot,
        round: done,
        trainLoss: report.trainLoss,
        accuracy: acc,
        testLoss,
        bytesSent,
        bytesThisRound: report.bytesSent,
        traffic,
        members: topo.ids.length,
        neighbours,
        received: report.received,
        missing: report.missing,
        stale: report.stale,
        rejected: { ...report.rejected },
        exchangeRejected: Object.fromEntries(Object.entries(stats.rejected).filter(([, v]) => v > 0)),
        skipped,
        ...(snapshots.skipped > 0 ? { snapshotsSkipped: snapshots.skipped } : {}),
        row: report.row,
        rowSum,
        lambda2: lambdaOf(topo.ids, topo.graph),
        computeMs: report.computeMs + slowMs,
        commMs: report.commMs,
        waitMs,
        cpuMs,
        roundMs: performance.now() - t0,
        elapsedMs: performance.now() - start,
        time: Date.now()
      }
      waitMs = 0
      if (slowdown > 1) owedMs = (slowdown - 1) * Math.max(0, cpuMs - evalMs + (stepRunner !== undefined ? report.computeMs : 0))
      appendRecord(init.dataDir, record)
      // after the round's record: a kill between the two leaves a record newer than the checkpoint, never a
      // checkpoint of a round the metrics never saw (a restart then resumes at most K rounds behind its last record)
      if (init.checkpointEvery > 0 && done % init.checkpointEvery === 0) checkpoint = saveCheckpoint(init, config, hash, algorithm)
      init.onRound?.(record)
      telemetry?.round(record, algorithm.params)
      if (!leaving && init.untilAccuracy !== undefined && acc !== null && acc >= init.untilAccuracy) {
        log(`reached accuracy ${(acc * 100).toFixed(2)} % (target ${(init.untilAccuracy * 100).toFixed(2)} %) at round ${done}`)
        reason = 'accuracy'
        leaving = true
        // one more round (so the neighbours hear of it before their next graph), but never past the run's last
        lastRound = Math.min(round + 1, config.rounds - 1)
        await m.leave(lastRound)
      }
    }
    // the run's last round is done: say so, so that neighbours and observers see a peer that left, not one gone silent
    if (!leaving) await m.leave(lastRound).catch((err: Error) => { log(`warning: could not announce leaving: ${err.message}`) })
    checkpoint = saveCheckpoint(init, config, hash, algorithm)
    log(`checkpoint ${checkpoint}`)
    // the last round's messages reach the neighbours before the node goes away: those still in that round wait for
    // them. Until each neighbour has read to the end of its stream, at most a second (a frozen neighbour never
    // does). It was a fixed second before, most of a healthy stop; a sent message is not yet a read one (a node
    // stopped right after an 8 MB send returned cut the message short in 2 of 4 stops).
    const lingerMs = Math.min(config.roundDeadlineMs, LAST_SENDS_MS)
    if (!await exchange.finishSends(AbortSignal.timeout(lingerMs))) log(`a neighbour did not read this peer's last message within ${lingerMs} ms (frozen or slow); closing anyway`)
    log(lifeSummary(first, roundsRun, skipped, config.rounds, algorithm.round))
    return { peerId: identity.peerId, rounds: algorithm.round, firstRound: first, roundsRun, reason, accuracy, checkpoint, snapshotsSkipped: snapshots.skipped, snapshotError: snapshots.firstError }
  } finally {
    hardStop.abort()
    await membership?.stop().catch(() => {})
    await exchange?.stop().catch(() => {})
    await Promise.resolve().then(async () => { await node.stop() }).catch(() => {})
    await stepRunner?.close().catch(() => {})
    training.dispose()
  }
}

/** SameRunDataDirError's message: what the folder holds of this run, that nothing was touched, and the two ways on */
function sameRunMessage (dir: string, config: RunConfig, hash: string, slot: number, e: EarlierLife): string {
  const held = [
    ...(e.lastRound !== undefined ? [`metrics up to round ${e.lastRound}`] : []),
    ...(e.checkpointRound !== undefined ? [`checkpoints up to round ${e.checkpointRound}`] : []),
    ...(e.snapshots > 0 ? [`${e.snapshots} ${e.snapshots === 1 ? 'snapshot' : 'snapshots'}`] : [])
  ]
  return `${dir} holds this peer's records of this same run (run '${config.runId}', config ${hash.slice(0, 12)}, --shard ${slot}/${config.peers}: ${held.length > 0 ? held.join(', ') : `its ${METRICS_FILE}`}), ` +
    'and this start has no --resume. Nothing was moved or deleted. To go on in the run, add --resume: the peer continues from its newest checkpoint ' +
    `(into a run still going, with the run's current model, as a joiner) and appends to its ${METRICS_FILE}, so a report merged over the peers' folders keeps its earlier rounds. ` +
    `To start this peer afresh on purpose, add --fresh (its metrics and checkpoints are then moved to ${join(dir, PREVIOUS_DIR)}/<time>/ and its snapshots deleted), or give it another --data-dir`
}

/**
 * The last log line of a life: the rounds it ran (numbered as the records count them, round r done → r + 1) and
 * the round reached, which after --resume or a join is not the rounds run.
 */
function lifeSummary (first: number, ran: number, skipped: number, rounds: number, reached = first + ran + skipped): string {
  return `this life: ${ran} round${ran === 1 ? '' : 's'} run${ran > 0 ? ` (rounds ${first + 1} to ${reached})` : ''}, round ${reached} of ${rounds} reached` +
    (skipped > 0 ? `, ${skipped} skipped to catch up with the run` : '') +
    (first > 0 ? `; it started at round ${first}` : '')
}

/**
 * While round `round` waits for its neighbours, ends the wait once one of them is heard at least two rounds ahead
 * (catchUpRound): it went past this round without this peer's message, so the rest will not come, and waiting out
 * the deadline would keep it waiting for ours in turn. The next round then skips to it. Seen after a freeze longer
 * than the membership timeout: the woken peer waited out its stale round while its neighbours, hearing it again,
 * waited for it. Returns what stops the watch.
 */
function endWhenOvertaken (m: Membership, exchange: GossipExchange, neighbours: readonly string[], round: number): () => void {
  const timer = setInterval(() => {
    if (catchUpRound(m.view(), neighbours, round) !== undefined) exchange.endRound()
  }, POLL_MS)
  return () => { clearInterval(timer) }
}

/**
 * Holds round `round` while this peer is cut off from most of the run (membership cutOff): it keeps announcing
 * itself and listening, and goes on when it hears the run again (then catchUpRound takes it to their round) or
 * once it has forgotten the silent members (10 membership timeouts: they crashed, and it goes on with the rest),
 * or at a stop. Returns the time held (ms), and whether it forgot them.
 */
async function holdWhileCutOff (m: Membership, round: number, stop: AbortSignal, log: (line: string) => void): Promise<{ ms: number, forgot: boolean }> {
  const first = m.reach()
  if (!cutOff(first)) return { ms: 0, forgot: false }
  let r = first
  const t0 = performance.now()
  log(`cut off from ${r.lost} of the run's ${r.lost + r.reachable} members at once (this peer's network, more likely than theirs): ` +
    `holding at round ${round} instead of training alone, until they are heard again or forgotten (once their hosts refuse ${REFUSED_DIALS_TO_FORGET} redials: ` +
    `crashed; or ${Math.round(FORGET_AFTER_TIMEOUTS * m.timeoutMs / 1000)} s after they went silent)`)
  while (cutOff(r) && !stop.aborted) {
    await sleep(POLL_MS)
    r = m.reach()
  }
  const s = ((performance.now() - t0) / 1000).toFixed(1)
  const ms = performance.now() - t0
  if (stop.aborted) {
    log(`stopped while holding at round ${round} (${s} s)`)
    return { ms, forgot: false }
  }
  if (r.reachable > first.reachable) {
    log(`hearing the run again after holding ${s} s: ${r.reachable - 1} other members heard, ${r.lost} still silent`)
    return { ms, forgot: false }
  }
  log(`held ${s} s and forgot the ${first.lost} silent members (crashed, or out of reach): going on with the ${r.reachable} heard`)
  return { ms, forgot: true }
}

/** `config` is the run's with its model's dim (withModelDim), whose hash is `hash` */
function saveCheckpoint (init: PeerInit, config: RunConfig, hash: string, algorithm: PeerAlgorithm): string {
  // the slot too: a --resume in another slot is refused (resume.ts)
  return writeCheckpoint(join(init.dataDir, CHECKPOINT_DIR), { configHash: hash, round: algorithm.round, writtenAt: Date.now(), config: agreedConfig(config), slot: init.slot, state: algorithm.exportState() })
}

/**
 * Decides the first round. A running run (someone is active): pull the model of the most advanced active
 * member in full precision, join at R + lead. A new run: join round 0 once `config.peers` members in distinct slots are heard,
 * once this peer's start timeout passes, or as soon as any live peer has fixed its first round (its own count or
 * timeout came first): one peer's decision starts everyone it reaches, so peers whose timeouts differ (they started at
 * different times) still start as one cohort instead of one by one. Then settle(), so that the first round's topology
 * is the same everywhere. A whole run restarting with --resume does the same at the newest checkpoint's round heard
 * (cohortRound) instead of 0; a peer whose checkpoint is older, or that has none, first takes the model of a peer at
 * that round (catchUpWithCohort), so that no one trains the rounds between alone while the others wait for it.
 */
async function enterRun (init: PeerInit, m: Membership, exchange: GossipExchange, algorithm: PeerAlgorithm, resumed: Resumed | undefined, joinWatch: JoinWatch): Promise<number> {
  const { config, log } = init
  const waitStart = performance.now()
  const noPeer = { runId: config.runId, peerId: m.selfId, peers: config.peers, bootstrap: init.bootstrap }
  let noteAt = 0
  // hear the others for two heartbeats before deciding, and how fast a running run advances (pace.ts)
  const pace = new RoundPace(m.heartbeatMs / 2)
  const listened = performance.now() + 2 * m.heartbeatMs
  while (performance.now() < listened && !init.stop.aborted) {
    pace.observe(m.view())
    await sleep(POLL_MS)
  }
  const deadline = performance.now() + init.startTimeoutMs
  // joined through --bootstrap and refused by every peer heard: stop after a grace, not at the start timeout (mismatch.ts)
  const graceMs = mismatchGraceMs(m.timeoutMs)
  const mismatch = createMismatchWatch({ graceMs, stopEarly: init.bootstrap.length > 0 })
  for (;;) {
    if (init.stop.aborted) throw new JoinFailedError('stopped before joining the run')
    // a member heard past the last round: the run is over (the caller says so and leaves)
    if (m.maxRoundSeen() >= config.rounds) return m.maxRoundSeen()
    pace.observe(m.view())
    // peers that announced leaving are neither a cohort to start with nor a model to pull
    const others = m.view().filter((v) => !v.self && v.live && v.state !== 'leaving')
    const active = others.filter((v) => v.state === 'active')
    const heardRefusing = m.refusals()
    const refused = mismatch.check(others.length, heardRefusing, performance.now())
    // refused by every peer heard: the mismatch note says when it stops, and the waiting note would contradict it
    const stoppingEarly = init.bootstrap.length > 0 && others.length === 0 && heardRefusing.length > 0
    if (refused.began && stoppingEarly) log(mismatchNote(heardRefusing, graceMs))
    if (refused.error !== undefined) throw refused.error
    if (active.length > 0) {
      // a run heard for the first time: its pace needs a member's second announcement (at most two more heartbeats)
      const paced = performance.now() + 2 * m.heartbeatMs
      while (pace.roundsPerMs() === undefined && performance.now() < paced && !init.stop.aborted) {
        await sleep(POLL_MS)
        pace.observe(m.view())
      }
      const source = active.sort((a, b) => b.round - a.round)[0]
      const signal = AbortSignal.any([init.stop, AbortSignal.timeout(PULL_TIMEOUT_MS)])
      let snapshot
      try {
        snapshot = await exchange.pullModel(source.id, { signal, expectedDim: algorithm.dim })
      } catch (err) {
        throw new JoinFailedError(`could not pull the model from ${source.id}: ${(err as Error).message}`)
      }
      // Join far enough ahead that every member hears the announcement before it reaches that round: a fixed
      // lead of two rounds is passed in milliseconds by a fast run, and then everyone waits out deadlines.
      // The lead never takes the joiner past the run's last round while there is a round left to join.
      const lead = Math.min(MAX_JOIN_LEAD, 2 + Math.ceil((pace.roundsPerMs() ?? 0) * JOIN_LEAD_MS))
      const now = Math.max(snapshot.round, m.maxRoundSeen())
      // no round left to join (or a served round past the run's end): the caller says the run is over and leaves
      if (now + 2 >= config.rounds) return config.rounds
      const round = await m.join(Math.min(now + lead, config.rounds - 1))
      const state = algorithm.exportState()
      algorithm.importState(resumed === undefined ? { ...state, round, params: snapshot.params } : rejoinState(state, snapshot.params, round))
      log(`joining a running run at round ${round} with the model of ${source.id} (its round ${snapshot.round})` +
        (resumed === undefined ? '' : `; resumed from the checkpoint of round ${resumed.round}, ${snapshot.round - resumed.round} rounds behind it`))
      return round
    }
    // another peer fixed its first round (0; in a restart with --resume, the newest checkpoint's round it heard):
    // the one that fixed the latest
    const started = others.filter((v) => v.state === 'joining' && v.since !== undefined).sort((a, b) => (b.since as number) - (a.since as number))[0]
    const timedOut = performance.now() >= deadline
    // a full cohort fills the run's slots: two peers in one slot (a --shard typed twice) leave a shard untrained,
    // so they count once, and the cohort waits for the empty slot (or the timeout) while the slot conflict is logged
    const slots = new Set([init.slot, ...others.map((v) => v.slot)])
    if (slots.size >= config.peers || started !== undefined || timedOut) {
      const refusals = m.refusals()
      if (others.length === 0 && refusals.length > 0) throw configMismatchError(refusals, performance.now() - waitStart)
      // told to join through --bootstrap and never heard anyone: a misconfiguration, not a run of one
      if (others.length === 0 && config.peers > 1 && init.bootstrap.length > 0) {
        throw new JoinFailedError(noPeerMessage(joinWatch, { ...noPeer, waitedMs: performance.now() - waitStart }))
      }
      // a new run starts at 0; a whole run restarting with --resume at the newest checkpoint's round heard, which
      // every resumed peer announces while it waits (cohortRound): a crash between two checkpoints leaves some peers
      // one behind, and starting each at its own would leave them training those rounds alone while the rest wait
      const own = resumed?.round ?? 0
      const target = cohortRound(m.view(), own)
      const heard = `${others.length + 1} of ${config.peers} peers heard here`
      if (started !== undefined && started.since !== target) {
        log(`peer ${started.id} has fixed round ${started.since} of the run before hearing the newest checkpoint (${heard}): starting at round ${target}, where it catches up`)
      } else if (others.length + 1 < config.peers) {
        log(started !== undefined
          ? `peer ${started.id} has fixed round ${target} of the run (${heard}); joining it`
          : `start timeout: fixing round ${target} with ${others.length + 1} of ${config.peers} peers heard${handshakeFailuresNote(joinWatch)}`)
      }
      // behind the cohort (or no checkpoint at all): the model of a peer at its round, before joining, so that the
      // cohort, which waits for this peer's join (settle), has not moved on yet
      const start = target > own ? await catchUpWithCohort(init, m, exchange, algorithm, resumed, target) : own
      await m.join(start)
      // a peer of the cohort that fixed a later round while this one waited (its checkpoint newer, not heard before)
      const round = await settle(init, m, start)
      const first = round > start ? await catchUpWithCohort(init, m, exchange, algorithm, resumed, round) : start
      const members = m.membersAt(first).length
      if (members < config.peers) log(`warning: starting with ${members} of ${config.peers} peers`)
      return first
    }
    // a wait for the cohort says how it goes (at once, then every WAIT_NOTE_MS), with the likely causes while no one is heard
    if (performance.now() >= noteAt && !stoppingEarly) {
      noteAt = performance.now() + WAIT_NOTE_MS
      const heard = others.map((v) => `slot ${v.slot}`).join(', ')
      const empty = others.length + 1 > slots.size ? `; slots still empty: ${Array.from({ length: config.peers }, (_, i) => i).filter((i) => !slots.has(i)).join(', ')}` : ''
      log(`waiting for the run's ${config.peers} peers: ${others.length + 1} heard (this one${heard === '' ? '' : ', ' + heard})${empty}; ` +
        `the run starts when all are heard or in ${Math.max(0, Math.round((deadline - performance.now()) / 1000))} s (--start-timeout)` + handshakeFailuresNote(joinWatch) +
        (others.length === 0 && init.bootstrap.length > 0 && performance.now() - waitStart >= WAIT_NOTE_MS ? `. No peer heard yet: ${noPeerCauses(joinWatch, noPeer)}` : ''))
    }
    await sleep(POLL_MS)
  }
}

/**
 * After joining round `round` of a new run (0, or a restarting run's checkpoint round): wait until `config.peers`
 * members of that round are seen, at most SETTLE_HEARTBEATS heartbeats. Waiting for the full count, not for the
 * peers heard when joining, matters to a peer that follows another's decision moments after starting: it may have
 * heard only that one peer yet, and starting then would give it a round-0 topology of two. A cohort that cannot be
 * completed starts when the wait ends, every member within about a heartbeat of the others; a peer heard only later
 * joins the running run. A peer of the cohort fixing a later round meanwhile (laterCohortStart: a restarting run
 * whose newer checkpoints were not heard when this peer decided) moves the wait to that round, which it returns.
 */
async function settle (init: PeerInit, m: Membership, round: number): Promise<number> {
  const until = performance.now() + SETTLE_HEARTBEATS * m.heartbeatMs
  let target = round
  for (;;) {
    target = Math.max(target, laterCohortStart(m.view(), round) ?? round)
    if (m.membersAt(target).length >= init.config.peers || performance.now() >= until || init.stop.aborted) return target
    await sleep(POLL_MS)
  }
}

/**
 * A run restarting with --resume starts at round `target`, the newest checkpoint's among its peers, and this peer's is
 * older (or it has none): it takes the model of a peer starting at `target` in full precision and skips the rounds
 * between, as a resumed peer joining a running run does (rejoinState: its own minibatch position and CHOCO copies
 * kept). Its own rounds up to its crash were mixed into that model already, and the rounds between would otherwise
 * be trained alone while the rest waited for it. Returns the round to start at (the model's: `target` unless that
 * peer has started meanwhile). A failed pull: a resumed peer goes on from its own checkpoint's model, one without
 * a checkpoint fails with JoinFailedError, as a joiner of a running run does.
 */
async function catchUpWithCohort (init: PeerInit, m: Membership, exchange: GossipExchange, algorithm: PeerAlgorithm, resumed: Resumed | undefined, target: number): Promise<number> {
  const { log } = init
  const own = algorithm.round
  const sources = m.view().filter((v) => !v.self && v.live && v.state !== 'leaving' && Math.max(v.round, v.since ?? 0) >= target)
    .sort((a, b) => Number(b.since === target) - Number(a.since === target))
  const errors: string[] = []
  for (const source of sources) {
    const signal = AbortSignal.any([init.stop, AbortSignal.timeout(PULL_TIMEOUT_MS)])
    let snapshot
    try {
      snapshot = await exchange.pullModel(source.id, { signal, expectedDim: algorithm.dim })
    } catch (err) {
      if (init.stop.aborted) throw new JoinFailedError('stopped before joining the run')
      errors.push(`${source.id}: ${(err as Error).message}`)
      continue
    }
    // a peer that announced the round serves its model at that round, or a later one once it has started
    if (snapshot.round < target) { errors.push(`${source.id}: served round ${snapshot.round}`); continue }
    const round = snapshot.round
    const state = algorithm.exportState()
    algorithm.importState(resumed === undefined ? { ...state, round, params: snapshot.params } : rejoinState(state, snapshot.params, round))
    m.heartbeat(round, 'joining')
    log(resumed === undefined
      ? `the run restarts at round ${target}, where its peers' checkpoints are, and this peer has none: starting there with the model of ${source.id} (its round ${round})`
      : `the run restarts at round ${target}, the newest checkpoint of its peers; this peer's ${own === resumed.round ? 'checkpoint of ' : ''}round ${own} is ${target - own} rounds behind it: ` +
        `skipping rounds ${own} to ${round - 1} with the model of ${source.id} (its round ${round})`)
    return round
  }
  const why = sources.length === 0 ? 'no live peer at that round heard' : errors.join('; ')
  if (resumed === undefined) throw new JoinFailedError(`could not pull the model of round ${target} of the restarting run: ${why}`)
  algorithm.importState({ ...algorithm.exportState(), round: target })
  m.heartbeat(target, 'joining')
  log(`warning: the run restarts at round ${target}, the newest checkpoint of its peers, ${target - own} rounds past this peer's; pulling a model of that round failed (${why}): ` +
    `skipping rounds ${own} to ${target - 1} with its own model`)
  return target
}
