/**
 * `murmur cluster --until-accuracy A`: while the peers run, average their snapshots of every snapshot round in
 * order and test the averaged model, so the cluster can stop the run at the first round where it reaches A.
 *
 * The averaged model x̄ = (1/n) Σ x_i is what decentralized SGD's guarantees are about (Lian et al. 2017, Thm 1;
 * Koloskova et al. 2019, Thm 2), and what `murmur sim` tests on its evaluation rounds; a peer's own
 * `--until-accuracy` stops that peer alone (the others then lose a neighbour), this one stops the whole run.
 */
import { prepareTraining } from '../../lib/experiment/index.ts'
import type { RunConfig } from '../../lib/experiment/index.ts'
import { meanAndSpread } from '../../lib/vector/index.ts'
import { readLastRecord, readSnapshot, snapshotPath } from '../../node/peer/index.ts'
import { UsageError } from '../../node/cli/args.ts'
import { existsSync } from 'node:fs'

export interface TargetHit {
  /** the snapshot round whose averaged model first reached the target */
  round: number
  accuracy: number
}

/** a live peer of the run, as the watch sees it */
export interface WatchedPeer {
  dataDir: string
  /**
   * for a peer started into the running run (a joiner, a restarted peer): the round of its last record when it
   * started (0 for a joiner). It is not in the run until it records a later round; undefined for a peer that has
   * been in the run from round 0
   */
  startRound?: number
}

export interface TargetWatchInit {
  /** test accuracy to reach, in [0, 1] */
  target: number
  /** rounds between snapshots (the peers' --snapshot-every); rounds every, 2·every, ... are tested */
  every: number
  dim: number
  /** test accuracy of a parameter vector (the whole test set, or what the run's --eval-limit says) */
  evaluate: (params: Float32Array) => number
  /** releases what `evaluate` holds (the model, the test set) */
  dispose?: () => void
}

export interface TargetWatch {
  readonly target: number
  /** set once a tested round reached the target; polls after that do nothing */
  readonly hit: TargetHit | null
  /** the last tested round and its averaged model's accuracy */
  readonly last: TargetHit | null
  /** milliseconds spent reading, averaging and testing snapshots so far (in the cluster's process) */
  readonly evalMs: number
  /**
   * Tests the next snapshot round once every one of `peers` (the live ones) that is in the run has written it or
   * passed it; at most one round a call, so the caller's loop stays responsive. Returns the hit when this call found it.
   */
  poll: (peers: readonly WatchedPeer[]) => TargetHit | null
  dispose: () => void
}

function checkEvery (every: number): void {
  if (!(every > 0)) throw new UsageError(`--until-accuracy tests the peers' snapshots: expected --snapshot-every of at least 1, got ${every}`, 'snapshot-every', 'an integer >= 1 with --until-accuracy')
}

export function createTargetWatch (init: TargetWatchInit): TargetWatch {
  checkEvery(init.every)
  const avg = new Float32Array(init.dim)
  let next = init.every
  let hit: TargetHit | null = null
  let last: TargetHit | null = null
  let evalMs = 0
  return {
    target: init.target,
    get hit () { return hit },
    get last () { return last },
    get evalMs () { return evalMs },
    poll (peers) {
      if (hit !== null) return null
      const lastRound = (dataDir: string): number => readLastRecord<{ round: number }>(dataDir)?.round ?? 0
      // a peer started into the run is not in it until it records a round of its own: it may take many rounds to load
      // and join, and waiting for it held the decision back as long (a hit at round 90 stopped the peers at 212)
      const dataDirs = peers.filter((p) => p.startRound === undefined || lastRound(p.dataDir) > p.startRound).map((p) => p.dataDir)
      if (dataDirs.length === 0) return null
      const paths = dataDirs.map((d) => snapshotPath(d, next))
      // a peer past this round without its snapshot (it joined later) will never write it: test the others
      const ready = paths.map((p, i) => existsSync(p) || lastRound(dataDirs[i]) >= next)
      if (!ready.every(Boolean)) return null
      const t0 = performance.now()
      // snapshots are written atomically (rename), so one that exists is whole; a wrong size is skipped
      const snaps = paths.map((p) => readSnapshot(p, init.dim)).filter((s): s is Float32Array => s !== undefined)
      if (snaps.length === 0) { next += init.every; return null }
      meanAndSpread(snaps, avg)
      last = { round: next, accuracy: init.evaluate(avg) }
      evalMs += performance.now() - t0
      next += init.every
      if (last.accuracy >= init.target) hit = last
      return hit
    },
    dispose: () => { init.dispose?.() }
  }
}

/** A watch over a run's peers: the run's model and test set, loaded here (one slot's shard, not the whole split). */
export async function createClusterTargetWatch (config: RunConfig, target: number, every: number): Promise<TargetWatch> {
  if (config.algo === 'gossip') throw new UsageError('--until-accuracy tests a model; --algo gossip averages vectors and trains none', 'until-accuracy', 'with --algo dpsgd or choco')
  checkEvery(every) // before the model and data load
  const training = await prepareTraining(config, { slot: 0 })
  const evaluate = training.evaluate
  if (evaluate === undefined) { training.dispose(); throw new UsageError(`--until-accuracy: --algo ${config.algo} has no model to test`, 'until-accuracy', 'with --algo dpsgd or choco') }
  return createTargetWatch({ target, every, dim: training.dim, evaluate: (x) => evaluate(x, config.evalLimit).accuracy, dispose: () => { training.dispose() } })
}
