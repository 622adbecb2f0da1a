import assert from 'node:assert/strict'
import { Inbox, isRefusal } from '../../../node/exchange/inbox.ts'

const P = Uint8Array.of(1)

describe('node/exchange inbox (round window rules)', () => {
  it('files messages by round: current, early within the window, late, too early, duplicate, not a neighbour', () => {
    const inbox = new Inbox({ window: 2, maxEarly: 10 })
    assert.deepEqual(inbox.begin(5, ['a', 'b']), [])
    assert.equal(inbox.deliver('b', 4, 2, P), 'late', 'a round already called, never heard from b')
    assert.equal(inbox.deliver('a', 5, 2, P), 'current')
    assert.equal(inbox.deliver('a', 5, 2, P), 'duplicate')
    assert.equal(inbox.deliver('c', 5, 2, P), 'notNeighbour')
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
    assert.equal(inbox.deliver('b', 5, 3, P), 'duplicate', 'b\'s round 5 again after the round resolved')
  })

  it('a round below the highest one received from a sender is a replay, whether it was delivered, buffered or late', () => {
    const inbox = new Inbox({ window: 3, maxEarly: 10 })
    inbox.begin(5, ['a', 'b'])
    assert.equal(inbox.deliver('a', 5, 1, P), 'current')
    assert.equal(inbox.deliver('a', 7, 1, P), 'early')
    assert.equal(inbox.deliver('a', 6, 1, P), 'replay', 'a sender writes its rounds in order: 6 after 7 is not one of its sends')
    assert.equal(inbox.deliver('a', 5, 1, P), 'replay')
    inbox.note('b', 3)
    assert.equal(inbox.deliver('b', 2, 1, P), 'replay', 'below a round read through as late')
    assert.equal(inbox.deliver('b', 4, 1, P), 'late', 'the first round-4 message of b is late, not a replay')
    inbox.end(['a', 'b'])
    assert.deepEqual(inbox.begin(6, ['a', 'b']), [])
    assert.equal(inbox.deliver('a', 6, 1, P), 'replay', 'round 7 of a was received: its round 6 cannot follow')
  })

  it('forgets the rounds of senders that are neither neighbours nor buffered, so its memory stays bounded', () => {
    const inbox = new Inbox({ window: 2, maxEarly: 10 })
    inbox.begin(0, ['a'])
    for (let k = 0; k < 100; k++) inbox.note(`stranger-${k}`, 0)
    assert.equal(inbox.deliver('b', 2, 1, P), 'early')
    inbox.end(['a'])
    inbox.begin(1, ['a'])
    assert.equal(inbox.deliver('stranger-7', 0, 1, P), 'late', 'forgotten: an old round is late again, still never delivered')
    assert.equal(inbox.deliver('b', 2, 1, P), 'duplicate', 'b has a buffered message: remembered')
  })

  it('hands buffered messages to their round if the sender is a neighbour then; skipped rounds are late', () => {
    const inbox = new Inbox({ window: 2, maxEarly: 10 })
    inbox.begin(0, ['a', 'b'])
    inbox.end(['a', 'b'])
    assert.equal(inbox.deliver('a', 1, 1, P), 'early')
    assert.equal(inbox.deliver('a', 2, 1, P), 'early')
    assert.equal(inbox.deliver('c', 2, 1, P), 'early', 'a future neighbour may send early')
    assert.equal(inbox.deliver('d', 2, 1, P), 'early')
    const dropped = inbox.begin(2, ['a', 'c']).map((d) => `${d.from}:${d.verdict}`).sort()
    assert.deepEqual(dropped, ['a:late', 'd:notNeighbour'], 'round 1 was skipped; d is no neighbour of round 2')
    assert.equal(inbox.complete, true)
    assert.deepEqual(inbox.end(['a', 'c']).received.map((m) => m.from.id), ['a', 'c'])
  })

  it('buffers any round before the first call, then refuses what lies beyond the first window; the buffer is bounded', () => {
    const inbox = new Inbox({ window: 1, maxEarly: 3 })
    assert.equal(inbox.deliver('x', 100, 1, P), 'early')
    assert.equal(inbox.deliver('a', 10, 1, P), 'early')
    assert.equal(inbox.deliver('b', 10, 1, P), 'early')
    assert.equal(inbox.deliver('c', 10, 1, P), 'earlyFull')
    assert.deepEqual(inbox.begin(10, ['a', 'b']), [{ from: 'x', verdict: 'tooEarly' }])
    assert.deepEqual(inbox.end(['a', 'b']).missing, [])
    assert.equal(inbox.deliver('c', 11, 1, P), 'early', 'room again once buffered messages were handed over')
  })

  it('refusals are exactly the verdicts that are neither current, early nor late', () => {
    for (const v of ['current', 'early', 'late'] as const) assert.equal(isRefusal(v), false, v)
    for (const v of ['notNeighbour', 'tooEarly', 'duplicate', 'replay', 'earlyFull'] as const) assert.equal(isRefusal(v), true, v)
  })
})
