/** The progress line of `murmur peer`: its split of a round adds up to the round's time. */
import assert from 'node:assert/strict'
import { roundSplit } from '../../../node/cli/commands/peer.ts'

describe('murmur peer progress line', () => {
  it('a plain round: compute and comm only', () => {
    assert.equal(roundSplit({ roundMs: 50.2, computeMs: 20.1, commMs: 29.9, waitMs: 0 }), 'compute 20, comm 30')
  })

  it('an evaluation round names the evaluation time as other, so the parts add up', () => {
    assert.equal(roundSplit({ roundMs: 900, computeMs: 20, commMs: 30, waitMs: 0 }), 'compute 20, comm 30, other 850')
  })

  it('a held round names its wait, and other is what is left', () => {
    assert.equal(roundSplit({ roundMs: 1100, computeMs: 20, commMs: 30, waitMs: 1000 }), 'compute 20, comm 30, wait 1000, other 50')
  })

  it('the first round: a wait for the run to start longer than the round is not counted in it', () => {
    assert.equal(roundSplit({ roundMs: 60, computeMs: 20, commMs: 30, waitMs: 5000 }), 'compute 20, comm 30, wait 10')
  })
})
