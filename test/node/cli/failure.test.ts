import assert from 'node:assert/strict'
import { mkdirSync, openSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { CliError, describeFailure, fsReason } from '../../../node/cli/command.ts'

class DatasetNotFoundError extends Error {
  constructor (message: string) { super(message); this.name = 'DatasetNotFoundError' }
}

describe('node/cli describeFailure', () => {
  it('one line for what a user can fix: a CliError\'s message, a path or port error, a named error class', () => {
    assert.equal(describeFailure(new CliError('cannot read x')), 'cannot read x')
    let fsError: unknown
    try { mkdirSync('/dev/null/x') } catch (err) { fsError = err }
    assert.equal(describeFailure(fsError), "'/dev/null/x': part of the path is a file, not a folder (ENOTDIR: not a directory, mkdir '/dev/null/x')")
    try { openSync(tmpdir(), 'w') } catch (err) { fsError = err }
    assert.match(describeFailure(fsError) ?? '', /^'[^']+': it is a folder, not a file \(EISDIR: /)
    assert.equal(fsReason(fsError), 'it is a folder, not a file (EISDIR)')
    try { readFileSync('/nonexistent-murmur/x') } catch (err) { fsError = err }
    assert.match(describeFailure(fsError) ?? '', /^'\/nonexistent-murmur\/x': no such file or folder \(ENOENT: /)
    assert.equal(fsReason(new Error('plain')), 'plain')
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
