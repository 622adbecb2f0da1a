/**
 * The async bench's summary over seeds (scripts/bench/async.ts formatAsyncSeeds): the goal's verdict is taken on
 * the means of the seeds' figures, and the count of seeds that met both halves of it alone is reported beside it.
 * The runs themselves are real peer processes (npm run bench -- --full); here only the arithmetic of the summary.
 */
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { accuracyChange, formatAsyncSeeds, heldRounds } from '../../../scripts/bench/async.ts'
import type { AsyncBenchResult } from '../../../scripts/bench/async.ts'

/** A result with only what the summary reads: the speed-up and the two averaged models' accuracies. */
function result (speedup: number, sync: number, async: number): AsyncBenchResult {
  return { speedup, sync: { averaged: sync }, async: { averaged: async } } as unknown as AsyncBenchResult
}

describe('scripts/bench/async: the summary over seeds', () => {
  it('gives the accuracy change in points, async − sync', () => {
    assert.ok(Math.abs(accuracyChange(result(2, 0.9657, 0.9584)) - (-0.73)) < 1e-9)
  })

  it('lists every seed, the means, and meets the goal on the means', () => {
    const text = formatAsyncSeeds([1, 2, 3], [result(2.01, 0.9657, 0.9584), result(2.10, 0.9694, 0.9693), result(1.98, 0.9650, 0.9660)])
    assert.match(text, /seeds 1, 2, 3: async \/ sync = 2\.01, 2\.10, 1\.98 \(mean 2\.03\)/)
    assert.match(text, /−0\.73, −0\.01, \+0\.10 points \(mean −0\.21\)/)
    // seed 1 is too far down, seed 3 too slow: only seed 2 meets both alone
    assert.match(text, /met on the means; met by 1 of 3 seeds on their own/)
  })

  it('is not met when the mean speed-up is short, however good the accuracy', () => {
    const text = formatAsyncSeeds([1, 2], [result(1.9, 0.96, 0.97), result(2.05, 0.96, 0.97)])
    assert.match(text, /not met on the means; met by 1 of 2 seeds/)
  })

  it('is not met when the mean accuracy change is beyond half a point down', () => {
    const text = formatAsyncSeeds([1, 2], [result(2.2, 0.97, 0.96), result(2.2, 0.97, 0.9695)])
    assert.match(text, /\(mean −0\.52\)/)
    assert.match(text, /not met on the means; met by 1 of 2 seeds/)
  })
})

describe('scripts/bench/async: rounds held cut off', () => {
  it('counts the peers\' "holding at round" lines, not the lines that end a hold', () => {
    const a = '[12:00:01] holding at round 40 instead of training alone, until they are heard again or forgotten\n' +
      '[12:00:03] hearing the run again after holding 2.0 s: 2 other members heard, 0 still silent\n' +
      '[12:00:09] holding at round 77 instead of training alone, until they are heard again\n' +
      '[12:00:10] stopped while holding at round 77 (1.0 s)\n'
    assert.equal(heldRounds([a, 'round 1\nround 2\n', '']), 2)
    assert.equal(heldRounds(['no hold here']), 0)
  })

  it('matches the line murmur peer writes when it holds', () => {
    // the bench reads the peers' logs: the phrase it counts must be the one node/peer/peer.ts logs
    const source = readFileSync(new URL('../../../node/peer/peer.ts', import.meta.url), 'utf8')
    assert.match(source, /`holding at round \$\{round\} instead of training alone/)
  })
})
