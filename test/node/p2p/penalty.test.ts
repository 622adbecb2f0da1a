import assert from 'node:assert/strict'
import { PenaltyTable } from '../../../node/p2p/penalty.ts'
import { PENALTY_HALF_LIFE_MS, PENALTY_SCORE_WEIGHT, penalizePeer, penaltyStats, peerScore } from '../../../node/p2p/index.ts'
import type { PeerNode, PubSub } from '../../../node/p2p/index.ts'
import { loopbackCluster, stopAll, waitFor } from './util.ts'

describe('node/p2p penalties', function () {
  this.timeout(10_000)

  describe('PenaltyTable', () => {
    it('scores −weight · count², halves the count every half-life and forgets it once negligible', () => {
      let now = 1_000_000
      const t = new PenaltyTable({ now: () => now })
      assert.equal(t.score('p'), 0)
      t.add('p', 'a')
      t.add('p', 'b')
      assert.equal(t.score('p'), -PENALTY_SCORE_WEIGHT * 4)
      now += PENALTY_HALF_LIFE_MS
      assert.ok(Math.abs(t.score('p') + PENALTY_SCORE_WEIGHT) < 1e-9, 'count 2 → 1 after one half-life')
      t.add('p', 'a', 3)
      assert.ok(Math.abs(t.count('p') - 4) < 1e-9, 'a new fault adds to the decayed count')
      assert.deepEqual(t.stats(), { total: 3, byReason: { a: 2, b: 1 }, peers: 1 })
      now += 20 * PENALTY_HALF_LIFE_MS
      assert.equal(t.score('p'), 0)
      assert.deepEqual(t.stats(), { total: 3, byReason: { a: 2, b: 1 }, peers: 0 })
    })
  })

  describe('penalizePeer on real nodes', () => {
    const nodes: PeerNode[] = []
    afterEach(async () => { await stopAll(nodes) })

    it('lowers the peer\'s gossipsub score at once; at five faults its messages are dropped unread (graylist)', async () => {
      nodes.push(...await loopbackCluster(2))
      const [a, b] = nodes
      const topic = 'murmur/test/penalty'
      const got: string[] = []
      a.services.pubsub.addEventListener('message', (e) => { got.push(new TextDecoder().decode(e.detail.data)) })
      a.services.pubsub.subscribe(topic)
      b.services.pubsub.subscribe(topic)
      await waitFor('b sees a subscribed', () => b.services.pubsub.getSubscribers(topic).length === 1)
      await b.services.pubsub.publish(topic, new TextEncoder().encode('before'))
      await waitFor('a receives before the penalties', () => got.length === 1)

      assert.equal(peerScore(a, b.peerId), 0)
      const first = penalizePeer(a, b.peerId, 'test:one')
      assert.ok(Math.abs(first + PENALTY_SCORE_WEIGHT) < 0.01, `one fault: ${first}`)
      let score = first
      for (let i = 0; i < 4; i++) score = penalizePeer(a, b.peerId.toString(), 'test:more')
      assert.ok(score < -80, `five faults put b below gossipsub's graylist threshold (−80): ${score}`)
      assert.deepEqual(penaltyStats(a), { total: 5, byReason: { 'test:one': 1, 'test:more': 4 }, peers: 1 })
      assert.equal(peerScore(b, a.peerId), 0, 'penalties are local: b has nothing against a')

      await b.services.pubsub.publish(topic, new TextEncoder().encode('after'))
      // an absence can only be shown by waiting: 300 ms is far beyond a loopback delivery (a few ms, as 'before' shows)
      await new Promise((resolve) => setTimeout(resolve, 300))
      assert.deepEqual(got, ['before'], 'a dropped what the graylisted b sent')
    })

    it('names the problem when the pubsub service was not built by createPubSub', () => {
      const foreign = { services: { pubsub: {} as unknown as PubSub } }
      assert.throws(() => penalizePeer(foreign, 'x', 'test'), (err: Error) => err.name === 'UnscoredPubSubError')
    })
  })
})
