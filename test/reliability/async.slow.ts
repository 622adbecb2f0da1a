/**
 * --sync async on real peer processes (npm run test:reliability): a peer slowed 3× stays mixed by its neighbours
 * for the whole run. With staleness counted in the sender's rounds it fell more than `staleness` rounds behind
 * and its neighbours dropped it for good; counted in the receiver's rounds since arrival (lib/algorithms
 * staleness.ts) it is in every row. Asserts states and counts only, never wall time.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { METRICS_FILE, PEER_FILE } from '../../node/peer/index.ts'
import type { PeerRecord } from '../../node/peer/index.ts'
import { runCluster } from '../../scripts/cluster.ts'

const ROUNDS = 60
const STALENESS = 8
const SLOW = 2

describe('reliability: --sync async with a peer slowed 3x (real peer processes, slow)', function () {
  this.timeout(600_000)
  let out = ''
  afterEach(() => { if (out !== '') rmSync(out, { recursive: true, force: true }) })

  it('its two neighbours mix its newest model in every round of the run, although it falls far behind in rounds', async () => {
    out = mkdtempSync(join(tmpdir(), 'murmur-async-slow-'))
    const log: string[] = []
    const code = await runCluster(['--peers', '3', '--topology', 'ring', '--algo', 'dpsgd', '--local-steps', '8', '--rounds', String(ROUNDS),
      '--eval-every', '0', '--sync', 'async', '--staleness', String(STALENESS), '--slowdown', `${SLOW}:3`,
      '--seed', '3', '--out', out, '--quiet'], { out: (s) => { log.push(s) }, err: (s) => { log.push(s) }, isTTY: false })
    assert.equal(code, 0, log.join('\n'))
    const records = (slot: number): PeerRecord[] => readFileSync(join(out, `peer-${slot}`, METRICS_FILE), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as PeerRecord)
    const idOf = (slot: number): string => (JSON.parse(readFileSync(join(out, `peer-${slot}`, PEER_FILE), 'utf8')) as { peerId: string }).peerId

    // the slowed peer goes on alone once the others are done: judge it while they ran
    const fastEnd = Math.min(records(0).at(-1)!.time, records(1).at(-1)!.time)
    const slowRecords = records(SLOW).filter((r) => r.time <= fastEnd)
    const slowRounds = slowRecords.at(-1)!.round
    // it really was slow, and far enough behind that a bound in the sender's rounds would have dropped it
    assert.ok(slowRounds <= 0.6 * ROUNDS, `the slowed peer ran ${slowRounds} of the fast peers' ${ROUNDS} rounds`)
    assert.ok(ROUNDS - slowRounds > 2 * STALENESS, `the slowed peer ended ${ROUNDS - slowRounds} rounds behind`)

    const slowId = idOf(SLOW)
    for (const slot of [0, 1]) {
      const rs = records(slot)
      assert.equal(rs.at(-1)!.round, ROUNDS)
      // from the round its first message is in (connections are still being dialled in the first rounds) to the last
      const first = rs.findIndex((r) => r.row.neighbours.some((n) => n.id === slowId))
      assert.ok(first >= 0 && first < ROUNDS / 4, `peer ${slot} first mixed the slowed peer in round ${first + 1}`)
      const without = rs.slice(first).filter((r) => !r.row.neighbours.some((n) => n.id === slowId)).map((r) => r.round)
      assert.deepEqual(without, [], `peer ${slot}: rounds without the slowed peer`)
      for (const r of rs) assert.ok(Math.abs(r.rowSum - 1) < 1e-9, `peer ${slot} round ${r.round}: row sums to ${r.rowSum}`)
    }
    // and once both are heard, it mixes both of its (faster) neighbours in every round while they run
    const both = slowRecords.findIndex((r) => r.row.neighbours.length === 2)
    assert.ok(both >= 0 && both < slowRounds / 4, `the slowed peer first mixed both neighbours in its round ${both + 1}`)
    const lonely = slowRecords.slice(both).filter((r) => r.row.neighbours.length !== 2).map((r) => r.round)
    assert.deepEqual(lonely, [], 'rounds in which the slowed peer mixed fewer than 2 neighbours')
  })
})
