/**
 * A whole run restarting with --resume from checkpoints of different rounds (a crash between two checkpoints of
 * `--checkpoint-every K` leaves some peers a checkpoint behind): the peers find each other and start as one cohort at
 * the newest checkpoint's round; the one behind takes the model of a peer at that round instead of training alone.
 * In-process peers over real libp2p on 127.0.0.1, gossip of a small vector, a fast heartbeat.
 */
import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createAlgorithm } from '../../../lib/algorithms/index.ts'
import { agreedConfig, algorithmConfig, configHash, prepareTraining, resolveRunConfig, withModelDim } from '../../../lib/experiment/index.ts'
import type { RunConfig } from '../../../lib/experiment/index.ts'
import { peerStreams } from '../../../lib/sim/index.ts'
import { writeCheckpoint } from '../../../node/checkpoint/index.ts'
import { CHECKPOINT_DIR, METRICS_FILE } from '../../../node/peer/index.ts'
import type { PeerInit, PeerRecord } from '../../../node/peer/index.ts'
import { startLoggedPeer, stopLogged } from './helpers.ts'
import type { LoggedPeer } from './helpers.ts'

const dirs: string[] = []
const running: LoggedPeer[] = []

function newDir (): string {
  const d = mkdtempSync(join(tmpdir(), 'murmur-restart-cohort-'))
  dirs.push(d)
  return d
}

/** A data dir holding slot `slot`'s checkpoint of round `round` (its x0, as a peer of this slot would have it), written with the slot recorded or not. */
async function checkpointed (config: RunConfig, slot: number, round: number, opts: { slot?: boolean } = {}): Promise<string> {
  const dir = newDir()
  const training = await prepareTraining(config, { slot })
  try {
    const s = peerStreams(config.seed, slot)
    const algorithm = createAlgorithm(algorithmConfig(config), { x0: training.x0(slot, s.x0), objective: training.objective?.(slot, s.objective), rng: s.algorithm, id: 'x' })
    const state = { ...algorithm.exportState(), round }
    // as the peer does: the agreed config holds the model's parameter count (a training run's dim)
    const sized = withModelDim(config, training.dim)
    writeCheckpoint(join(dir, CHECKPOINT_DIR), { configHash: configHash(sized), round, writtenAt: Date.now(), config: agreedConfig(sized), state, ...(opts.slot === false ? {} : { slot }) })
  } finally {
    training.dispose()
  }
  return dir
}

function start (config: RunConfig, slot: number, dataDir: string, extra: Partial<PeerInit> = {}): LoggedPeer {
  return startLoggedPeer({ config, slot, dataDir, resume: true, startTimeoutMs: 20_000, ...extra }, running)
}

async function stopAll (): Promise<void> {
  await stopLogged(running, dirs)
}

function records (dataDir: string): PeerRecord[] {
  const path = join(dataDir, METRICS_FILE)
  if (!existsSync(path)) return []
  return readFileSync(path, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as PeerRecord)
}

function logs (peers: LoggedPeer[]): string {
  return peers.map((p, i) => p.log.map((l) => `[${i}] ${l}`).join('\n')).join('\n')
}

/** every record of each peer: a member of a run of `n`, starting after `from`, mixing neighbours, no round waited out to its deadline */
function assertOneCohort (peers: LoggedPeer[], config: RunConfig, from: number): void {
  const all = logs(peers)
  for (const [slot, p] of peers.entries()) {
    const recs = records(p.init.dataDir)
    assert.ok(recs.length > 0, `slot ${slot} trained\n${all}`)
    assert.equal(recs[0].round, from + 1, `slot ${slot}'s first round is the cohort's\n${all}`)
    for (const r of recs) {
      assert.equal(r.members, config.peers, `slot ${slot} round ${r.round}: ${r.members} members (training alone?)\n${all}`)
      assert.ok(r.received > 0, `slot ${slot} round ${r.round}: heard no neighbour\n${all}`)
      assert.ok(r.roundMs < config.roundDeadlineMs * 0.8, `slot ${slot} round ${r.round}: ${Math.round(r.roundMs)} ms, a deadline waited out\n${all}`)
    }
  }
}

describe('node/peer: a whole run restarting with --resume from checkpoints of different rounds', function () {
  this.timeout(60_000)
  afterEach(stopAll)
  const base = { peers: 3, algo: 'gossip', dim: 50, rounds: 60, seed: 1, roundDeadlineMs: 3000 } as const

  it('starts as one cohort at the newest checkpoint\'s round; the peer a checkpoint behind takes a model of that round and says so', async () => {
    // before: slot 2 (round 20) waited 10 heartbeats for members of round 20, warned "starting with 1 of 3 peers", trained
    // rounds 21 to 40 alone, and the others waited out a round deadline for it at round 41
    const config = resolveRunConfig({ ...base, runId: 'restart-cohort' })
    const data = [await checkpointed(config, 0, 40), await checkpointed(config, 1, 40), await checkpointed(config, 2, 20)]
    const a = start(config, 0, data[0])
    const boot = await a.addrs
    const peers = [a, start(config, 1, data[1], { bootstrap: boot }), start(config, 2, data[2], { bootstrap: boot })]
    const results = await Promise.all(peers.map(async (p) => await p.done))
    assertOneCohort(peers, config, 40)
    const all = logs(peers)
    const idOf = await Promise.all(peers.map(async (p) => await p.peerId))
    const behind = peers[2].log.find((l) => l.includes('checkpoint of round 20'))
    assert.ok(behind !== undefined && /20 rounds behind/.test(behind) && /round 40/.test(behind) && (behind.includes(idOf[0]) || behind.includes(idOf[1])), all)
    assert.ok(!all.includes('starting with 1 of 3'), all)
    for (const r of results) {
      assert.equal(r.reason, 'rounds')
      assert.equal(r.rounds, 60)
    }
    assert.equal(results[2].firstRound, 40)
    assert.equal(results[2].roundsRun, 20)
  })

  it('a peer without a checkpoint (its folder lost) joins the restarting cohort at its round with a pulled model, not at round 0 alone', async () => {
    const config = resolveRunConfig({ ...base, runId: 'restart-cohort-fresh' })
    const a = start(config, 0, await checkpointed(config, 0, 40))
    const boot = await a.addrs
    const peers = [a, start(config, 1, await checkpointed(config, 1, 40), { bootstrap: boot }), start(config, 2, newDir(), { bootstrap: boot })]
    await Promise.all(peers.map(async (p) => await p.done))
    assertOneCohort(peers, config, 40)
  })

  it('a peer that fixed its checkpoint\'s round before the others were heard catches up with them before its first round', async () => {
    // slot 2 (round 20) starts alone and fixes round 20 at its start timeout; slots 0 and 1 (round 40) arrive while it
    // waits for members of round 20: they start at 40, and so does slot 2 once it hears them
    // before: slot 2 waited out its 10 heartbeats and trained alone from round 20; the others waited out a deadline at 40
    const config = resolveRunConfig({ ...base, runId: 'restart-cohort-late' })
    const later = [await checkpointed(config, 0, 40), await checkpointed(config, 1, 40)]
    // it waits up to 10 heartbeats (4 s) for members of round 20 once it has fixed it
    const c = start(config, 2, await checkpointed(config, 2, 20), { startTimeoutMs: 100, heartbeatMs: 400 })
    const boot = await c.addrs
    const fixed = Date.now() + 10_000
    while (!c.log.some((l) => l.startsWith('start timeout: fixing round 20')) && Date.now() < fixed) await new Promise((resolve) => setTimeout(resolve, 20))
    const peers = [start(config, 0, later[0], { bootstrap: boot, heartbeatMs: 400 }), start(config, 1, later[1], { bootstrap: boot, heartbeatMs: 400 }), c]
    await Promise.all(peers.map(async (p) => await p.done))
    assertOneCohort(peers, config, 40)
    const all = logs(peers)
    assert.ok(c.log.some((l) => l.startsWith('start timeout: fixing round 20 with 1 of 3 peers heard')), all)
    const idc = await c.peerId
    // the first of them to decide says so (the second may follow the first's round 40)
    assert.ok(peers.slice(0, 2).some((p) => p.log.some((l) => l.startsWith(`peer ${idc} has fixed round 20 of the run`) && l.includes('starting at round 40'))), all)
  })
})

describe('node/peer: what a resumed peer says about its rounds', function () {
  this.timeout(60_000)
  afterEach(stopAll)
  const base = { peers: 2, algo: 'gossip', dim: 50, seed: 1, roundDeadlineMs: 2000 } as const

  it('its start timeout names the checkpoint\'s round, not round 0; its result counts the rounds of this life apart from the round reached', async () => {
    // before: "start timeout: fixing round 0 with 1 of 2 peers heard" for a peer going on from round 40
    const config = resolveRunConfig({ ...base, rounds: 45, runId: 'resume-words' })
    const p = start(config, 0, await checkpointed(config, 0, 40), { startTimeoutMs: 200 })
    const r = await p.done
    assert.ok(p.log.some((l) => l.startsWith('start timeout: fixing round 40 with 1 of 2 peers heard')), p.log.join('\n'))
    assert.equal(r.rounds, 45)
    assert.equal(r.firstRound, 40)
    assert.equal(r.roundsRun, 5)
    assert.ok(p.log.some((l) => /^this life: 5 rounds run \(rounds 41 to 45\), round 45 of 45 reached/.test(l)), p.log.join('\n'))
  })

  it('a resumed peer whose run is over reports the round it had reached, not 0 rounds', async () => {
    // before: "done: 0 rounds (the run's last round reached)" from a peer that had done 50 rounds
    const config = resolveRunConfig({ ...base, rounds: 60, runId: 'resume-over' })
    // slot 0 finished the run (its checkpoint is of the last round): it listens for two heartbeats (2 s) and leaves
    const data = [await checkpointed(config, 0, 60), await checkpointed(config, 1, 50)]
    const a = start(config, 0, data[0], { heartbeatMs: 1000 })
    const b = start(config, 1, data[1], { bootstrap: await a.addrs })
    const [ra, rb] = await Promise.all([a.done, b.done])
    const all = logs([a, b])
    assert.equal(ra.rounds, 60, all)
    assert.equal(rb.rounds, 50, all)
    assert.equal(rb.roundsRun, 0, all)
    assert.equal(rb.firstRound, 50, all)
    assert.ok(b.log.some((l) => l.startsWith('the run is over') && l.includes('round 50')), all)
    assert.equal(records(b.init.dataDir).length, 0, 'no round trained alone')
  })
})
