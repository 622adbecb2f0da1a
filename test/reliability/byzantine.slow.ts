/**
 * Byzantine peers (issue 4), the targets on real MNIST: 16 simulated peers train the MLP with D-PSGD on the
 * exponential graph while 2 of them attack (scripts/byzantine.ts, the same runs as the published table).
 * For every attack that reaches the mixing step, plain mean fails (≥ 20 points below the attack-free mean
 * run, or diverges) and clip:auto keeps the honest peers within 5 points of it; without attack clip:auto
 * costs at most 1 point. NaN messages never reach the mixing step: receivers reject and count them.
 * About 18 runs of 60 rounds: minutes on an idle 2-core machine.
 */
import assert from 'node:assert/strict'
import { runByzantineBenchmark } from '../../scripts/byzantine.ts'
import type { ByzantineResult, ByzantineRow } from '../../scripts/byzantine.ts'

describe('Byzantine peers on MNIST (slow): mean fails, clip:auto holds', function () {
  this.timeout(60 * 60 * 1000)
  let result: ByzantineResult
  const row = (attack: string, aggregate: string): ByzantineRow => {
    const r = result.rows.find((x) => x.attack === attack && x.aggregate === aggregate)
    assert.ok(r !== undefined, `no run for ${attack} × ${aggregate}`)
    return r
  }

  before(async () => {
    result = await runByzantineBenchmark({ rounds: 60, seed: 1, log: () => {} })
    assert.equal(result.attackers.length, 2)
  })

  it('without attack, clip:auto costs at most 1 point against mean', () => {
    const d = row('none', 'clip:auto').dropPoints
    assert.ok(d !== null && d <= 1, `clip:auto without attack: ${String(d)} points below mean`)
  })

  for (const attack of ['signflip', 'gaussian:10', 'alie:20', 'ipm:2']) {
    it(`${attack}: mean drops by at least 20 points (or diverges), clip:auto stays within 5`, () => {
      const mean = row(attack, 'mean')
      assert.ok(mean.diverged || (mean.dropPoints !== null && mean.dropPoints >= 20), `mean under ${attack}: ${String(mean.dropPoints)} points`)
      const clip = row(attack, 'clip:auto')
      assert.ok(!clip.diverged && clip.dropPoints !== null && clip.dropPoints <= 5, `clip:auto under ${attack}: ${String(clip.dropPoints)} points`)
    })
  }

  it('nan: every aggregate rejects and counts the messages and keeps the attack-free accuracy (within 1 point)', () => {
    for (const aggregate of ['mean', 'clip:auto', 'trimmed:2']) {
      const r = row('nan', aggregate)
      assert.ok(r.rejected > 0, `${aggregate}: rejections counted`)
      assert.ok(r.dropPoints !== null && r.dropPoints <= 1, `${aggregate} under nan: ${String(r.dropPoints)} points`)
    }
  })
})
