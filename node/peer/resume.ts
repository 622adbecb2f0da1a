/**
 * Coming back: `--resume` (the newest usable checkpoint of --data-dir) and catching up with a run that went
 * on without this peer (after a freeze, a partition or a restart).
 *
 * What a resumed peer keeps. Into a run that is still going, it takes the current model from a member, like a
 * joiner, and keeps from its checkpoint only what the run does not hold: its place in its minibatch stream
 * (no batch trained twice) and its CHOCO public copies (they resynchronise by version either way). Everything
 * its model held up to the crash was already sent to and mixed by its neighbours, so the pulled model contains
 * that work and more; rejoining with the stale checkpoint model instead would move the network average back by
 * (x_ckpt − x̄)/n and start the peer far outside the consensus band. Its momentum and ef(...) error memory
 * belong to the stale model and are reset. When no member is active (the whole run restarts), each peer goes
 * on from its own checkpoint, model and all, at the checkpoint's round.
 */
import { join } from 'node:path'
import { checkCheckpointSteps } from '../../lib/algorithms/index.ts'
import type { AlgorithmState, PeerAlgorithm } from '../../lib/algorithms/index.ts'
import { agreedConfig, configDiff, configHash, legacyConfigHash } from '../../lib/experiment/index.ts'
import type { AgreedConfig, RunConfig } from '../../lib/experiment/index.ts'
import { InvalidCheckpointError, listCheckpoints, loadLatestCheckpoint, removeLeftovers } from '../checkpoint/index.ts'
import type { SkippedCheckpoint } from '../checkpoint/index.ts'
import type { MemberView } from '../membership/index.ts'
import { ShardMismatchError } from './errors.ts'
import { CHECKPOINT_DIR, METRICS_FILE, PEER_FILE, readPeerFile } from './files.ts'

/** `--resume` found checkpoints but none it may use (all corrupt, of another config, or refused by the algorithm). */
export class ResumeFailedError extends Error {
  static override name = 'ResumeFailedError'
  constructor (message: string) {
    super(message)
    this.name = 'ResumeFailedError'
  }
}

export interface Resumed {
  /** the checkpoint file used */
  path: string
  /** rounds completed when it was written: the round this peer goes on from */
  round: number
  /** newer checkpoint files that were refused, one line each */
  refused: string[]
}

export interface ResumeOptions {
  /**
   * this peer's slot (`--shard slot/config.peers`): a checkpoint written in another slot is refused with
   * ShardMismatchError. The slot is the checkpoint's own; older checkpoints, which lack it, are judged by the
   * slot in the data dir's peer.json (written at every start). Absent: not checked.
   */
  slot?: number
}

/**
 * Loads the newest usable checkpoint of `dataDir` into `algorithm` (which then holds its state). A corrupt
 * file, one of another run config (the differing fields are named) or one the algorithm refuses is logged
 * and the previous one tried. No checkpoint at all: undefined (the peer starts as a new one). Checkpoints
 * that all fail: ResumeFailedError, naming each and why. The checkpoint of another slot than `opts.slot`:
 * ShardMismatchError (a data dir holds one peer's run; an older checkpoint of the right slot is no way out).
 */
export function resumeFromCheckpoint (dataDir: string, config: RunConfig, algorithm: PeerAlgorithm, log: (line: string) => void, opts: ResumeOptions = {}): Resumed | undefined {
  const dir = join(dataDir, CHECKPOINT_DIR)
  for (const f of removeLeftovers(dir)) log(`--resume: removed ${f}, the temporary file of a checkpoint write that was cut short`)
  const files = listCheckpoints(dir)
  // read before this start writes its own peer.json
  const earlierSlot = readPeerFile(dataDir)?.slot
  if (files.length === 0) {
    log(`--resume: no checkpoint in ${dir}; starting as a new peer`)
    // nothing of the other slot is loaded: only its records stay, the new ones appended after them
    if (opts.slot !== undefined && earlierSlot !== undefined && earlierSlot !== opts.slot) {
      log(`warning: --resume: ${dataDir} was last run as --shard ${earlierSlot}/${config.peers} (its ${PEER_FILE}), this peer is --shard ${opts.slot}/${config.peers}; ` +
        `its records are appended to that run's ${METRICS_FILE}`)
    }
    return undefined
  }
  const agreed = agreedConfig(config)
  const validate = (state: unknown): AlgorithmState => {
    // a run of R rounds checkpoints at most round R: a later one (crafted, or of a run whose --rounds differed
    // though the hash agreed) is refused before the algorithm sees it
    const claimed = (state as Partial<AlgorithmState> | null)?.round
    if (typeof claimed === 'number' && claimed > config.rounds) throw new InvalidCheckpointError('state', `a run of ${config.rounds} rounds checkpoints at most round ${config.rounds}, got round ${claimed}`)
    // and its data position at most localSteps a round: a larger one would be replayed minibatch by minibatch
    checkCheckpointSteps(state as AlgorithmState, config.localSteps)
    // importState checks the whole state before it changes anything, so a refused one leaves the algorithm as it was
    algorithm.importState(state as AlgorithmState)
    return state as AlgorithmState
  }
  let result = loadLatestCheckpoint<AlgorithmState>(dir, configHash(config), validate)
  // a training run's checkpoints written before its dim (the model's parameter count) was agreed hold dim null and
  // another hash: usable when every other agreed field is this run's; the algorithm checks the model's length
  const legacy = (s: SkippedCheckpoint): boolean => config.algo !== 'gossip' && s.fault === 'config' && s.config?.dim === null &&
    configDiff({ ...agreed, dim: null }, s.config as AgreedConfig).length === 0
  let olderMurmur: string | undefined
  if (result.checkpoint === undefined && result.skipped.some(legacy)) {
    const retry = loadLatestCheckpoint<AlgorithmState>(dir, legacyConfigHash(config), validate)
    const second = new Map(retry.skipped.map((s) => [s.file, s]))
    const used = retry.path === undefined ? undefined : retry.path.slice(dir.length + 1)
    const newer = used === undefined ? result.skipped : result.skipped.slice(0, result.skipped.findIndex((s) => s.file === used))
    // each file as the pass that could use it judged it: an older murmur's by the second, the others by the first
    result = { ...retry, skipped: newer.map((s) => legacy(s) ? second.get(s.file) ?? s : s) }
    if (used !== undefined) olderMurmur = used
  }
  const refused = result.skipped.map((s) => {
    if (s.fault === 'config' && s.config !== undefined) {
      const diff = configDiff(agreed, s.config as AgreedConfig)
      const fields = diff.length > 0
        ? diff.map((d) => `${d.field}: this run ${JSON.stringify(d.ours)}, checkpoint ${JSON.stringify(d.theirs)}${d.hint !== undefined ? ` (${d.hint})` : ''}`).join('; ')
        : 'every agreed field is equal but the hash differs (another murmur version?)'
      return `${s.file}: written by a run with another config (${fields})`
    }
    return `${s.file}: ${s.reason}`
  })
  for (const line of refused) log(`warning: --resume: refused ${line}`)
  if (result.checkpoint === undefined || result.path === undefined) {
    const otherConfig = result.skipped.some((k) => k.fault === 'config')
    throw new ResumeFailedError(`--resume: none of the ${files.length} checkpoints in ${dir} can be used: ${refused.join(' | ')}. ` +
      (otherConfig ? 'Resume with the config they were written with (--config), or move them away to start this peer afresh' : 'Move them away (or drop --resume) to start this peer afresh'))
  }
  if (opts.slot !== undefined) {
    const recorded = result.checkpoint.slot ?? earlierSlot
    if (recorded !== undefined && recorded !== opts.slot) {
      const where = result.checkpoint.slot !== undefined ? `its checkpoint of round ${result.checkpoint.round} was written` : `its ${PEER_FILE} says it ran`
      const n = config.peers
      throw new ShardMismatchError(`--resume: ${dataDir} holds the run of --shard ${recorded}/${n} (${where} as --shard ${recorded}/${n}), but this peer was given --shard ${opts.slot}/${n}. ` +
        `Going on from it would train shard ${opts.slot} from shard ${recorded}'s place in its data and random streams, and leave shard ${recorded} without its peer. ` +
        `Resume with --shard ${recorded}/${n}; to run --shard ${opts.slot}/${n}, give it a --data-dir of its own (a copied folder also copies the other peer's identity key), or drop --resume to start this folder afresh (its checkpoints are moved to previous/)`,
      recorded, opts.slot)
    }
  }
  if (olderMurmur !== undefined) {
    log(`--resume: ${olderMurmur} was written by an older murmur, whose config left out the model's size (dim null); its model has this run's ${String(config.dim)} parameters: ` +
      `resuming from it, and checkpointing with dim ${String(config.dim)} from now on. Every peer of the run needs a murmur that agrees dim, or the peers refuse each other`)
  }
  log(`--resume: continuing from ${result.path} (round ${result.checkpoint.round}${refused.length > 0 ? `, after refusing ${refused.length} newer` : ''})`)
  return { path: result.path, round: result.checkpoint.round, refused }
}

/**
 * The state a resumed peer takes into a running run: the pulled model at the join round, its own minibatch
 * position and CHOCO copies, zero momentum and no error memory (see the file comment for why).
 */
export function rejoinState (own: AlgorithmState, pulled: Float32Array, round: number): AlgorithmState {
  const state: AlgorithmState = { ...own, round, params: pulled, momentum: new Float32Array(own.momentum.length) }
  delete state.errorMemory
  return state
}

/**
 * The round to jump to when this peer has fallen behind its neighbours, or undefined when it has not. A live
 * neighbour of this round that announces round N ≥ r + 2 has finished round r + 1, so it went past round r
 * without this peer's message (it timed this peer out, or did not count it a member then: a freeze, a
 * partition): running r, r + 1, … would wait out a deadline each, for messages that were never sent, and keep
 * the neighbours waiting for ours. Announced rounds lag the truth by up to a heartbeat, so N is a lower bound:
 * a jump never overshoots, and what the neighbours sent for rounds ≥ N is waiting in the exchange's early buffer.
 */
export function catchUpRound (view: readonly MemberView[], neighbours: readonly string[], round: number): number | undefined {
  let target: number | undefined
  const wanted = new Set(neighbours)
  for (const v of view) {
    if (v.self || !v.live || v.state !== 'active' || !wanted.has(v.id)) continue
    if (v.round >= round + 2 && (target === undefined || v.round > target)) target = v.round
  }
  return target
}

/**
 * The round a run that has not started goes on from: the newest of this peer's own (its checkpoint's round, 0
 * without one) and those of the live peers waiting to start. A peer resuming a whole run announces its
 * checkpoint's round while it waits, and the round it fixed once it has; the checkpoints of `--checkpoint-every K`
 * differ after a crash between two of them, and the cohort starts at the newest, so that no peer trains the rounds
 * between alone while the others wait for it (the ones behind take a model of that round, node/peer enterRun).
 * A new run: every peer announces 0, and it starts at 0.
 */
export function cohortRound (view: readonly MemberView[], own: number): number {
  let round = own
  for (const v of view) {
    if (v.self || !v.live || v.state !== 'joining') continue
    round = Math.max(round, v.round, v.since ?? 0)
  }
  return round
}

/**
 * After this peer fixed `round` as its first, the later first round another peer of its cohort fixed, or undefined:
 * a peer resuming from a newer checkpoint that was not heard when this one decided (this one's start timeout came
 * first). Not once a member is running from `round` or before: the run has started here, and a peer fixing a later
 * round is a joiner of it.
 */
export function laterCohortStart (view: readonly MemberView[], round: number): number | undefined {
  const others = view.filter((v) => !v.self && v.live && v.state !== 'leaving' && v.since !== undefined)
  if (others.some((v) => v.state === 'active' && (v.since as number) <= round)) return undefined
  let later: number | undefined
  for (const v of others) if ((v.since as number) > round && (later === undefined || (v.since as number) > later)) later = v.since
  return later
}
