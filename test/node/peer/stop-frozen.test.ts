/**
 * A graceful stop of a peer whose neighbour is frozen (SIGSTOP: its connection open, nothing answered). Before the
 * fix the stopping peer waited out the round then under way, then its leaving round's whole deadline for the frozen
 * neighbour, and only then left: about two round deadlines. Peers a and b run in this process over real libp2p on
 * 127.0.0.1; c is a `murmur peer` process, so that it can really be frozen.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { resolveRunConfig } from '../../../lib/experiment/index.ts'
import { decodeCheckpoint } from '../../../node/checkpoint/index.ts'
import { METRICS_FILE } from '../../../node/peer/index.ts'
import type { PeerRecord } from '../../../node/peer/index.ts'
import { startPeer, waitFor } from '../process/helpers.ts'
import type { PeerProcess } from '../process/helpers.ts'
import { startLoggedPeer, stopLogged } from './helpers.ts'
import type { LoggedPeer } from './helpers.ts'

const DEADLINE_MS = 2000
/** the membership timeout is 3 heartbeats + the deadline (3.5 s): the frozen peer stays a member through the stop */
const HEARTBEAT_MS = 500

const dirs: string[] = []
const running: LoggedPeer[] = []
const procs: PeerProcess[] = []

function newDir (): string {
  const d = mkdtempSync(join(tmpdir(), 'murmur-stop-frozen-'))
  dirs.push(d)
  return d
}

function records (dataDir: string): PeerRecord[] {
  return readFileSync(join(dataDir, METRICS_FILE), 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as PeerRecord)
}

describe('node/peer: a graceful stop beside a frozen neighbour', function () {
  this.timeout(30_000)
  afterEach(async () => {
    for (const p of procs.splice(0)) {
      p.child.kill('SIGCONT')
      p.child.kill('SIGKILL')
      await p.exit
    }
    await stopLogged(running, dirs)
  })

  it('ends its round at once and leaves well within two deadlines (the linger for its last sends), its records and checkpoint intact', async () => {
    const runId = 'stop-frozen'
    const config = resolveRunConfig({ runId, peers: 3, algo: 'gossip', dim: 50, rounds: 1_000_000, seed: 1, roundDeadlineMs: DEADLINE_MS })
    const log: string[] = []
    const a = startLoggedPeer({ config, slot: 0, dataDir: newDir(), heartbeatMs: HEARTBEAT_MS, startTimeoutMs: 20_000, log: (l) => { log.push(`${Math.round(performance.now())} ${l}`) } }, running)
    const bootstrap = await a.addrs
    startLoggedPeer({ config, slot: 1, dataDir: newDir(), bootstrap, heartbeatMs: HEARTBEAT_MS, startTimeoutMs: 20_000 }, running)
    const c = startPeer([
      '--data-dir', newDir(), '--shard', '2/3', '--peers', '3', '--algo', 'gossip', '--dim', '50', '--rounds', '1000000', '--seed', '1',
      '--round-deadline', String(DEADLINE_MS), '--run-id', runId, '--heartbeat', String(HEARTBEAT_MS), '--start-timeout', '20000',
      '--listen', '/ip4/127.0.0.1/tcp/0', '--bootstrap', bootstrap.join(','), '--telemetry-every', '0', '--quiet'
    ])
    procs.push(c)
    const rounds = (): number => { try { return records(a.init.dataDir).length } catch { return 0 } }
    await waitFor(() => rounds() >= 20, 20_000, `peer a to run 20 rounds with b and c; a: ${log.join('\n')}\nc: ${c.err()}`)
    assert.equal(records(a.init.dataDir).at(-1)?.neighbours.length, 2, 'c is a neighbour of a')

    c.child.kill('SIGSTOP')
    // rounds take milliseconds: a now waits for c's message of its current round
    await sleep(300)
    const t0 = performance.now()
    log.push(`${Math.round(t0)} (test) stop`)
    a.stop.abort()
    const result = await a.done
    const ms = performance.now() - t0

    assert.ok(ms < 1.5 * DEADLINE_MS, `stopped in ${Math.round(ms)} ms, expected under ${1.5 * DEADLINE_MS} (the deadline is ${DEADLINE_MS} ms):\n${log.join('\n')}`)
    assert.equal(result.reason, 'stopped')
    // the round it names is the last one recorded (the records' count, as neighbours' 'gone from round' is)
    assert.ok(log.some((l) => l.endsWith(` leaving after round ${result.rounds}`)), log.join('\n'))
    // every round the peer finished is recorded, whole, up to the round its checkpoint holds
    const recs = records(a.init.dataDir)
    assert.deepEqual(recs.map((r) => r.round), Array.from({ length: result.rounds }, (_, i) => i + 1))
    assert.ok(result.checkpoint !== undefined)
    const ckpt = decodeCheckpoint(readFileSync(result.checkpoint)) as { round: number, state: { params: Float32Array } }
    assert.equal(ckpt.round, result.rounds)
    assert.equal(ckpt.state.params.length, 50)
  })
})
