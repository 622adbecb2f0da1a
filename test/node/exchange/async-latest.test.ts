import assert from 'node:assert/strict'
import { KEEPALIVE_ROUNDS, LatestMessages } from '../../../node/exchange/latest.ts'
import { createPeers, ringIds, signal, stopPeers, waitFor } from './helpers.ts'
import type { Peer } from './helpers.ts'

const bytes = (round: number): Uint8Array => Uint8Array.from([round, round, round, round])

describe('node/exchange: --sync async (newest message of each neighbour)', function () {
  this.timeout(20_000)

  describe('LatestMessages', () => {
    it('keeps only a newer message of each sender, hands them out in neighbour order, forgets peers that left', () => {
      const store = new LatestMessages()
      assert.equal(store.put('a', 3, 2, bytes(3)), true)
      assert.equal(store.wants('a', 3), false)
      assert.equal(store.put('a', 2, 2, bytes(2)), false, 'an older message never replaces a newer one')
      assert.equal(store.put('b', 0, 1, bytes(0)), true)
      assert.equal(store.put('a', 5, 3, bytes(5)), true)
      assert.deepEqual(store.latest(['b', 'a', 'c']).map((m) => [m.from.id, m.degree, m.payload[0]]), [['b', 1, 0], ['a', 3, 5]])
      store.retain(['a'])
      assert.equal(store.roundOf('b'), undefined)
      assert.equal(store.roundOf('a'), 5)
    })
  })

  describe('LatestMessages.shouldSend', () => {
    it('sends every round to a neighbour that keeps up, and to a lagging one only once it has moved on (or every KEEPALIVE_ROUNDS)', () => {
      const store = new LatestMessages()
      assert.equal(store.shouldSend('a', 0), true, 'nothing sent yet')
      store.markSent('a', 0)
      assert.equal(store.shouldSend('a', 1), true, 'nothing heard from a yet')
      // a keeps up: its newest round is at most one behind ours
      store.put('a', 9, 2, bytes(9))
      store.markSent('a', 10)
      assert.equal(store.shouldSend('a', 10), true)
      assert.equal(store.shouldSend('a', 11), false, 'two behind and not moved on since the last send')
      // a lags (a slow peer): one model per round of its own
      store.put('a', 10, 2, bytes(10))
      assert.equal(store.shouldSend('a', 30), true, 'a moved on from round 9 to 10 since the last send')
      store.markSent('a', 30)
      for (let r = 31; r < 30 + KEEPALIVE_ROUNDS; r++) assert.equal(store.shouldSend('a', r), false, `round ${r}: a has not moved on`)
      assert.equal(store.shouldSend('a', 30 + KEEPALIVE_ROUNDS), true, 'keep-alive')
      store.put('a', 11, 2, bytes(11))
      assert.equal(store.shouldSend('a', 31), true)
      // a neighbour that leaves and comes back starts afresh
      store.retain(['b'])
      assert.equal(store.shouldSend('a', 32), true)
    })
  })

  describe('over libp2p (3 peers on loopback TCP, ring)', () => {
    let peers: Peer[] = []
    afterEach(async () => { await stopPeers(peers); peers = [] })

    it('round() never waits for a neighbour; the newest message of each arrives in later rounds, never an older one after it', async () => {
      // a deadline far beyond the test: a synchronous round would wait it out for the silent neighbours
      peers = await createPeers(3, { sync: 'async', roundDeadlineMs: 600_000 })
      peers.forEach((p, i) => { p.exchange.setNeighbours(ringIds(peers, i)) })
      const [fast, b, c] = peers
      for (let r = 0; r < 5; r++) assert.deepEqual(await fast.exchange.round(r, bytes(r), { signal: signal() }), [], `round ${r}`)

      // b sends rounds 0..3, each once fast has b's previous one; c sends once
      let r = 5
      const seen: number[] = []
      const poll = async (): Promise<void> => {
        const got = await fast.exchange.round(r++, bytes(r), { signal: signal() })
        const fromB = got.find((m) => m.from.id === b.id)
        if (fromB !== undefined) seen.push(fromB.payload[0])
      }
      for (let k = 0; k < 4; k++) {
        await b.exchange.round(k, bytes(10 + k), { signal: signal() })
        if (k === 0) await c.exchange.round(0, bytes(20), { signal: signal() })
        while (seen.at(-1) !== 10 + k) {
          await poll()
          assert.ok(r < 5_000, `b's round ${k} never arrived: ${seen.slice(-5).join(', ')}`)
          await new Promise((resolve) => setTimeout(resolve, 2))
        }
      }
      for (let k = 1; k < seen.length; k++) assert.ok(seen[k] >= seen[k - 1], `b's messages in order: ${seen.join(', ')}`)
      await waitFor(() => fast.exchange.stats().lastMissing.length === 0, 10_000, 'c\'s message')
      const got = await fast.exchange.round(r++, bytes(0), { signal: signal() })
      // in the order of fast's neighbours (c, b on the ring)
      assert.deepEqual(got.map((m) => [m.from.id, m.payload[0]]), [[c.id, 20], [b.id, 13]])
      // b heard fast too, although it called round() far less often
      assert.ok((b.exchange.stats().peers[fast.id]?.messagesIn ?? 0) > 0)
    })

    it('a message from a peer that is not a neighbour is refused (notNeighbour)', async () => {
      peers = await createPeers(3, { sync: 'async', roundDeadlineMs: 600_000 })
      const [a, b, outsider] = peers
      a.exchange.setNeighbours([b.id])
      b.exchange.setNeighbours([a.id])
      outsider.exchange.setNeighbours([a.id])
      await outsider.exchange.round(0, bytes(7), { signal: signal() })
      await waitFor(() => a.exchange.stats().rejected.notNeighbour > 0, 10_000, 'the refusal')
      assert.deepEqual(await a.exchange.round(0, bytes(1), { signal: signal() }), [])
    })

    it('finishSends sends the last round\'s model to a neighbour the rounds skipped as lagging: a finished peer\'s final word arrives', async () => {
      peers = await createPeers(3, { sync: 'async', roundDeadlineMs: 600_000 })
      peers.forEach((p, i) => { p.exchange.setNeighbours(ringIds(peers, i)) })
      const [ahead, behind] = peers
      const until = async (poll: () => Promise<boolean>, what: string): Promise<void> => {
        const end = Date.now() + 10_000
        while (!await poll()) {
          if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
          await new Promise((resolve) => setTimeout(resolve, 5))
        }
      }
      let r = 0
      await behind.exchange.round(0, bytes(100), { signal: signal() })
      await until(async () => (await ahead.exchange.round(r++, bytes(r - 1), { signal: signal() })).some((m) => m.from.id === behind.id), 'the behind peer\'s round 0')
      // behind stays at round 0, so ahead skips it from here on (more than one behind, and it has not moved on)
      const skipped = ahead.exchange.stats().sendsSkipped
      for (let k = 0; k < 5; k++) await ahead.exchange.round(r++, bytes(r - 1), { signal: signal() })
      const last = r - 1
      assert.ok(ahead.exchange.stats().sendsSkipped >= skipped + 5, `skipped ${ahead.exchange.stats().sendsSkipped - skipped} of 5`)
      let behindRound = 0
      const newestFromAhead = async (): Promise<number | undefined> =>
        (await behind.exchange.round(++behindRound, bytes(100), { signal: signal() })).find((m) => m.from.id === ahead.id)?.payload[0]
      await until(async () => (await newestFromAhead()) !== undefined, 'a message of the ahead peer')
      await new Promise((resolve) => setTimeout(resolve, 100))
      assert.ok(((await newestFromAhead()) ?? last) < last, 'the last rounds were not sent before finishSends')
      assert.equal(await ahead.exchange.finishSends(AbortSignal.timeout(5_000)), true)
      await until(async () => (await newestFromAhead()) === last, `the last round (${last}) after finishSends`)
    })
  })
})
