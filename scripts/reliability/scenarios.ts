/**
 * The fault scenarios of issue 4, each on real `murmur peer` processes, each returning its measured figures
 * and the pass criteria checked on them:
 *
 * - freeze:    SIGSTOP one peer for 3× the round deadline, then SIGCONT
 * - long-freeze: the same for 15 s (past libp2p's connection monitor too, so its neighbours close their connections)
 * - transfer:  SIGKILL one peer while its model is on the wire (a large gossip vector), shown by the
 *              survivors' count of partial messages discarded ('truncated')
 * - restart:   SIGKILL one peer and restart it with --resume (same data dir, identity and slot)
 * - partition: cut a 6-peer network in halves for 10 rounds, then heal (network namespaces: scripts/reliability/partition.ts)
 * - isolate:   cut one peer of five off the network for 10 s, then heal (namespaces too)
 * - long-isolate: the same for 30 s, past the time it forgets the others and trains on alone
 *
 * Survivors must finish every round within deadline + 10 % (their exchange time, commMs), and every process
 * must exit 0 at the end (a graceful SIGTERM of the whole fleet, or its last round).
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { createRng } from '../../lib/random/index.ts'
import { hostAddress } from '../lib/netns.ts'
import { consensusAt, exchangeTimes, logOf, snapshotDim } from './measure.ts'
import { records, startFleet } from './peers.ts'
import type { Fleet, FleetInit } from './peers.ts'
import { createPartitionNetwork, PartitionUnavailableError } from './partition.ts'
import type { PartitionNetwork } from './partition.ts'

/** A pass criterion; `timing` ones compare wall-clock times, which load from other processes on the machine can stretch. */
export interface Check { name: string, pass: boolean, detail: string, timing?: boolean }
export interface ScenarioResult {
  name: string
  /** what was run: peers × rounds */
  load: string
  fault: string
  figures: Record<string, number | string>
  checks: Check[]
  /** not run here, and why */
  skipped?: string
  out: string
}

export interface ScenarioOptions {
  /** parent folder of the peers' data dirs (default: a temporary folder) */
  out?: string
  seed?: number
  /** round deadline (ms) */
  deadlineMs?: number
  log?: (line: string) => void
}

const HEARTBEAT_MS = 250
const SLACK = 1.1

/** D-PSGD on MNIST softmax regression: cheap rounds (2 cores shared by several processes), real training, snapshots every round */
function trainingArgs (runId: string, rounds: number, deadlineMs: number, extra: string[] = []): string[] {
  return ['--algo', 'dpsgd', '--model', 'softmax', '--batch', '16', '--lr', '0.05', '--rounds', String(rounds), '--eval-every', '0',
    '--eval-limit', '1000', '--heartbeat', String(HEARTBEAT_MS), '--round-deadline', String(deadlineMs), '--snapshot-every', '1',
    '--start-timeout', '120000', '--run-id', runId, ...extra]
}

function outDir (opts: ScenarioOptions, name: string): string {
  return opts.out !== undefined ? join(opts.out, name) : mkdtempSync(join(tmpdir(), `murmur-fault-${name}-`))
}

function deadlineCheck (fleet: Fleet, survivors: number[], deadlineMs: number, figures: Record<string, number | string>): Check {
  let worst = 0
  let worstRound = 0
  for (const i of survivors) {
    const t = exchangeTimes(records(fleet.peers[i].dataDir), deadlineMs)
    if (t.maxCommMs > worst) worst = t.maxCommMs
    worstRound = Math.max(worstRound, t.maxRoundMs)
  }
  figures['survivors: longest exchange (ms)'] = Math.round(worst)
  figures['survivors: longest round incl. compute (ms)'] = Math.round(worstRound)
  let over = 0
  let total = 0
  for (const i of survivors) for (const r of records(fleet.peers[i].dataDir)) { total++; if (r.commMs > SLACK * deadlineMs) over++ }
  figures['survivors: rounds over deadline + 10 %'] = `${over} of ${total}`
  return { name: `survivors finish every round within deadline + 10 % (${Math.round(SLACK * deadlineMs)} ms)`, pass: worst <= SLACK * deadlineMs, detail: `longest exchange ${worst.toFixed(0)} ms, ${over} of ${total} rounds over`, timing: true }
}

function exitCheck (fleet: Fleet): Check {
  const bad = fleet.peers.filter((p) => p.exit?.code !== 0)
  return { name: 'every process exits 0', pass: bad.length === 0, detail: bad.map((p) => `peer-${p.index}: ${JSON.stringify(p.exit)}`).join(', ') || 'all 0' }
}

async function stopAll (fleet: Fleet): Promise<void> {
  for (const p of fleet.peers) if (p.exit === undefined) p.child.kill('SIGTERM')
  await fleet.finish(30_000)
}

/** A long freeze: well past the membership timeout and libp2p's pings (10 s apart), so neighbours close their connections. */
const LONG_FREEZE_MS = 15_000

/**
 * SIGSTOP one peer, then SIGCONT: its neighbours wait out at most a deadline a round, drop it, go on; it catches up.
 * `freeze` stops it for 3× the deadline. `long-freeze` for 15 s: on waking it must not take its neighbours' silence
 * over the freeze for their departure (node/membership/clock.ts), train alone and drag them forward; the rounds in
 * which the survivors hear it again may each wait out one deadline for it, as it has not caught up yet.
 */
export async function freezeScenario (opts: ScenarioOptions = {}, long = false): Promise<ScenarioResult> {
  const deadlineMs = opts.deadlineMs ?? 1000
  const freezeMs = long ? LONG_FREEZE_MS : 3 * deadlineMs
  const name = long ? 'long-freeze' : 'freeze'
  const out = outDir(opts, name)
  const peers = 4
  const victim = 2
  const fleet = await startFleet({ out, peers, runArgs: trainingArgs(`fault-${name}`, 100_000, deadlineMs) })
  const figures: Record<string, number | string> = {}
  const checks: Check[] = []
  try {
    await fleet.waitFor(() => (fleet.last(victim)?.round ?? 0) >= 30, 180_000, 'round 30')
    const frozenAt = fleet.last(victim)!.round
    const othersAt = fleet.last(0)!.round
    fleet.peers[victim].child.kill('SIGSTOP')
    await sleep(freezeMs)
    const othersAtWake = fleet.last(0)!.round
    fleet.peers[victim].child.kill('SIGCONT')
    // run on until the frozen peer has done 30 more rounds
    await fleet.waitFor(() => (fleet.last(victim)?.round ?? 0) >= othersAtWake + 30, 120_000, 'the frozen peer to catch up')
    // what follows the SIGTERM is left out: peers leave a round or two apart, and the last may run its final round alone
    const stoppedAt = Date.now()
    await stopAll(fleet)
    const v = records(fleet.peers[victim].dataDir)
    figures['frozen for (ms)'] = freezeMs
    figures['survivors\' rounds during the freeze'] = othersAtWake - othersAt
    figures['rounds the frozen peer skipped to catch up'] = v.at(-1)?.skipped ?? 0
    figures['frozen peer: round before / after'] = `${frozenAt} / ${v.at(-1)?.round ?? 0}`
    checks.push(deadlineCheck(fleet, [0, 1, 3], deadlineMs, figures))
    // after the wake, the neighbourhood runs at its own pace again: count survivors' rounds that waited out the deadline after it
    const wakeRound = othersAtWake + 10
    const slowEach = [0, 1, 3].map((i) => records(fleet.peers[i].dataDir).filter((r) => r.round > wakeRound && r.time < stoppedAt && r.commMs >= 0.9 * deadlineMs).length)
    const slowAfter = slowEach.reduce((a, b) => a + b, 0)
    figures['survivors\' deadline-long rounds from 10 rounds after the wake'] = `${slowAfter} (${slowEach.join(', ')})`
    const alone = v.filter((r) => r.round > frozenAt && r.time < stoppedAt && r.members === 1).length
    const survivorsSkipped = [0, 1, 3].reduce((s, i) => s + (records(fleet.peers[i].dataDir).at(-1)?.skipped ?? 0), 0)
    figures['frozen peer: rounds alone after the wake'] = alone
    figures['survivors\' rounds skipped'] = survivorsSkipped
    checks.push({ name: 'the survivors kept training during the freeze', pass: othersAtWake - othersAt >= 2, detail: `${othersAtWake - othersAt} rounds` })
    if (long) checks.push({ name: 'the frozen peer catches up; each survivor waits out at most one deadline for it after the wake', pass: slowEach.every((n) => n <= 1), detail: `${slowEach.join(', ')} deadline-long rounds after` })
    else checks.push({ name: 'the frozen peer catches up and no one waits on it afterwards', pass: slowAfter === 0, detail: `${slowAfter} deadline-long rounds after` })
    checks.push({ name: 'the frozen peer never trains alone after waking, and no survivor skips a round', pass: alone === 0 && survivorsSkipped === 0, detail: `${alone} rounds alone, ${survivorsSkipped} skipped by the survivors` })
    checks.push(exitCheck(fleet))
  } finally {
    fleet.killAll()
  }
  return { name, load: `${peers} peers × ${fleet.last(0)?.round ?? 0} rounds`, fault: `SIGSTOP 1 peer for ${freezeMs / 1000} s`, figures, checks, out }
}

/**
 * SIGKILL one peer while it sends: gossip of a large vector, so a round is mostly transfer; the kill lands at a
 * seeded point of a round. The survivors count the cut message as 'truncated' and mix without it.
 */
export async function transferScenario (opts: ScenarioOptions & { dim?: number, attempts?: number } = {}): Promise<ScenarioResult> {
  const deadlineMs = opts.deadlineMs ?? 5000
  const dim = opts.dim ?? 1_000_000
  const out = outDir(opts, 'transfer')
  const peers = 3
  const rng = createRng(opts.seed ?? 1)
  const runArgs = ['--algo', 'gossip', '--dim', String(dim), '--rounds', '100000', '--eval-every', '0', '--snapshot-every', '0', '--heartbeat', String(HEARTBEAT_MS),
    '--round-deadline', String(deadlineMs), '--start-timeout', '120000', '--run-id', 'fault-transfer']
  const fleet = await startFleet({ out, peers, runArgs })
  const figures: Record<string, number | string> = {}
  const checks: Check[] = []
  const victim = 2
  const truncated = (): number => [0, 1].reduce((s, i) => s + (fleet.last(i)?.exchangeRejected.truncated ?? 0), 0)
  try {
    await fleet.waitFor(() => (fleet.last(victim)?.round ?? 0) >= 5, 180_000, 'round 5')
    const roundMs = records(fleet.peers[victim].dataDir).map((r) => r.roundMs).sort((a, b) => a - b)
    const median = roundMs[Math.floor(roundMs.length / 2)]
    figures['message size (MB)'] = (4 * dim / 1e6).toFixed(1)
    figures['round time before the kill, median (ms)'] = Math.round(median)
    figures['partial messages before the kill (deadline aborts)'] = truncated()
    let attempts = 0
    let cut = 0
    const maxAttempts = opts.attempts ?? 3
    for (; attempts < maxAttempts && cut === 0; attempts++) {
      if (attempts > 0) {
        // that kill fell between messages: bring the peer back (--resume) and try again
        await fleet.restart(victim)
        const r0 = fleet.last(0)!.round
        await fleet.waitFor(() => (fleet.last(victim)?.round ?? 0) > r0 + 3, 120_000, 'the restarted peer to run')
      }
      const seen = fleet.last(victim)!.round
      await fleet.waitFor(() => (fleet.last(victim)?.round ?? 0) > seen, 60_000, 'a new round')
      await sleep((0.1 + 0.4 * rng.next()) * median)
      const before = truncated()
      fleet.peers[victim].child.kill('SIGKILL')
      await fleet.peers[victim].exited
      const killedAt = fleet.last(0)!.round
      await fleet.waitFor(() => (fleet.last(0)?.round ?? 0) >= killedAt + 5 && (fleet.last(1)?.round ?? 0) >= killedAt + 5, 120_000, 'the survivors to go on')
      cut = truncated() - before
    }
    await stopAll(fleet)
    figures['kills'] = attempts
    figures['partial messages discarded (truncated)'] = cut
    const recs = [0, 1].map((i) => records(fleet.peers[i].dataDir))
    const rowsOk = recs.flat().every((r) => Math.abs(r.rowSum - 1) < 1e-9)
    checks.push({ name: 'a peer killed mid-transfer leaves a partial message (counted, discarded)', pass: cut > 0, detail: `${cut} truncated after ${attempts} kill(s)` })
    checks.push({ name: 'every realised row of W sums to 1 (the partial message got no weight)', pass: rowsOk, detail: rowsOk ? 'yes' : 'no' })
    checks.push(deadlineCheck(fleet, [0, 1], deadlineMs, figures))
    checks.push({ name: 'survivors exit 0', pass: [0, 1].every((i) => fleet.peers[i].exit?.code === 0), detail: [0, 1].map((i) => JSON.stringify(fleet.peers[i].exit)).join(', ') })
  } finally {
    fleet.killAll()
  }
  return { name: 'transfer', load: `${peers} peers × ${fleet.last(0)?.round ?? 0} rounds, ${(4 * dim / 1e6).toFixed(0)} MB a message`, fault: 'SIGKILL 1 peer mid-transfer', figures, checks, out }
}

/**
 * SIGKILL one peer and restart it with --resume: it must lose at most K rounds of work (K = --checkpoint-every:
 * the checkpoint it resumed from is at most K rounds older than its last round) and be back within 5 rounds
 * (a neighbour mixes its message at most 5 rounds after the round it rejoined at).
 */
export async function restartScenario (opts: ScenarioOptions & { checkpointEvery?: number, rounds?: number } = {}): Promise<ScenarioResult> {
  const deadlineMs = opts.deadlineMs ?? 1000
  const K = opts.checkpointEvery ?? 5
  const rounds = opts.rounds ?? 160
  const out = outDir(opts, 'restart')
  const peers = 4
  const victim = 2
  const rng = createRng(opts.seed ?? 1)
  const fleet = await startFleet({ out, peers, runArgs: trainingArgs('fault-restart', rounds, deadlineMs, ['--checkpoint-every', String(K)]) })
  const figures: Record<string, number | string> = {}
  const checks: Check[] = []
  try {
    const killRound = 40 + Math.floor(rng.next() * K)
    await fleet.waitFor(() => (fleet.last(victim)?.round ?? 0) >= killRound, 180_000, `round ${killRound}`)
    const t0 = Date.now()
    const runAtKill = fleet.last(0)!.round
    await fleet.restart(victim)
    const lastBefore = records(fleet.peers[victim].dataDir).at(-1)!.round
    await fleet.waitFor(() => (fleet.last(victim)?.round ?? 0) > lastBefore, 120_000, 'the restarted peer\'s first round')
    const backAfterMs = Date.now() - t0
    await fleet.finish(300_000)
    const log = logOf(fleet.peers[victim].dataDir)
    const resumedFrom = Number(/--resume: continuing from .* \(round (\d+)/.exec(log)?.[1] ?? NaN)
    const v = records(fleet.peers[victim].dataDir)
    const firstAfter = v.find((r) => r.time >= t0)
    const joinRound = (firstAfter?.round ?? NaN) - 1
    const id = firstAfter?.peerId ?? ''
    const mixedAt = Math.min(...[0, 1, 3].map((i) => records(fleet.peers[i].dataDir).find((r) => r.round > joinRound && r.row.neighbours.some((n) => n.id === id))?.round ?? Infinity))
    const lost = lastBefore - resumedFrom
    figures['checkpoint every K rounds'] = K
    figures['killed after round'] = lastBefore
    figures['resumed from the checkpoint of round'] = resumedFrom
    figures['rounds of work lost'] = lost
    figures['run\'s round at the kill / at the rejoin'] = `${runAtKill} / ${joinRound}`
    figures['restart to first round (s)'] = (backAfterMs / 1000).toFixed(1)
    figures['rounds from rejoining to a neighbour mixing it'] = mixedAt - joinRound
    checks.push({ name: `lost at most K = ${K} rounds of work`, pass: lost >= 0 && lost <= K, detail: `killed after round ${lastBefore}, checkpoint of round ${resumedFrom}` })
    checks.push({ name: 'back within 5 rounds (a neighbour mixes its message)', pass: mixedAt - joinRound <= 5, detail: `${mixedAt - joinRound} rounds after its join round ${joinRound}` })
    checks.push({ name: 'the restarted peer finishes the run', pass: v.at(-1)?.round === rounds, detail: `last round ${v.at(-1)?.round ?? 0}` })
    checks.push(deadlineCheck(fleet, [0, 1, 3], deadlineMs, figures))
    checks.push(exitCheck(fleet))
  } finally {
    fleet.killAll()
  }
  return { name: 'restart', load: `${peers} peers × ${rounds} rounds`, fault: 'SIGKILL 1 peer, restart with --resume', figures, checks, out }
}

/** A network of namespaces that can be cut (partition.ts), or why none can be made here (the scenario is skipped). */
function openPartitionNetwork (peers: number, opts: ScenarioOptions): PartitionNetwork | string {
  try {
    return createPartitionNetwork(peers, opts.log)
  } catch (err) {
    if (err instanceof PartitionUnavailableError) return err.message
    throw err
  }
}

/**
 * A scenario on a network that can be cut: `peers` peers each in its namespace running `runArgs`, handed to `body`
 * with the figures and checks to fill; what `body` returns overrides fields of `base`. The peers are killed and the
 * namespaces removed however `body` ends; without namespaces (not root, no `ip`) the scenario is skipped.
 */
async function cutScenario (
  opts: ScenarioOptions,
  base: Omit<ScenarioResult, 'figures' | 'checks'>,
  peers: number,
  runArgs: string[],
  body: (f: Fleet, net: PartitionNetwork, figures: Record<string, number | string>, checks: Check[]) => Promise<Partial<ScenarioResult> | undefined | void>
): Promise<ScenarioResult> {
  const net = openPartitionNetwork(peers, opts)
  if (typeof net === 'string') return { ...base, figures: {}, checks: [], skipped: net }
  const figures: Record<string, number | string> = {}
  const checks: Check[] = []
  let fleet: Fleet | undefined
  let extra: Partial<ScenarioResult> | undefined | void
  try {
    fleet = await startFleet({ out: base.out, peers, runArgs, host: netnsHost(net) })
    extra = await body(fleet, net, figures, checks)
  } finally {
    fleet?.killAll()
    net.teardown()
  }
  return { ...base, ...extra, figures, checks }
}

/** Each peer in its namespace of `net`, on its own address, bootstrapping from peer 0's. */
function netnsHost (net: PartitionNetwork): NonNullable<FleetInit['host']> {
  return (i) => ({
    prefix: ['ip', 'netns', 'exec', net.namespace(i)],
    listen: '/ip4/0.0.0.0/tcp/9000',
    announce: `/ip4/${hostAddress(i)}/tcp/9000`,
    dialAddr: (addrs) => addrs.find((a) => a.includes(`/${hostAddress(0)}/`))
  })
}

/**
 * Cut a 6-peer network into halves {0,1,2} | {3,4,5} for 10 rounds, then heal. Both halves must keep training
 * (each drops the other after the membership timeout), and the consensus distance after healing must come back
 * within twice its value before the cut.
 */
export async function partitionScenario (opts: ScenarioOptions & { rounds?: number, partitionRounds?: number } = {}): Promise<ScenarioResult> {
  const deadlineMs = opts.deadlineMs ?? 1000
  const peers = 6
  // enough rounds that the run outlasts the cut: a half's rounds take 2 to 5 ms once it has dropped the other
  // half, and with 200 a half could finish the run while still cut off, leaving nothing to heal
  const rounds = opts.rounds ?? 1000
  const cutFor = opts.partitionRounds ?? 10
  const out = outDir(opts, 'partition')
  const base: Omit<ScenarioResult, 'figures' | 'checks'> = { name: 'partition', load: `${peers} peers × ${rounds} rounds`, fault: `network cut in halves for ${cutFor} rounds, then healed`, out }
  return await cutScenario(opts, base, peers, trainingArgs('fault-partition', rounds, deadlineMs, ['--partition', 'dirichlet:0.5']), async (f, net, figures, checks) => {
    const A = [0, 1, 2]
    const B = [3, 4, 5]
    await f.waitFor(() => Math.min(...f.peers.map((p) => f.last(p.index)?.round ?? 0)) >= 50, 240_000, 'round 50 everywhere')
    const cutA = f.last(0)!.round
    const cutB = f.last(3)!.round
    net.cut(B)
    await f.waitFor(() => (f.last(0)?.round ?? 0) >= cutA + cutFor && (f.last(3)?.round ?? 0) >= cutB + cutFor, 120_000, `${cutFor} rounds in both halves`)
    const healA = f.last(0)!.round
    const healB = f.last(3)!.round
    const membersDuring = [f.last(0)!.members, f.last(3)!.members]
    net.heal()
    await f.finish(300_000)
    const dirs = f.peers.map((p) => p.dataDir)
    const dim = snapshotDim(dirs[0], 1) ?? 0
    const pre: number[] = []
    for (let r = cutA - 5; r < cutA; r++) { const c = consensusAt(dirs, r, dim); if (c !== undefined) pre.push(c) }
    const preValue = pre.length > 0 ? Math.max(...pre) : NaN
    let peak = 0
    let back: number | undefined
    const heal = Math.max(healA, healB)
    for (let r = heal; r <= rounds; r++) {
      const c = consensusAt(dirs, r, dim)
      if (c === undefined) continue
      peak = Math.max(peak, c)
      if (back === undefined && c <= 2 * preValue) back = r
    }
    figures['halves\' rounds while cut (A / B)'] = `${healA - cutA} / ${healB - cutB}`
    figures['members seen while cut (A / B)'] = `${membersDuring[0]} / ${membersDuring[1]}`
    figures['consensus distance before the cut (max of 5 rounds)'] = preValue.toExponential(2)
    figures['consensus distance, peak after healing'] = peak.toExponential(2)
    figures['rounds from healing until within 2× of before'] = back === undefined ? 'never' : back - heal
    figures['rounds skipped to catch up (all peers)'] = f.peers.reduce((s, p) => s + (f.last(p.index)?.skipped ?? 0), 0)
    checks.push({ name: 'both halves keep training while cut', pass: healA - cutA >= cutFor && healB - cutB >= cutFor && membersDuring[0] === 3 && membersDuring[1] === 3, detail: `${healA - cutA} and ${healB - cutB} rounds, ${membersDuring.join(' and ')} members` })
    checks.push({ name: 'consensus returns within 2× its pre-partition value', pass: back !== undefined, detail: back === undefined ? 'never' : `${back - heal} rounds after healing` })
    checks.push(deadlineCheck(f, [...A, ...B], deadlineMs, figures))
    checks.push(exitCheck(f))
  })
}

/**
 * How long `isolate` cuts one peer off: well past the membership timeout (3 heartbeats of 250 ms + the 1 s deadline,
 * 1.75 s); `long-isolate` past the 17.5 s after which it forgets the others and trains on alone, at their pace.
 */
const ISOLATE_MS = 10_000
const LONG_ISOLATE_MS = 30_000

/**
 * Cut one peer of five off the network (its cable pulled, not its process stopped) for 10 s, then heal. The four
 * must go on without it. It must not train alone: cut off from most of the run at once it holds its round
 * (node/membership cutOff), so when the network heals it is behind, catches up to the others' round, and no
 * survivor skips a round to follow a model trained alone.
 */
export async function isolateScenario (opts: ScenarioOptions = {}, long = false): Promise<ScenarioResult> {
  const deadlineMs = opts.deadlineMs ?? 1000
  const cutMs = long ? LONG_ISOLATE_MS : ISOLATE_MS
  const name = long ? 'long-isolate' : 'isolate'
  const peers = 5
  const victim = 4
  const survivors = [0, 1, 2, 3]
  const out = outDir(opts, name)
  const base: Omit<ScenarioResult, 'figures' | 'checks'> = { name, load: `${peers} peers`, fault: `1 peer cut off the network for ${cutMs / 1000} s, then healed`, out }
  return await cutScenario(opts, base, peers, trainingArgs(`fault-${name}`, 100_000, deadlineMs), async (f, net, figures, checks) => {
    await f.waitFor(() => Math.min(...f.peers.map((p) => f.last(p.index)?.round ?? 0)) >= 30, 240_000, 'round 30 everywhere')
    const cutAt = f.last(victim)!.round
    const othersAtCut = f.last(0)!.round
    net.cut([victim])
    await sleep(cutMs)
    const victimAtHeal = f.last(victim)!.round
    const othersAtHeal = f.last(0)!.round
    net.heal()
    // long enough for the peers to reconnect and hear each other again (libp2p redials, heartbeats)
    await sleep(ISOLATE_MS / 2)
    await f.waitFor(() => (f.last(victim)?.round ?? 0) >= othersAtHeal + 30 && (f.last(0)?.round ?? 0) >= othersAtHeal + 30, 120_000, 'the cut-off peer to catch up')
    const stoppedAt = Date.now()
    await stopAll(f)
    const v = records(f.peers[victim].dataDir)
    const alone = v.filter((r) => r.round > cutAt && r.time < stoppedAt && r.members === 1).length
    const survivorsSkipped = survivors.reduce((s, i) => s + (records(f.peers[i].dataDir).at(-1)?.skipped ?? 0), 0)
    const held = /holding at round/.test(logOf(f.peers[victim].dataDir))
    figures['cut off for (ms)'] = cutMs
    figures['survivors\' rounds while it was cut off'] = othersAtHeal - othersAtCut
    figures['cut-off peer: rounds while cut off / of them alone'] = `${victimAtHeal - cutAt} / ${alone}`
    figures['cut-off peer: rounds skipped to catch up'] = v.at(-1)?.skipped ?? 0
    figures['survivors\' rounds skipped'] = survivorsSkipped
    checks.push({ name: 'the others keep training without it', pass: othersAtHeal - othersAtCut >= 2, detail: `${othersAtHeal - othersAtCut} rounds` })
    if (!long) {
      checks.push({ name: 'the cut-off peer holds its round instead of training alone', pass: alone === 0 && held, detail: `${alone} rounds alone; ${held ? 'logged' : 'never logged'} holding` })
      checks.push({ name: 'after healing it catches up and no survivor skips a round', pass: (v.at(-1)?.skipped ?? 0) > 0 && survivorsSkipped === 0, detail: `it skipped ${v.at(-1)?.skipped ?? 0}, the survivors ${survivorsSkipped}` })
    } else {
      // it held, forgot them, and trained alone at their pace: its round stays near theirs, so healing moves
      // the four by at most a tenth of what they ran meanwhile (each), not by thousands of rounds
      const during = othersAtHeal - othersAtCut
      const worst = Math.max(...survivors.map((i) => records(f.peers[i].dataDir).at(-1)?.skipped ?? 0))
      const paced = /keeps the run's pace before the cut/.test(logOf(f.peers[victim].dataDir))
      figures['cut-off peer: rounds alone at the run\'s pace'] = alone
      checks.push({ name: 'the cut-off peer holds, then trains alone at the run\'s pace', pass: held && paced && alone > 0, detail: `${held ? 'held' : 'never held'}, ${paced ? 'paced' : 'never paced'}, ${alone} rounds alone` })
      checks.push({ name: 'after healing no survivor skips more than a tenth of the rounds it ran during the cut', pass: worst <= 0.1 * during, detail: `at most ${worst} of ${during}` })
    }
    checks.push(deadlineCheck(f, survivors, deadlineMs, figures))
    checks.push(exitCheck(f))
    return { load: `${peers} peers × ${f.last(0)?.round ?? 0} rounds` }
  })
}
