import assert from 'node:assert/strict'
import { createRng } from '../../../lib/random/index.ts'
import { EXPERIMENT_DEFAULTS, agreedConfig, configHash } from '../../../lib/experiment/index.ts'
import { MAX_ANNOUNCEMENT_BYTES, decodeAnnouncement, encodeAnnouncement, membershipTopic } from '../../../node/membership/index.ts'
import type { Announcement } from '../../../node/membership/index.ts'

const ID = '12D3KooWP4EQMJUHBhyru8qhZpEgbY1t3ha41b21KqM2GwNmC3cF'
const config = { ...EXPERIMENT_DEFAULTS, runId: 'run-a', roundDeadlineMs: 500 }
const good: Announcement = {
  v: 1, id: ID, addrs: [`/ip4/127.0.0.1/tcp/4001/p2p/${ID}`], slot: 3, round: 17, state: 'active',
  configHash: configHash(config), config: agreedConfig(config), seq: 1_712_345_678_901, effectiveRound: 5
}
const enc = (o: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(o))

describe('node/membership announcement', () => {
  it('round-trips every state, with and without effectiveRound', () => {
    const joining: Announcement = { ...good, state: 'joining' }
    delete joining.effectiveRound
    for (const a of [good, { ...good, state: 'leaving' as const, effectiveRound: 18 }, joining, { ...joining, effectiveRound: 19 }]) {
      const d = decodeAnnouncement(encodeAnnouncement(a))
      assert.ok(d.ok)
      assert.deepEqual(d.value, a)
    }
  })

  it('names the topic after the run and the format version', () => {
    assert.equal(membershipTopic('run-a'), 'murmur/run-a/members/1')
  })

  it('allows unknown keys (newer minor fields) and drops them', () => {
    const d = decodeAnnouncement(enc({ ...good, later: { x: 1 }, config: { ...good.config, newField: 'x' } }))
    assert.ok(d.ok)
    assert.equal((d.value as unknown as Record<string, unknown>).later, undefined)
  })

  const bad: Array<{ id: string, input: Uint8Array, fault: string }> = [
    { id: 'empty', input: new Uint8Array(0), fault: 'size' },
    { id: 'over 8 KiB', input: enc({ ...good, pad: 'x'.repeat(MAX_ANNOUNCEMENT_BYTES) }), fault: 'size' },
    { id: 'not JSON', input: new TextEncoder().encode('{"v":1,'), fault: 'json' },
    { id: 'invalid UTF-8', input: new Uint8Array([0x7b, 0xff, 0x7d]), fault: 'json' },
    { id: 'an array', input: enc([good]), fault: 'shape' },
    { id: 'null', input: enc(null), fault: 'shape' },
    { id: 'version 2', input: enc({ ...good, v: 2 }), fault: 'version' },
    { id: 'no id', input: enc({ ...good, id: '' }), fault: 'id' },
    { id: 'addrs not an array', input: enc({ ...good, addrs: 'x' }), fault: 'addrs' },
    { id: '17 addrs', input: enc({ ...good, addrs: Array(17).fill('/ip4/1.2.3.4/tcp/1') }), fault: 'addrs' },
    { id: 'a number among addrs', input: enc({ ...good, addrs: [1] }), fault: 'addrs' },
    { id: 'negative slot', input: enc({ ...good, slot: -1 }), fault: 'slot' },
    { id: 'fractional round', input: enc({ ...good, round: 1.5 }), fault: 'round' },
    { id: 'round as a string', input: enc({ ...good, round: '3' }), fault: 'round' },
    { id: 'unknown state', input: enc({ ...good, state: 'gone' }), fault: 'state' },
    { id: 'short config hash', input: enc({ ...good, configHash: 'abc' }), fault: 'config-hash' },
    { id: 'upper-case config hash', input: enc({ ...good, configHash: good.configHash.toUpperCase() }), fault: 'config-hash' },
    { id: 'config with a nested object', input: enc({ ...good, config: { ...good.config, lr: { x: 1 } } }), fault: 'config' },
    { id: 'config missing', input: enc({ ...good, config: undefined }), fault: 'config' },
    { id: 'seq above 2^53', input: new TextEncoder().encode(JSON.stringify(good).replace(/"seq":\d+/, '"seq":9007199254740993')), fault: 'seq' },
    { id: 'active without effectiveRound', input: enc({ ...good, effectiveRound: undefined }), fault: 'effective-round' },
    { id: 'leaving without effectiveRound', input: enc({ ...good, state: 'leaving', effectiveRound: undefined }), fault: 'effective-round' },
    { id: 'negative effectiveRound', input: enc({ ...good, effectiveRound: -2 }), fault: 'effective-round' },
    // rounds are u32 on the wire everywhere else
    { id: 'round 2^32', input: enc({ ...good, round: 2 ** 32 }), fault: 'round' },
    { id: 'effectiveRound 2^32', input: enc({ ...good, effectiveRound: 2 ** 32 }), fault: 'effective-round' }
  ]
  for (const c of bad) {
    it(`refuses ${c.id} with fault '${c.fault}'`, () => {
      const d = decodeAnnouncement(c.input)
      assert.equal(d.ok, false)
      if (!d.ok) assert.equal(d.fault, c.fault)
    })
  }

  it('never throws on random bytes (seeded)', () => {
    const rng = createRng(11)
    for (let i = 0; i < 2000; i++) {
      const bytes = new Uint8Array(rng.int(64))
      for (let j = 0; j < bytes.length; j++) bytes[j] = rng.int(256)
      assert.equal(decodeAnnouncement(bytes).ok, false)
    }
  })

  it('refuses to encode more than 16 addresses', () => {
    assert.throws(() => encodeAnnouncement({ ...good, addrs: Array(17).fill('/ip4/1.2.3.4/tcp/1') }), (err: Error) => err.name === 'AnnouncementTooLargeError')
  })
})
