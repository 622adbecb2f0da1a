import assert from 'node:assert/strict'
import { mkdirSync } from 'node:fs'
import { CliError, describeFailure } from '../../../node/cli/command.ts'

class DatasetNotFoundError extends Error {
  constructor (message: string) { super(message); this.name = 'DatasetNotFoundError' }
}

describe('node/cli describeFailure', () => {
  it('one line for what a user can fix: a CliError\'s message, a path or port error, a named error class', () => {
    assert.equal(describeFailure(new CliError('cannot read x')), 'cannot read x')
    let fsError: unknown
    try { mkdirSync('/dev/null/x') } catch (err) { fsError = err }
    assert.match(describeFailure(fsError) ?? '', /^ENOTDIR: not a directory, mkdir '\/dev\/null\/x'$/)
    assert.equal(describeFailure(new DatasetNotFoundError('no files')), 'DatasetNotFoundError: no files')
  })

  it('undefined (show the stack: a bug) for JavaScript\'s own errors and non-errors', () => {
    assert.equal(describeFailure(new TypeError('x is undefined')), undefined)
    assert.equal(describeFailure(new Error('plain')), undefined)
    assert.equal(describeFailure(new RangeError('r')), undefined)
    assert.equal(describeFailure('a string'), undefined)
    for (const name of ['MembershipStateError', 'RoundOrderError', 'RoundInProgressError', 'ExchangeNotStartedError', 'NotAMemberError', 'TrainWorkerProtocolError']) {
      const e = new Error('broken invariant'); e.name = name
      assert.equal(describeFailure(e), undefined, `${name}: murmur's own invariant, shown with its stack`)
    }
  })
})
