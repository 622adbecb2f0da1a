/**
 * A local cluster: N real `murmur peer` processes on 127.0.0.1, the first as bootstrap, optional churn,
 * then the merged metrics in the simulator's schema, a summary and plots.
 *
 *   murmur cluster --peers 4 --rounds 200 --out runs/c4 [run options of murmur peer] [--churn "kill:3@50,leave:5@60,join:2@80"]
 *
 * OUT/run.json is the shared run config, OUT/peer-i/ each peer's data dir (metrics.jsonl, snapshots/,
 * checkpoints/, log.txt), OUT/metrics.jsonl the merged metrics (one object a round), OUT/summary.json.
 */
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { appendFileSync, closeSync, existsSync, fstatSync, openSync, readdirSync, readFileSync, readSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs'
import { constants } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { setTimeout as sleep } from 'node:timers/promises'
import { formatHelp, getBoolean, getOptionalNumber, getOptionalString, parseArgs, UsageError } from '../node/cli/args.ts'
import { checkOutFolder, CliError, describeFailure, SIGNAL_REPEAT_MS } from '../node/cli/command.ts'
import type { CommandSpec, OptionSpec } from '../node/cli/args.ts'
import { ACCESS_OPTIONS, configFromArgs, NETWORK_RUN_OPTIONS, resolveNetworkRunConfig, withoutSimOnlyFields } from '../node/cli/experiment-options.ts'
import { HEARTBEAT_BOUNDS, TRAIN_THREAD_OPTION, trainThread, whenParentGone } from '../node/cli/commands/peer.ts'
import { createProgress } from '../node/cli/progress.ts'
import { makeFolder } from '../node/fs/make-folder.ts'
import type { RunConfig } from '../lib/experiment/index.ts'
import { archivePreviousRun, LOCK_FILE, lockDataDir, PEER_FILE, PREVIOUS_DIR, readLastRecord } from '../node/peer/index.ts'
import { loadOrCreateIdentity, readAllowlist } from '../node/p2p/index.ts'
import { mergeCluster } from './lib/cluster-merge.ts'
import type { TimeShare } from './lib/cluster-merge.ts'
import { churnLine, churnSkipReason, churnText, parseChurn } from './lib/churn.ts'
import { createClusterTargetWatch } from './lib/cluster-target.ts'
import { watchCommandLine } from '../node/watch/index.ts'
import { parseSlowdown } from './lib/slowdown.ts'
import { buildLiveGraph } from '../topologies/index.ts'
import type { ChurnEvent } from './lib/churn.ts'

const MURMUR = fileURLToPath(new URL('../node/bin/murmur.js', import.meta.url))
/**
 * V8 flags of every peer process, which is what lets 32 peers share one machine (measured with 16 MNIST peers,
 * CHOCO-SGD: peak 267 MB a peer without the old-space cap, 198 MB with it). A young generation of 2 MB instead
 * of V8's 16 to 32 MB keeps a lone peer near 190 MB instead of 250; but then message buffers are promoted early
 * and pile up as old garbage (heap 45 -> 82 MB, array buffers 16 -> 76 MB) until a major GC, which V8 puts off
 * while the heap may still grow: a 128 MB old space (the live heap is about 50 MB; models and messages live
 * outside it, in array buffers) makes it collect in time. The time a round computes did not change measurably.
 * But with that cap V8 starts with an old-space limit near the live heap, and a peer running flat out (asynchronous
 * gossip) did a mark-compact every 5 to 7 rounds, its collector threads taking 6 to 7 ms a round: an initial old
 * space of 100 MB cut that to 8 mark-compacts a run and raised the async bench from 1.84-1.96x to 2.00-2.09x
 * (4 interleaved pairs), for 211 instead of 195 MB peak a peer with 16 MNIST peers.
 * Set by hand: node --max-semi-space-size=2 --max-old-space-size=128 --initial-old-space-size=100 node/bin/murmur.js peer ...
 * (NODE_OPTIONS refuses --initial-old-space-size)
 * Under this cap murmur's CLI leaves V8's external-memory accounting as it is (node/p2p/gc.ts: with it, a capped
 * peer holding its data and wasm memory outside the heap collected without end).
 */
const PEER_NODE_FLAGS = ['--max-semi-space-size=2', '--max-old-space-size=128', '--initial-old-space-size=100']
/**
 * glibc gives every thread that mallocs its own arena (up to 8 a core); a peer's message buffers then spread over
 * many half-empty arenas. Two arenas: 276 instead of 302 MB peak for 3 MNIST peers (measured), no slowdown seen.
 * MURMUR_CLUSTER=1 tells `murmur peer` that a local cluster started it: it then leaves out its note that a loopback
 * --listen accepts connections from this machine only, which is the point of a local cluster (node/cli/commands/peer.ts).
 */
const peerEnv = (): NodeJS.ProcessEnv => ({ ...process.env, MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? '2', MURMUR_CLUSTER: '1' })

const options: OptionSpec[] = [
  { name: 'out', type: 'string', placeholder: 'DIR', description: 'output folder; one that holds a run (run.json, metrics.jsonl or summary.json), or with --allow-peers an allow-peers.txt murmur did not write (the cluster writes its merged allowlist there), is refused without --force; a start that fails before any round (the bootstrap peer exits before it listens) removes what it wrote there (default: runs/cluster-<time>)' },
  { name: 'force', type: 'boolean', description: 'run in an --out DIR that holds a run: its metrics.jsonl, summary.json, run.json, plots, report.html and peer-N-report.html are removed first; peer-0 to peer-(--peers − 1) keep their identity and move their earlier files to their previous/; every other peer-N folder (an earlier, larger run\'s) is deleted. Refused, with nothing removed, when such a folder holds a file murmur did not write or a live peer' },
  ...NETWORK_RUN_OPTIONS.map((o) => o.name !== 'attack' ? o : { ...o, description: 'EXPERIMENTS ONLY: the --attackers peers send signflip, gaussian:SIGMA, alie[:Z], ipm[:EPS] or nan instead of their model (needs --attackers)' }),
  { name: 'attackers', type: 'string', placeholder: 'N|I,J,...', description: 'with --attack: how many peers attack (chosen from the seed, as in murmur sim), or their slots as a list (3,7; one slot: 3,); the others are honest, and the averaged model and the accuracy figures are theirs' },
  ...ACCESS_OPTIONS,
  { name: 'churn', type: 'string', placeholder: 'EVENTS', description: 'kill:I@R (SIGKILL slot I at round R), leave:I@R (SIGTERM), join:K@R (start K new peers), restart:I@R (SIGKILL, then restart slot I with --resume and the same data dir; needs --checkpoint-every), comma-separated. R: up to --rounds for kill and leave (on the last round they stop a peer still behind), below --rounds for join and restart (a new peer needs rounds left). I: 1 to --peers − 1; slot 0 is the bootstrap peer (the others joined through it, murmur watch dials it) and is never churned. An event is applied once a peer has recorded round R (later on a fast run: the churn line says so), and not at all once the run, or the targeted peer, is past its last round' },
  TRAIN_THREAD_OPTION,
  { name: 'slowdown', type: 'string', placeholder: 'SLOT:F[,...]', description: 'an experiment: the peer in SLOT sleeps F−1 times the CPU time each round took it, as if F times slower (murmur peer --slowdown)' },
  { name: 'heartbeat', type: 'int', ...HEARTBEAT_BOUNDS, placeholder: 'MS', description: `membership heartbeat of every peer (default: 500, or 50 × peers when that is longer, at most ${HEARTBEAT_BOUNDS.max})` },
  { name: 'snapshot-every', type: 'int', min: 0, placeholder: 'N', description: 'peers snapshot their parameters every N rounds for the merged accuracy and consensus (default: --eval-every)' },
  { name: 'checkpoint-every', type: 'int', min: 0, default: 0, placeholder: 'N', description: 'peers checkpoint every N rounds' },
  { name: 'until-accuracy', type: 'number', min: 0, max: 1, placeholder: 'A', description: 'stop the run (every peer leaves gracefully) at the first snapshot round whose averaged model reaches this test accuracy (tested here, from the peers\' snapshots)' },
  { name: 'timeout', type: 'int', min: 1, default: 3600, placeholder: 'S', description: 'give up (SIGKILL everything) after this many seconds' },
  { name: 'quiet', type: 'boolean', description: 'no progress line' }
]

/**
 * The heartbeat of n peers without --heartbeat (ms). Every heartbeat reaches every peer, signed and verified, so the
 * membership's cost grows with the square of the peers on one host: 10 idle peers at 500 ms used 1.3 cores here, and
 * 32 timed each other out for ever before round 0. At 50 ms a peer (1.6 s for 32) they start and train; the silence
 * timeout scales with it. Capped at the most murmur peer --heartbeat takes (reached at 1,200 peers), which every
 * peer would otherwise refuse.
 */
export function defaultHeartbeat (peers: number): number {
  return Math.min(HEARTBEAT_BOUNDS.max, Math.max(500, 50 * peers))
}

/**
 * The topology as the peers build it over the run's peers: its spec, and what they build instead when the spec has
 * no graph on that many (a torus on a prime count is a ring, a hypercube on a count not a power of two incomplete).
 */
export function topologyLabel (config: RunConfig): string {
  const { note } = buildLiveGraph(config.topology, config.peers, { seed: config.seed, rows: config.rows })
  return note === undefined ? config.topology : `${config.topology} (${note})`
}

export const CLUSTER_SPEC: CommandSpec = {
  name: 'cluster',
  summary: 'start N real murmur peer processes on 127.0.0.1, apply churn, merge their metrics, write a summary and plots',
  details: 'SIGINT or SIGTERM: every peer leaves gracefully (ends its round, checkpoints), the merge still runs, the summary ends with the round the run ' +
    'stopped at, summary.json records it (stopped), and the exit code is 128 + the signal\'s number; again: the peers are killed. There is no ' +
    'murmur cluster --resume: to go on, start the peers again with murmur peer --resume on their folders (README, "murmur cluster").',
  options,
  examples: [
    'murmur cluster --peers 4 --rounds 300 --out runs/c4',
    'murmur cluster --peers 16 --algo choco --codec topk:0.01 --gamma 0.05 --lr 0.02 --rounds 1000 --out runs/c16',
    'murmur cluster --peers 8 --algo gossip --rounds 100 --churn "kill:3@30,join:1@50" --out runs/churn',
    'murmur cluster --peers 8 --algo dpsgd --aggregate trimmed:1 --attack signflip --attackers 1 --rounds 200 --out runs/byz'
  ]
}

interface Proc {
  slot: number
  child: ChildProcess
  dataDir: string
  /** the size of its log.txt when this life started: what follows is this life's */
  logFrom: number
  exited: Promise<number | null>
  exitCode?: number | null
  signal?: string | null
  peakRssKb: number
  restarts?: number
  /** the round of its last record when it was (re)started: a restarted peer keeps its earlier life's records */
  startRound: number
  /** started into the running run (a joiner, a restart): not in it until it records a round after startRound */
  late: boolean
  stoppedWaiting?: boolean
  /** SIGKILLed by a churn kill event, so expected not to exit 0 */
  killed?: boolean
}

/** how often the cluster reads the peers' last records (ms); more often while a churn event is pending */
const POLL_MS = 250
const CHURN_POLL_MS = 50

/** how long after the run is over a peer that has not joined it gets to notice by itself before it is stopped (ms) */
const OVER_GRACE_MS = 5000

function readRounds (dataDir: string): number {
  return readLastRecord<{ round: number }>(dataDir)?.round ?? 0
}

/** the loopback addresses a peer listens on (its peer.json); undefined before it listens */
function readAddrs (dataDir: string): string[] | undefined {
  try {
    return (JSON.parse(readFileSync(join(dataDir, PEER_FILE), 'utf8')) as { addrs: string[] }).addrs.filter((a) => a.includes('/127.0.0.1/'))
  } catch {
    return undefined // not written yet, or caught half-written
  }
}

/**
 * A line of the cluster's own at the end of a peer's log.txt, once the peer has exited, saying what the cluster did to
 * it: the log of a peer killed by --churn otherwise ended as if nothing had happened, and read as a crash of its own.
 */
function noteInLog (dataDir: string, line: string): void {
  try {
    appendFileSync(join(dataDir, 'log.txt'), `${new Date().toISOString().slice(11, 23)} murmur cluster: ${line}\n`)
  } catch {
    // a log that cannot be written to: the churn line on the console says it all the same
  }
}

/** the last lines of a log from byte `from` on (a reused --out appends to the earlier run's log) */
function logTail (file: string, from: number, lines = 3): string {
  const fd = openSync(file, 'r')
  try {
    const buf = Buffer.alloc(Math.max(0, fstatSync(fd).size - from))
    readSync(fd, buf, 0, buf.length, from)
    return buf.toString('utf8').split('\n').filter((l) => l.trim() !== '').slice(-lines).join('\n  ')
  } finally {
    closeSync(fd)
  }
}

function rssKb (pid: number | undefined): number {
  if (pid === undefined) return 0
  try {
    // VmHWM: the kernel's own peak of the resident set, so a short spike between two polls is not missed
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return m === null ? 0 : Number(m[1])
  } catch {
    return 0
  }
}

/** The files that make a folder a cluster run's: --out refuses to run over them without --force. */
const RUN_FILES = ['run.json', 'metrics.jsonl', 'summary.json']
/**
 * what a cluster (cluster-merge's plots), murmur report or scripts/netns-cluster.ts writes at the top of OUT: --force
 * removes them. The plots by name: a drawing of the user's (any .svg) once went with them. murmur report writes a peer
 * folder's page beside the folder, so OUT/peer-N-report.html for OUT/peer-N.
 */
const isRunOutput = (name: string): boolean =>
  [...RUN_FILES, 'accuracy.svg', 'consensus.svg', 'report.html', 'commands.txt', 'allow-peers.txt'].includes(name) || /^peer-\d+-report\.html$/.test(name)

/**
 * What murmur writes in a peer's data dir (node/peer files.ts, lock.ts; node/p2p identity.ts; node/checkpoint), as
 * a tree: a name pattern, and for a folder what it may hold. Temporary files of a writer killed mid-write included.
 */
interface Owned { name: RegExp, holds?: Owned[] }
const TEMP = /^\.tmp-\d+-/
const CHECKPOINTS: Owned[] = [{ name: /^checkpoint-\d{10}\.ckpt$/ }, { name: TEMP }]
const PEER_TREE: Owned[] = [
  { name: /^(identity\.key|log\.txt|metrics\.jsonl|peer\.json|lock)$/ },
  { name: /^lock\.\d+$/ }, // a stale lock being taken over
  { name: /^identity\.key\.\d+\.[0-9a-f]+\.tmp$/ },
  { name: /^snapshots$/, holds: [{ name: /^round-\d{8,}\.f32$/ }, { name: TEMP }] },
  { name: /^checkpoints$/, holds: [...CHECKPOINTS, { name: /^superseded$/, holds: CHECKPOINTS }] },
  // an earlier run moved aside (archivePreviousRun): previous/<time>/ with its metrics and checkpoints
  { name: /^previous$/, holds: [{ name: /^\d{8}T\d{6}Z(-\d+)?$/, holds: [{ name: /^metrics\.jsonl$/ }, { name: /^checkpoints$/, holds: [...CHECKPOINTS, { name: /^superseded$/, holds: CHECKPOINTS }] }] }] }
]

/** The paths under `dir` (relative) that murmur did not write: anything PEER_TREE does not name, or a file where it wants a folder. */
function foreignEntries (dir: string, tree: Owned[] = PEER_TREE, prefix = ''): string[] {
  const found: string[] = []
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const rel = prefix + entry.name
    const owned = tree.find((o) => o.name.test(entry.name))
    if (owned === undefined || (owned.holds !== undefined) !== entry.isDirectory()) found.push(rel)
    else if (owned.holds !== undefined) found.push(...foreignEntries(join(dir, entry.name), owned.holds, `${rel}/`))
  }
  return found
}

/**
 * Refuses, before any peer starts, an --out that is a file or holds a run (unless forced, as murmur sim does). With
 * --force, removes that run's top-level files so that no stale plot or report sits beside the new run's, and the
 * peer folders it does not start (peer-N, N ≥ `peers`: an earlier, larger run's, its joiners'), which would otherwise
 * sit beside the new run's with their metrics and snapshots. A peer folder is removed only when it holds nothing but
 * what murmur writes and no live peer holds its lock; otherwise nothing at all is removed and the run is refused.
 * The folders the run starts in keep their identity and move their earlier files to previous/ (launch). With
 * `allowPeers` (--allow-peers), also refuses to write the merged allowlist over a file of the user's (checkMergedAllowlist).
 */
export function prepareOut (out: string, force: boolean, peers: number, allowPeers?: string): void {
  checkOutFolder(out, '--out') // a file where the folder (or a parent) should be: said as such, not as EEXIST
  if (allowPeers !== undefined) checkMergedAllowlist(out, allowPeers, force)
  if (!existsSync(out)) return
  const found = RUN_FILES.filter((f) => existsSync(join(out, f)))
  if (found.length === 0) return
  if (!force) throw new UsageError(`--out '${out}' holds a run (${found.join(', ')}); pass --force to replace it, or --out another folder`, 'out')
  const leftover = readdirSync(out, { withFileTypes: true })
    .flatMap((e) => { const m = /^peer-(\d+)$/.exec(e.name); return m !== null && e.isDirectory() && Number(m[1]) >= peers ? [join(out, e.name)] : [] })
  const foreign = leftover.map((dir) => ({ dir, paths: foreignEntries(dir) })).filter((f) => f.paths.length > 0)
  if (foreign.length > 0) {
    const list = foreign.map((f) => `${f.dir} (${f.paths.slice(0, 5).join(', ')}${f.paths.length > 5 ? `, and ${f.paths.length - 5} more` : ''})`).join('; ')
    throw new UsageError(`--force: the earlier run in '${out}' has peer folders this run of ${peers} ${peers === 1 ? 'peer' : 'peers'} does not start, and they hold files murmur did not write: ${list}. ` +
      'Nothing was removed; move those files out (or delete the folders), then run again, or use another --out', 'force')
  }
  // a live peer holding a leftover folder's lock: a run is still going here; the locks taken stay until the folders go.
  // Refused, the folders are left as they were: a stale lock taken over is put back
  const taken: Array<{ dir: string, release: () => void, stale?: string }> = []
  try {
    for (const dir of leftover) {
      const lock = join(dir, LOCK_FILE)
      const stale = existsSync(lock) ? readFileSync(lock, 'utf8') : undefined
      taken.push({ dir, stale, release: lockDataDir(dir) })
    }
  } catch (err) {
    for (const { dir, release, stale } of taken) {
      release()
      if (stale !== undefined) writeFileSync(join(dir, LOCK_FILE), stale)
    }
    if ((err as Error).name !== 'DataDirInUseError') throw err
    throw new CliError(`--force: ${(err as Error).message.replace(/; give every peer.*$/, '')}: a run may still be going in '${out}'. Nothing was removed; stop it first, or use another --out`)
  }
  for (const dir of leftover) rmSync(dir, { recursive: true, force: true })
  // an allow-peers.txt of the user's is no run output: the cluster replaces it only when it writes its own (--allow-peers)
  for (const f of readdirSync(out)) if (isRunOutput(f) && (f !== MERGED_ALLOWLIST || isMergedAllowlist(join(out, f)))) rmSync(join(out, f), { force: true })
}

/** where a cluster with --allow-peers writes the file's PeerIds, its own peers' and its observer's, for every peer to read */
const MERGED_ALLOWLIST = 'allow-peers.txt'
/** the end of that file's first line, by which a later run tells it from a file of the user's */
const MERGED_MARK = '(written by murmur cluster)'

/** whether `file` is an allowlist a cluster merged (its first line says so), which a new run may replace */
export function isMergedAllowlist (file: string): boolean {
  try {
    const first = readFileSync(file, 'utf8').split('\n', 1)[0]
    return first.startsWith('# ') && first.endsWith(MERGED_MARK)
  } catch {
    return false
  }
}

/**
 * Refuses --allow-peers FILE when the merged list would be written over a file of the user's: FILE is
 * OUT/allow-peers.txt itself (it would be replaced by the list made from it, or, with --force over a run, removed
 * before it is read), or OUT holds an allow-peers.txt that no cluster wrote (a list of the user's kept there), which
 * --force lets the cluster replace.
 */
function checkMergedAllowlist (out: string, allowPeers: string, force: boolean): void {
  const merged = join(out, MERGED_ALLOWLIST)
  if (resolve(allowPeers) === merged) {
    throw new UsageError(`--allow-peers '${merged}' is the file murmur cluster writes in --out (the file's PeerIds, then its own peers' and its observer's), ` +
      'so it would be replaced; move it out of --out or rename it, or use another --out', 'allow-peers')
  }
  if (!force && existsSync(merged) && !isMergedAllowlist(merged)) {
    throw new UsageError(`--out '${out}' holds an allow-peers.txt that murmur did not write, and the cluster would replace it with its merged allowlist ` +
      '(--allow-peers\'s PeerIds, then its own peers\' and its observer\'s); pass --force to replace it, or --out another folder', 'out')
  }
}

/** the folders in --out a cluster writes in: its peers' data dirs and its observer's identity (with --allow-peers) */
const CLUSTER_DIR = /^(peer-\d+|observer)$/

/**
 * Makes --out (and the folders above it) and remembers what it held, for `undo`: a start that fails before any round
 * ran (the bootstrap peer exits before it listens, its data missing; an allowlist or --until-accuracy's test data that
 * cannot be read) takes away what this cluster added, so that --out is as it was, as a sim that cannot start leaves
 * it, and a retry is not refused as a run. Taken away: the folders it made, its run.json and allow-peers.txt, a peer
 * or observer folder it made, and in one that was there the files its peer made (a new identity, the lock) and this
 * start's lines of its log.txt. Kept: everything else, and a reused peer folder's identity and previous/ (the earlier
 * run's files that --force moved there, as --force promises).
 */
export function startOut (out: string): { undo: () => void } {
  const before = new Map<string, { inner?: Set<string>, logSize?: number }>()
  if (existsSync(out)) {
    for (const e of readdirSync(out, { withFileTypes: true })) {
      const dir = join(out, e.name)
      let inner: Set<string> | undefined
      try {
        inner = e.isDirectory() && CLUSTER_DIR.test(e.name) ? new Set(readdirSync(dir)) : undefined
      } catch {
        inner = undefined // unreadable: not the cluster's to clean
      }
      before.set(e.name, { inner, logSize: inner?.has('log.txt') === true ? statSync(join(dir, 'log.txt')).size : undefined })
    }
  }
  const made = makeFolder(out)
  return {
    undo: () => {
      if (made !== undefined) { rmSync(made, { recursive: true, force: true }); return }
      for (const name of readdirSync(out)) {
        const path = join(out, name)
        const was = before.get(name)
        if (was === undefined) {
          if (CLUSTER_DIR.test(name) || name === 'run.json' || name === MERGED_ALLOWLIST) rmSync(path, { recursive: true, force: true })
          continue
        }
        if (was.inner === undefined) continue
        for (const entry of readdirSync(path)) if (!was.inner.has(entry) && entry !== PREVIOUS_DIR) rmSync(join(path, entry), { recursive: true, force: true })
        if (was.logSize !== undefined && existsSync(join(path, 'log.txt'))) truncateSync(join(path, 'log.txt'), was.logSize)
      }
    }
  }
}

/**
 * The attack of a cluster and who runs it: as in murmur sim, --attack needs --attackers (a count, chosen from the
 * seed, or slots); the rest of the config, without them, is what every peer gets in run.json (each attacker gets its
 * own --attack). Before, --attack went into run.json and every peer attacked. Both may come from --config too (a
 * sim's config.json: the cluster then runs the sim's attacked experiment with the same slots); the command line wins.
 * (murmur peer refuses a config file's attackers: there, which peer attacks is each peer's own --attack.)
 */
export function splitAttack (args: ReturnType<typeof parseArgs>, io: { err: (s: string) => void }): { config: RunConfig, attack?: { spec: string, slots: number[] } } {
  const { attackers, ...given } = configFromArgs(args)
  const partial = withoutSimOnlyFields(given, 'cluster', io)
  if (attackers !== undefined) partial.attackers = attackers
  const { attack, attackers: slots, ...config } = resolveNetworkRunConfig(partial, args, 'cluster', io)
  if (attack === undefined) return { config }
  if (slots === undefined) {
    throw new UsageError(`--attack ${attack} needs --attackers, as in murmur sim: the peers that attack, a count (e.g. --attackers 1, chosen from the seed) or slots (--attackers 3,7; one slot: 3,); the others stay honest`, 'attack')
  }
  return { config, attack: { spec: attack, slots } }
}

export async function runCluster (argv: string[], io: { out: (s: string) => void, err: (s: string) => void, isTTY: boolean, progress?: (s: string) => void }): Promise<number> {
  const args = parseArgs(CLUSTER_SPEC, argv)
  if (args.help) { io.out(formatHelp(CLUSTER_SPEC)); return 0 }
  const { config, attack } = splitAttack(args, io)
  trainThread(args, config) // the peers' own check, so that a bad combination fails here and not in every peer
  const churn: ChurnEvent[] = parseChurn(getOptionalString(args, 'churn') ?? '', config.peers, config.rounds)
  const slowdown = parseSlowdown(getOptionalString(args, 'slowdown') ?? '', config.peers)
  if (churn.some((e) => e.kind === 'restart') && Number(args.values['checkpoint-every']) === 0) {
    throw new UsageError('--churn restart:I@R restarts a peer with --resume from its checkpoints, and without --checkpoint-every N it has none (it would start as a new peer); add --checkpoint-every, e.g. 10', 'churn')
  }
  const out = resolve(getOptionalString(args, 'out') ?? join('runs', `cluster-${new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15)}`))
  const allowFile = getOptionalString(args, 'allow-peers')
  prepareOut(out, getBoolean(args, 'force'), config.peers, allowFile)
  const procs: Proc[] = []
  const outStart = startOut(out)
  // Stopping the cluster stops its peers: the first SIGINT/SIGTERM asks each to leave gracefully (finish the round,
  // checkpoint, exit 0) and the merge below still runs; a second one kills them. A cluster that exits any other way
  // kills them ('exit' below); one that is killed closes their IPC channels, and they leave by themselves. Handled
  // from the start: a signal while the bootstrap peer starts ends the start as a failed one does (orUndo), where
  // before the signal ended this process and left a half-started --out behind.
  let stopping = 0
  /** the first signal: the run then stops early, which the summary and the exit code (128 + its number) say */
  let stopSignal: NodeJS.Signals | undefined
  let lastSignalAt = -Infinity
  const alive = (): Proc[] => procs.filter((p) => p.exitCode === undefined)
  const onSignal = (signal: NodeJS.Signals): void => {
    // a Ctrl-C in a terminal reaches `murmur cluster`, which forwards it here, and this process too: one request
    if (performance.now() - lastSignalAt < SIGNAL_REPEAT_MS) return
    lastSignalAt = performance.now()
    stopping++
    stopSignal ??= signal
    io.err(`\nmurmur cluster: ${signal}: ${stopping === 1 ? 'asking the peers to leave (again to kill them)' : 'killing the peers'}`)
    for (const p of alive()) p.child.kill(stopping === 1 ? 'SIGTERM' : 'SIGKILL')
  }
  const killAll = (): void => { for (const p of alive()) p.child.kill('SIGKILL') }
  const detachSignals = (): void => {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
    process.off('exit', killAll)
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  process.on('exit', killAll)
  /** runs a step of the start; should it fail, the peers started are stopped and --out is left as it was (startOut) */
  const orUndo = async <T>(step: () => T | Promise<T>): Promise<T> => {
    try {
      return await step()
    } catch (err) {
      for (const p of procs) if (p.exitCode === undefined) p.child.kill('SIGKILL')
      await Promise.all(procs.map((p) => p.exited))
      outStart.undo()
      detachSignals()
      throw err
    }
  }
  const runFile = join(out, 'run.json')
  await orUndo(() => { writeFileSync(runFile, JSON.stringify(config, null, 2) + '\n') })
  const heartbeat = String(args.values.heartbeat ?? defaultHeartbeat(config.peers))
  const snapshotEvery = String(args.values['snapshot-every'] ?? config.evalEvery)
  const untilAccuracy = getOptionalNumber(args, 'until-accuracy')
  // loaded before the peers start, so that loading does not compete with their first rounds
  const targetWatch = untilAccuracy === undefined ? undefined : await orUndo(async () => await createClusterTargetWatch(config, untilAccuracy, Number(snapshotEvery)))
  const common = ['--config', runFile, '--heartbeat', heartbeat, '--snapshot-every', snapshotEvery, '--checkpoint-every', String(args.values['checkpoint-every']), '--quiet', '--listen', '/ip4/127.0.0.1/tcp/0', '--start-timeout', '900000', '--train-thread', String(args.values['train-thread'])]
  // every peer gets the same swarm key and allowlist (absolute paths: the peers may resolve them elsewhere)
  const swarmKey = getOptionalString(args, 'swarm-key')
  if (swarmKey !== undefined) common.push('--swarm-key', resolve(swarmKey))
  // with an allowlist, an observer identity of its own in OUT/observer, allowed too, so that the printed watch hint works
  const observerDir = allowFile === undefined ? undefined : join(out, 'observer')
  if (allowFile !== undefined && observerDir !== undefined) {
    const merged = join(out, MERGED_ALLOWLIST)
    await orUndo(async () => {
      // the cluster's own peers (their identities made now, joiners' too) are allowed beside the file's
      const joins = churn.reduce((n, e) => n + (e.kind === 'join' ? e.count : 0), 0)
      const own: string[] = []
      for (let i = 0; i < config.peers + joins; i++) {
        const dataDir = join(out, `peer-${i}`)
        makeFolder(dataDir)
        own.push((await loadOrCreateIdentity(dataDir)).peerId)
      }
      const observer = (await loadOrCreateIdentity(observerDir)).peerId
      writeFileSync(merged, [`# ${resolve(allowFile)}, then this cluster's own peers, then its observer (murmur watch --data-dir ${observerDir}) ${MERGED_MARK}`,
        ...await readAllowlist(resolve(allowFile)), ...own, observer].join('\n') + '\n')
    })
    common.push('--allow-peers', merged)
  }
  const start = performance.now()

  const spawnPeer = (p: Proc, bootstrap: string[], extra: string[]): void => {
    const log = openSync(join(p.dataDir, 'log.txt'), 'a')
    p.logFrom = fstatSync(log).size
    p.child = spawn(process.execPath, [...PEER_NODE_FLAGS, MURMUR, 'peer', ...common, ...extra, '--data-dir', p.dataDir, '--shard', `${p.slot}/${config.peers}`,
      ...(bootstrap.length > 0 ? ['--bootstrap', bootstrap.join(',')] : []),
      ...(slowdown.has(p.slot) ? ['--slowdown', String(slowdown.get(p.slot))] : []),
      // an attacker's slot attacks in every life: a restart, a joiner that takes the slot
      ...(attack?.slots.includes(p.slot) === true ? ['--attack', attack.spec] : [])],
    // a process group of its own: a terminal's Ctrl-C reaches the cluster only, which asks each peer once. The IPC
    // channel closes when this process dies, however it dies (SIGKILL too, when no handler runs): the peer then
    // leaves as on SIGTERM (murmur peer's whenParentGone), so a dead cluster leaves no peers behind
    { stdio: ['ignore', log, log, 'ipc'], env: peerEnv(), detached: true })
    closeSync(log) // the child has its own copy
  }
  const watch = (p: Proc): void => {
    p.exited = new Promise((res) => { p.child.on('exit', (code, signal) => { p.exitCode = code; p.signal = signal; res(code) }) })
  }
  const launch = (slot: number, index: number, bootstrap: string[]): Proc => {
    const dataDir = join(out, `peer-${index}`)
    makeFolder(dataDir)
    // an OUT folder reused from an earlier run: its peer.json holds a dead address (the others would bootstrap from
    // it and never meet); its metrics and checkpoints go to previous/ and its snapshots are deleted (the churn watch,
    // the merge and a --resume would take them for this run's), before the peer starts; the identity key is kept
    rmSync(join(dataDir, PEER_FILE), { force: true })
    const moved = archivePreviousRun(dataDir)
    if (moved !== undefined) io.err(`murmur cluster: moved an earlier run's metrics and checkpoints of ${dataDir} to ${moved}`)
    const p = { slot, dataDir, peakRssKb: 0, startRound: 0, late: index >= config.peers } as Proc
    spawnPeer(p, bootstrap, [])
    watch(p)
    procs.push(p)
    return p
  }
  /** SIGKILL, wait for the exit, start the same slot and data dir (so the same identity) with --resume; `why` goes in its log */
  const restart = async (p: Proc, bootstrap: string[], why: string): Promise<void> => {
    p.child.kill('SIGKILL')
    await p.exited
    noteInLog(p.dataDir, `SIGKILL ${why}: this peer was killed; its last record is of round ${readRounds(p.dataDir)}; restarting it with --resume`)
    p.exitCode = undefined
    p.signal = undefined
    p.restarts = (p.restarts ?? 0) + 1
    p.startRound = readRounds(p.dataDir)
    p.late = true
    rmSync(join(p.dataDir, PEER_FILE), { force: true }) // its dead address, which a joiner must not be given
    spawnPeer(p, bootstrap, ['--resume'])
    watch(p)
  }

  const bootstrap = await orUndo(async () => {
    // stopped while the start loaded (the --until-accuracy test data, the allowlist), or while the bootstrap peer starts
    const stopped = (): void => { if (stopSignal !== undefined) throw new ClusterStoppedError(stopSignal, out) }
    stopped()
    const first = launch(0, 0, [])
    while (readAddrs(first.dataDir) === undefined) {
      stopped()
      if (first.exitCode !== undefined) {
        // its log goes with the rest of this start (startOut): its last lines are said here
        throw new CliError(`the bootstrap peer exited (code ${String(first.exitCode)}) before listening, so no round ran, and what this start wrote in '${out}' is removed again; ` +
          `the end of its log:\n  ${logTail(join(first.dataDir, 'log.txt'), first.logFrom)}`)
      }
      await sleep(100)
    }
    return readAddrs(first.dataDir) ?? []
  })
  for (let i = 1; i < config.peers; i++) launch(i, i, bootstrap)
  io.err(`murmur cluster: ${headline(config)} -> ${out}`)
  if (attack !== undefined) {
    io.err(`murmur cluster: EXPERIMENT: ${attack.slots.length === 1 ? 'peer' : 'peers'} ${attack.slots.join(', ')} ${attack.slots.length === 1 ? 'attacks' : 'attack'} with ${attack.spec} (--attackers); the averaged model and the accuracy figures are the honest peers'`)
  }
  if (bootstrap.length > 0) io.err(`watch it live: ${watchCommandLine({ bootstrap: bootstrap[0], runId: config.runId, swarmKeyFile: swarmKey === undefined ? undefined : resolve(swarmKey), dataDir: observerDir })} [--http 8080]`)

  const writeProgress = io.progress ?? ((t: string) => { process.stderr.write(t) })
  const progress = createProgress({ total: config.rounds, label: 'cluster', isTTY: io.isTTY, write: (t) => { if (!getBoolean(args, 'quiet')) writeProgress(t) } })
  /** what became of each churn event, for the summary */
  const churnOutcomes: Array<{ event: string, scheduled: number, round: number | null, outcome: string, started?: Proc[] }> = []
  const honest = (p: Proc): boolean => attack?.slots.includes(p.slot) !== true
  const pending = [...churn]
  const freed: number[] = []
  const timeoutAt = start + Number(args.values.timeout) * 1000
  // a joiner or a restarted peer dials every live peer that listens, so any one of them lets it in (peer-0 alone,
  // once it had crashed, let no one in); peer-0's first address if none listens
  const liveBootstrap = (except?: Proc): string[] => {
    const addrs = alive().filter((p) => p !== except && p.killed !== true).flatMap((p) => readAddrs(p.dataDir) ?? [])
    return addrs.length > 0 ? addrs : bootstrap
  }
  let overSince: number | undefined
  let timedOut = false
  while (alive().length > 0) {
    for (const p of alive()) p.peakRssKb = Math.max(p.peakRssKb, rssKb(p.child.pid))
    const rounds = procs.map((p) => readRounds(p.dataDir))
    const maxRound = Math.max(...rounds)
    // once a peer has finished the last round and exited, the run is over: a peer still waiting to join it
    // would wait for members that are gone (for the whole --start-timeout), so it is asked to stop
    const over = procs.some((p, i) => p.exitCode === 0 && rounds[i] >= config.rounds)
    if (over) overSince ??= performance.now()
    // a joiner that hears the finished peers leaves by itself ("the run is over"); one that heard nobody is stopped
    if (over && performance.now() - (overSince ?? 0) >= OVER_GRACE_MS) {
      for (const [i, p] of procs.entries()) {
        if (p.exitCode !== undefined || rounds[i] > p.startRound || p.stoppedWaiting === true) continue
        p.stoppedWaiting = true
        p.child.kill('SIGTERM')
        io.err(`\nmurmur cluster: the run is over; peer-${i} (slot ${p.slot}) had not joined it yet: stopping it`)
      }
    }
    for (const ev of pending.filter((e) => e.round <= maxRound)) {
      pending.splice(pending.indexOf(ev), 1)
      const said = (round: number | null, outcome: string, line: string, started?: Proc[]): void => {
        churnOutcomes.push({ event: churnText(ev), scheduled: ev.round, round, outcome, started })
        io.err(`\n${line}`)
      }
      // a peer already SIGKILLed may not have been seen to exit yet (two kills in one poll): it is gone all the same
      const target = ev.kind === 'join' ? undefined : procs.find((p) => p.slot === ev.slot && p.exitCode === undefined && p.killed !== true)
      const skip = churnSkipReason(ev, { rounds: config.rounds, maxRound, over, targetRound: target === undefined ? undefined : rounds[procs.indexOf(target)] })
      if (skip !== undefined) {
        said(null, `not done: ${skip}`, `churn: ${churnText(ev)} not done at round ${maxRound}: ${skip}`)
        continue
      }
      if (ev.kind === 'join') {
        const started: Proc[] = []
        for (let k = 0; k < ev.count; k++) started.push(launch(freed.shift() ?? (procs.length % config.peers), procs.length, liveBootstrap()))
        said(maxRound, 'done', churnLine(ev, maxRound, `started ${started.map((p) => `peer-${procs.indexOf(p)} in slot ${p.slot}`).join(', ')}`), started)
      } else if (target === undefined) {
        said(null, 'not done: no live peer in the slot', `churn: ${churnText(ev)}: no live peer in slot ${ev.slot} at round ${maxRound}`)
      } else if (ev.kind === 'restart') {
        await restart(target, liveBootstrap(target), `at round ${maxRound} of the run (--churn ${churnText(ev)})`)
        said(maxRound, 'done', churnLine(ev, maxRound, `SIGKILL peer-${procs.indexOf(target)} (slot ${ev.slot}), restarted with --resume`))
      } else {
        target.child.kill(ev.kind === 'kill' ? 'SIGKILL' : 'SIGTERM')
        if (ev.kind === 'kill') target.killed = true
        const why = `at round ${maxRound} of the run (--churn ${churnText(ev)})`
        void target.exited.then(() => {
          noteInLog(target.dataDir, ev.kind === 'kill'
            ? `SIGKILL ${why}: this peer was killed; its last record is of round ${readRounds(target.dataDir)}`
            : `SIGTERM ${why}: this peer was asked to leave`)
        })
        freed.push(ev.slot)
        said(maxRound, 'done', churnLine(ev, maxRound, `${ev.kind === 'kill' ? 'SIGKILL' : 'SIGTERM'} peer-${procs.indexOf(target)} (slot ${ev.slot})`))
      }
    }
    const hit = targetWatch !== undefined && stopping === 0 ? targetWatch.poll(alive().filter(honest).map((p) => ({ dataDir: p.dataDir, startRound: p.late ? p.startRound : undefined }))) : null
    if (hit !== null) {
      stopping = 1 // as a first SIGINT: every peer leaves gracefully; a real SIGINT now kills them
      io.err(`\nmurmur cluster: the averaged model reached ${(100 * hit.accuracy).toFixed(2)} % at round ${hit.round} (target ${(100 * (untilAccuracy ?? 0)).toFixed(2)} %): asking the peers to leave`)
      for (const p of alive()) p.child.kill('SIGTERM')
    }
    const tested = targetWatch?.last == null ? '' : `, averaged ${(100 * targetWatch.last.accuracy).toFixed(2)} % at ${targetWatch.last.round}`
    progress.update(progressRound(procs.map((p, i) => ({ ...p, round: rounds[i] }))), `peers ${alive().length}${tested}`)
    if (performance.now() > timeoutAt) {
      timedOut = true
      io.err(`\nmurmur cluster: timeout after ${String(args.values.timeout)} s: killing the peers`)
      for (const p of alive()) p.child.kill('SIGKILL')
    }
    // a churn event is applied at the first poll past its round: polled more often while one is pending
    await sleep(pending.length > 0 ? CHURN_POLL_MS : POLL_MS)
  }
  // the round the run reached (a run stopped early, by --until-accuracy, a signal or --timeout, did not reach the total)
  const finalMax = Math.max(0, ...procs.map((p) => readRounds(p.dataDir)))
  progress.done(undefined, finalMax)
  targetWatch?.dispose()
  detachSignals()
  const wallSeconds = (performance.now() - start) / 1000
  const summary = await mergeCluster({ out, config, peers: procs.map((p) => ({ dataDir: p.dataDir, slot: p.slot, exitCode: p.exitCode ?? null, signal: p.signal ?? null, peakRssMb: p.peakRssKb / 1024, attacker: !honest(p) })), wallSeconds })
  // joiners that recorded no round: started too late (the run ended before they were let in), so the join did not happen
  const joinersWithoutRounds = procs.filter((p, i) => i >= config.peers && readRounds(p.dataDir) === 0).length
  const joinOutcome = (outcome: string, started: Proc[] | undefined): string => {
    const idle = (started ?? []).filter((p) => readRounds(p.dataDir) === 0).length
    return idle === 0 ? outcome : `${outcome}, but ${idle} of ${started?.length ?? 0} started took no part (no round recorded: the run was over before ${idle === 1 ? 'it' : 'they'} joined)`
  }
  // a run that ended before its last round, other than by --until-accuracy: by a signal to the cluster, by --timeout,
  // or with every peer gone (killed or stopped from outside); the figures above are then those of that round
  const stopped: Stopped | undefined = summary.rounds < config.rounds && targetWatch?.hit == null
    ? { by: stopSignal ?? (timedOut ? 'timeout' : 'peers'), round: summary.rounds, rounds: config.rounds }
    : undefined
  // the cluster's own facts beside the merge's figures: what churn did, who attacked, why the run stopped
  const extra = {
    ...(stopped !== undefined ? { stopped } : {}),
    ...(churn.length > 0 ? { churn: churnOutcomes.map(({ started, ...o }) => ({ ...o, outcome: joinOutcome(o.outcome, started) })).concat(unappliedChurn(pending, config.rounds, finalMax)), joinersWithoutRounds } : {}),
    ...(attack !== undefined ? { attack } : {}),
    ...(targetWatch !== undefined ? { untilAccuracy: { target: targetWatch.target, round: targetWatch.hit?.round ?? null, accuracy: targetWatch.hit?.accuracy ?? null, testSeconds: targetWatch.evalMs / 1000 } } : {})
  }
  if (Object.keys(extra).length > 0) writeFileSync(join(out, 'summary.json'), JSON.stringify({ ...summary, ...extra }, null, 2) + '\n')
  // peers SIGKILLed by a kill event (one that found its slot empty killed nothing), and joiners stopped because the
  // run ended before they joined, are expected not to exit 0
  const unclean = procs.filter((p) => p.exitCode !== 0)
  const killedByChurn = unclean.filter((p) => p.killed === true).length
  const stoppedWaiting = unclean.filter((p) => p.killed !== true && p.stoppedWaiting === true).length
  const expectedUnclean = killedByChurn + stoppedWaiting
  io.out([
    `peers             ${summary.peers} ${summary.peers === 1 ? 'process' : 'processes'} (${peersLine(summary.exitedCleanly, killedByChurn, stoppedWaiting, summary.peers, joinersWithoutRounds)})`,
    `rounds            ${summary.rounds}${stopped !== undefined ? ` of ${config.rounds}` : ''} in ${wallSeconds.toFixed(1)} s; ${roundTimeText(summary.roundTimeP50, summary.roundTimeP95)}`,
    // the averaged model is tested on snapshot rounds only; without any (--snapshot-every 0) it was not measured
    `accuracy          ${summary.accuracy === null ? `n/a${summary.rounds === 0 ? ' (no round ran)' : summary.consensusDistance === null ? ' (no snapshots)' : ''}` : (summary.accuracy * 100).toFixed(2) + ' %'} averaged model; each peer's own: min ${summary.peerAccuracyMin === null ? 'n/a' : (summary.peerAccuracyMin * 100).toFixed(2) + ' %'}`,
    `consensus         ${summary.consensusDistance === null ? 'n/a' : summary.consensusDistance.toExponential(3)}`,
    `bytes sent        ${(summary.bytesSent / 1e6).toFixed(2)} MB`,
    // no round, no time to split (the four shares would be 0 %)
    ...(summary.rounds === 0 ? [] : [`time split        ${timeSplitLine(summary.timeShare)}`]),
    `peak RSS          max ${summary.peakRssMbMax.toFixed(0)} MB a peer`,
    ...(targetWatch === undefined ? [] : [`until accuracy    ${targetWatch.hit === null ? `${(100 * targetWatch.target).toFixed(2)} % not reached` : `${(100 * targetWatch.hit.accuracy).toFixed(2)} % at round ${targetWatch.hit.round}`} (averaged model; ${(targetWatch.evalMs / 1000).toFixed(1)} s of testing in this process)`]),
    `output            ${out}`,
    // the last line: a run cut short says so, where it stopped and how to go on
    ...(stopped === undefined ? [] : [`stopped           ${stoppedText(stopped, stopping, Number(args.values.timeout))}`])
  ].join('\n'))
  // stopped by a signal: the shell's convention, 128 + its number (130 for SIGINT, 143 for SIGTERM), so that a script
  // running clusters one after another stops too
  if (stopped !== undefined && stopSignal !== undefined) return 128 + constants.signals[stopSignal]
  return summary.exitedCleanly === summary.peers - expectedUnclean ? 0 : 1
}

/** summary.json's `stopped`: the run ended at `round` of its `rounds`, by a signal to the cluster, by --timeout, or with every peer gone ('peers') */
export interface Stopped { by: NodeJS.Signals | 'timeout' | 'peers', round: number, rounds: number }

/**
 * The printed summary's last line for a run cut short: where it stopped, why, what became of the peers, and how to go
 * on (`stopping`: the signals the cluster handled, 2 when a second one killed the peers; `timeoutS`: --timeout).
 */
export function stoppedText (s: Stopped, stopping: number, timeoutS?: number): string {
  const killed = 'the peers were killed; --resume goes on from their last --checkpoint-every checkpoint'
  const why = s.by === 'timeout'
    ? ` by --timeout ${String(timeoutS)} s (${killed})`
    : s.by === 'peers'
      ? ': every peer exited before the last round (see the peers line above, and their log.txt)'
      : ` by ${s.by} (${stopping >= 2 ? `again: ${killed}` : 'the peers left, each with a checkpoint'})`
  return `at round ${s.round} of ${s.rounds}${why}; to go on, restart each peer with murmur peer --resume (README, "murmur cluster")`
}

/** A signal stopped the cluster while it started its bootstrap peer: no round ran, and --out is left as it was. */
export class ClusterStoppedError extends CliError {
  static override name = 'ClusterStoppedError'
  readonly signal: NodeJS.Signals
  constructor (signal: NodeJS.Signals, out: string) {
    super(`${signal} before the run started (the bootstrap peer was starting): no round ran, and what this start wrote in '${out}' is removed`)
    this.name = 'ClusterStoppedError'
    this.signal = signal
  }
}

/**
 * The outcomes of the churn events still pending when every peer is gone, from the highest round the peers recorded
 * (`finalMax`). One due at or before it fell between two polls (the peers of a fast run finish and exit within one):
 * its round came, but the run was over when the cluster looked, so it says why as an event applied then would
 * (churnSkipReason). Only one past it was never reached.
 */
export function unappliedChurn (pending: readonly ChurnEvent[], rounds: number, finalMax: number): Array<{ event: string, scheduled: number, round: null, outcome: string }> {
  return pending.map((ev) => ({
    event: churnText(ev),
    scheduled: ev.round,
    round: null,
    outcome: ev.round <= finalMax
      ? `not done: ${churnSkipReason(ev, { rounds, maxRound: finalMax, over: true }) ?? 'the run is over'}`
      : 'not done: the run ended before its round'
  }))
}

/**
 * The run as the headline names it, in murmur sim's order: peers, topology, algorithm on dataset and partition, model
 * (gossip: the vector's length), codec, rounds. "2 peers, ring, dpsgd on mnist iid, softmax, codec none, 30 rounds".
 */
export function headline (config: RunConfig): string {
  return `${config.peers} ${config.peers === 1 ? 'peer' : 'peers'}, ${topologyLabel(config)}, ` +
    `${config.algo}${config.algo === 'gossip' ? ` d=${config.dim}` : ` on ${config.dataset} ${config.partition}, ${config.model}`}, ` +
    `codec ${config.codec}, ${config.rounds} ${config.rounds === 1 ? 'round' : 'rounds'}`
}

/** "round time p50 41 ms, p95 63 ms", or n/a when no round ran (the quantiles of no round times are NaN, null in summary.json) */
export function roundTimeText (p50: number | null, p95: number | null): string {
  return typeof p50 === 'number' && Number.isFinite(p50) && typeof p95 === 'number' && Number.isFinite(p95)
    ? `round time p50 ${p50.toFixed(0)} ms, p95 ${p95.toFixed(0)} ms`
    : 'round time n/a'
}

/**
 * "compute 0.3 %, communicate 70.1 %, wait 23.4 %, other 6.2 % (evaluation, snapshots, bookkeeping)": the peers'
 * summed time (cluster-merge timeSplit), its remainder named so that the parts sum to 100 %
 */
function timeSplitLine (t: TimeShare): string {
  const p = (x: number): string => `${(x * 100).toFixed(1)} %`
  return `compute ${p(t.compute)}, communicate ${p(t.communicate)}, wait ${p(t.wait)}, other ${p(t.other)} (evaluation, snapshots, bookkeeping)`
}

/**
 * "5 exited 0, 1 killed by churn", naming the processes that failed unexpectedly when any did, and the joiners that
 * recorded no round (a joiner that finds the run over exits 0 without taking part: the join did not happen)
 */
export function peersLine (clean: number, killed: number, stoppedWaiting: number, total: number, joinersWithoutRounds = 0): string {
  const failed = total - clean - killed - stoppedWaiting
  return [
    `${clean} exited 0`,
    ...(killed > 0 ? [`${killed} killed by churn`] : []),
    ...(stoppedWaiting > 0 ? [`${stoppedWaiting} stopped before joining`] : []),
    ...(failed > 0 ? [`${failed} failed`] : [])
  ].join(', ') + (joinersWithoutRounds > 0 ? `; ${joinersWithoutRounds} ${joinersWithoutRounds === 1 ? 'joiner' : 'joiners'} took no part (no round recorded)` : '')
}

/**
 * The round the progress line shows while the run goes on: that of the slowest live peer taking part, leaving out
 * peers gone (killed, left, failed: one that left at round 600 once held the line there) and a joiner or restarted
 * peer until it records a round of this life (a joiner waiting at round 0 once made it 0); the highest recorded round
 * when no peer is left to count.
 */
export function progressRound (peers: ReadonlyArray<{ round: number, startRound: number, late: boolean, exitCode?: number | null, killed?: boolean }>): number {
  const counted = peers.filter((p) => p.exitCode === undefined && p.killed !== true && (!p.late || p.round > p.startRound))
  return counted.length > 0 ? Math.min(...counted.map((p) => p.round)) : Math.max(0, ...peers.map((p) => p.round))
}

if (import.meta.main) {
  // `murmur cluster` (node/cli/commands/cluster.ts) runs this script with an IPC channel: if that process is killed,
  // this one stops as on SIGTERM (the peers leave gracefully and the merge runs) rather than go on unseen
  const stopWatchingParent = whenParentGone(() => { process.kill(process.pid, 'SIGTERM') })
  runCluster(process.argv.slice(2), { out: (s) => { console.log(s) }, err: (s) => { console.error(s) }, isTTY: process.stderr.isTTY === true })
    .then((code) => { process.exitCode = code }, (err) => {
      if (err instanceof UsageError || (err as Error).name?.startsWith('Invalid') === true) { console.error(`murmur cluster: ${(err as Error).message}`); process.exitCode = 2; return }
      if (err instanceof ClusterStoppedError) { console.error(`murmur cluster: ${err.message}`); process.exitCode = 128 + constants.signals[err.signal]; return }
      const line = describeFailure(err)
      console.error(line === undefined ? err : `murmur cluster: ${line}`)
      process.exitCode = 1
    })
    .finally(stopWatchingParent)
}
