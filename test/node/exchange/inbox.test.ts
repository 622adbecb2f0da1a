import assert from 'node:assert/strict'
import { Inbox } from '../../../node/exchange/inbox.ts'

const P = Uint8Array.of(1)

describe('node/exchange inbox (round window rules)', () => {
  it('files messages by round: current, early within the window, late, too early, duplicate, not a neighbour', () => {
    const inbox = new Inbox({ window: 2, maxEarly: 10 })
    assert.deepEqual(inbox.begin(5, ['a', 'b']), [])
    assert.equal(inbox.deliver('a', 5, 2, P), 'current')
    assert.equal(inbox.deliver('a', 5, 2, P), 'duplicate')
    assert.equal(inbox.deliver('c', 5, 2, P), 'notNeighbour')
    assert.equal(inbox.deliver('a', 4, 2, P), 'late')
    assert.equal(inbox.deliver('a', 7, 2, P), 'early')
    assert.equal(inbox.deliver('a', 7, 2, P), 'duplicate')
    assert.equal(inbox.deliver('a', 8, 2, P), 'tooEarly')
    assert.equal(inbox.complete, false)
    let completed = 0
    inbox.onComplete = () => { completed++ }
    assert.equal(inbox.deliver('b', 5, 3, P), 'current')
    assert.equal(completed, 1)
    const { received, missing } = inbox.end(['b', 'a'])
    assert.deepEqual(received.map((m) => [m.from.id, m.degree]), [['b', 3], ['a', 2]], 'in the order asked')
    assert.deepEqual(missing, [])
    assert.equal(inbox.deliver('b', 5, 3, P), 'late', 'after the round resolved')
  })

  it('hands buffered messages to their round if the sender is a neighbour then; skipped rounds are late', () => {
    const inbox = new Inbox({ window: 2, maxEarly: 10 })
    inbox.begin(0, ['a', 'b'])
    inbox.end(['a', 'b'])
    assert.equal(inbox.deliver('a', 1, 1, P), 'early')
    assert.equal(inbox.deliver('a', 2, 1, P), 'early')
    assert.equal(inbox.deliver('c', 2, 1, P), 'early', 'a future neighbour may send early')
    assert.equal(inbox.deliver('d', 2, 1, P), 'early')
    assert.deepEqual(inbox.begin(2, ['a', 'c']).sort(), ['late', 'notNeighbour'], 'round 1 was skipped; d is no neighbour of round 2')
    assert.equal(inbox.complete, true)
    assert.deepEqual(inbox.end(['a', 'c']).received.map((m) => m.from.id), ['a', 'c'])
  })

  it('buffers any round before the first call, then refuses what lies beyond the first window; the buffer is bounded', () => {
    const inbox = new Inbox({ window: 1, maxEarly: 3 })
    assert.equal(inbox.deliver('a', 100, 1, P), 'early')
    assert.equal(inbox.deliver('a', 10, 1, P), 'early')
    assert.equal(inbox.deliver('b', 10, 1, P), 'early')
    assert.equal(inbox.deliver('c', 10, 1, P), 'earlyFull')
    assert.deepEqual(inbox.begin(10, ['a', 'b']), ['tooEarly'])
    assert.deepEqual(inbox.end(['a', 'b']).missing, [])
    assert.equal(inbox.deliver('c', 11, 1, P), 'early', 'room again once buffered messages were handed over')
  })
})
