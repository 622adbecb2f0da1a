import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runCluster } from '../../../scripts/cluster.ts'
import { metrics } from './helpers.ts'

/**
 * `murmur cluster --until-accuracy A` stops the whole run at the first snapshot round whose averaged model reaches A,
 * tested from the real peers' snapshots while they run.
 */
describe('murmur cluster --until-accuracy: stop at the averaged model\'s target', function () {
  this.timeout(120_000)

  it('two peer processes stop soon after the first snapshot round at or above the target, far before their round budget, and exit 0', async () => {
    const out = mkdtempSync(join(tmpdir(), 'murmur-until-'))
    const budget = 2000
    const every = 5
    const target = 0.8
    const code = await runCluster([
      '--peers', '2', '--model', 'softmax', '--batch', '32', '--rounds', String(budget), '--eval-every', '0', '--eval-limit', '2000',
      '--snapshot-every', String(every), '--until-accuracy', String(target), '--heartbeat', '200', '--timeout', '100',
      '--out', out, '--quiet', '--run-id', 'until-test'
    ], { out: () => {}, err: () => {}, isTTY: false })
    assert.equal(code, 0)
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'))
    assert.equal(summary.exitedCleanly, 2)
    // the merged metrics test the same averaged models: every tested round before the hit is below the target
    const tested = metrics(out).filter((r: any) => r.accuracy !== null && r.round % every === 0)
    const hit = tested.find((r: any) => r.accuracy >= target)
    assert.ok(hit !== undefined, `no tested round reached ${target}: ${JSON.stringify(tested.map((r: any) => r.accuracy))}`)
    assert.ok(tested.filter((r: any) => r.round < hit.round).every((r: any) => r.accuracy < target))
    assert.equal(summary.untilAccuracy.round, hit.round, 'the round the cluster stopped at, in summary.json')
    assert.ok(summary.untilAccuracy.testSeconds > 0)
    // the peers left within a few rounds of the hit (the cluster polls every 250 ms), not at the budget
    for (const i of [0, 1]) {
      const last = metrics(join(out, `peer-${i}`)).at(-1).round
      assert.ok(last >= hit.round && last < budget, `peer-${i} stopped at round ${last}; hit at ${hit.round}`)
    }
  })
})
