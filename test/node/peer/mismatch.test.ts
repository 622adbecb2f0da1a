import assert from 'node:assert/strict'
import type { Refusal } from '../../../node/membership/index.ts'
import { configMismatchError, createMismatchWatch, mismatchFields, mismatchGraceMs, MISMATCH_GRACE_MS } from '../../../node/peer/mismatch.ts'

function refusal (id: string, diff: Refusal['diff']): Refusal {
  return { id, addrs: [], configHash: 'f'.repeat(64), diff, reason: diff.map((d) => `${d.field}: ours ${String(d.ours)}, theirs ${String(d.theirs)}`).join('; '), lastSeen: 0 }
}

const lr = refusal('12D3KooWa', [{ field: 'lr', ours: 0.3, theirs: 0.05 }])
const codecAndLr = refusal('12D3KooWb', [{ field: 'codec', ours: 'fp16', theirs: 'none' }, { field: 'lr', ours: 0.3, theirs: 0.1 }])

describe('node/peer mismatch: a peer refused by every peer it hears', () => {
  const GRACE = 5000
  const cases: Array<{ id: string, stopEarly: boolean, looks: Array<{ at: number, matching: number, refusals: Refusal[] }>, began: boolean[], stopsAt?: number }> = [
    { id: 'refused only, past the grace: stops', stopEarly: true, looks: [{ at: 0, matching: 0, refusals: [lr] }, { at: 4999, matching: 0, refusals: [lr] }, { at: 5000, matching: 0, refusals: [lr] }], began: [true, false, false], stopsAt: 2 },
    { id: 'a peer of its config heard within the grace: never stops', stopEarly: true, looks: [{ at: 0, matching: 0, refusals: [lr] }, { at: 3000, matching: 1, refusals: [lr] }, { at: 9000, matching: 1, refusals: [lr] }], began: [true, false, false] },
    { id: 'the grace starts again after a matching peer went', stopEarly: true, looks: [{ at: 0, matching: 0, refusals: [lr] }, { at: 3000, matching: 1, refusals: [lr] }, { at: 4000, matching: 0, refusals: [lr] }, { at: 8999, matching: 0, refusals: [lr] }, { at: 9000, matching: 0, refusals: [lr] }], began: [true, false, true, false, false], stopsAt: 4 },
    { id: 'no one heard at all: not a mismatch (join-watch decides)', stopEarly: true, looks: [{ at: 0, matching: 0, refusals: [] }, { at: 60_000, matching: 0, refusals: [] }], began: [false, false] },
    { id: 'without --bootstrap: never stops early', stopEarly: false, looks: [{ at: 0, matching: 0, refusals: [lr] }, { at: 60_000, matching: 0, refusals: [lr] }], began: [true, false] }
  ]
  for (const c of cases) {
    it(c.id, () => {
      const w = createMismatchWatch({ graceMs: GRACE, stopEarly: c.stopEarly })
      const results = c.looks.map((l) => w.check(l.matching, l.refusals, l.at))
      assert.deepEqual(results.map((r) => r.began), c.began)
      const stop = results.findIndex((r) => r.error !== undefined)
      assert.equal(stop, c.stopsAt ?? -1)
      if (c.stopsAt !== undefined) assert.equal(results[c.stopsAt].error?.name, 'ConfigMismatchError')
    })
  }

  it('the grace is at least MISMATCH_GRACE_MS, and at least one membership timeout', () => {
    assert.equal(mismatchGraceMs(1600), MISMATCH_GRACE_MS)
    assert.equal(mismatchGraceMs(8000), 8000)
  })

  it('the error names each peer with its values, the fields once in agreed order, and the fix', () => {
    // AGREED_FIELDS order (codec before lr), each once, whatever order the peers were heard in
    assert.deepEqual(mismatchFields([lr, codecAndLr]), ['codec', 'lr'])
    const err = configMismatchError([lr, codecAndLr], 6400)
    assert.equal(err.name, 'ConfigMismatchError')
    assert.equal(err.peers, 2)
    assert.deepEqual(err.fields, ['codec', 'lr'])
    assert.ok(err.message.includes('12D3KooWa: lr: ours 0.3, theirs 0.05 | 12D3KooWb: codec: ours fp16, theirs none; lr: ours 0.3, theirs 0.1'), err.message)
    assert.match(err.message, /\(2 peers, and none with this peer's config in 6 s\)/)
    assert.match(err.message, /same --config file and flags as the others/)
  })

  it('only the hash differs (another murmur version): no field named, the reason kept', () => {
    const r = { ...refusal('12D3KooWc', []), reason: 'config hash 0123… differs from ours 4567… although every agreed field is equal (a different version of murmur?)' }
    const err = configMismatchError([r], 5000)
    assert.deepEqual(err.fields, [])
    assert.ok(err.message.includes('a different version of murmur?'), err.message)
  })
})
