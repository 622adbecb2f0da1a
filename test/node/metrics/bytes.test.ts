import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { ENVELOPE_HEADER_BYTES, varintLength } from '../../../lib/protocol/index.ts'
import { METRICS, createPeerMetrics } from '../../../node/metrics/index.ts'
import type { PeerRecord } from '../../../node/peer/index.ts'
import { results, startCluster, stopStartedClusters } from '../peer/helpers.ts'

/** value of the series `name{labels}` in an exposition; undefined when absent */
function value (text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    const m = /^([a-z_]+)(\{(.*)\})? (\S+)$/.exec(line)
    if (m === null || m[1] !== name) continue
    const got = Object.fromEntries([...(m[3] ?? '').matchAll(/([a-z_]+)="([^"]*)"/g)].map((x) => [x[1], x[2]]))
    if (Object.entries(labels).every(([k, v]) => got[k] === v)) return Number(m[4])
  }
  return undefined
}

function help (text: string, name: string): string {
  const line = text.split('\n').find((l) => l.startsWith(`# HELP murmur_${name} `))
  assert.ok(line !== undefined, `HELP of murmur_${name}`)
  return line
}

describe('node/metrics: the two byte counters of a peer, murmur_sent_bytes_total and murmur_neighbour_bytes_total', function () {
  this.timeout(30_000)
  afterEach(stopStartedClusters)

  it('count what their HELP says: the algorithm\'s messages times the neighbours, and whole frames on the wire (envelope included)', async () => {
    const rounds = 8
    const cluster = await startCluster({ runId: 'metrics-bytes', peers: 3, topology: 'ring', algo: 'gossip', dim: 64, rounds, seed: 5, roundDeadlineMs: 5000 })
    await results(cluster)
    for (const peer of cluster.peers) {
      const records = readFileSync(join(peer.dataDir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as PeerRecord)
      assert.equal(records.length, rounds)
      const metrics = createPeerMetrics({ processMetrics: false })
      metrics.identify({ peerId: peer.peerId, slot: peer.slot, runId: cluster.config.runId })
      for (const r of records) metrics.record(r)
      const text = await metrics.registry.metrics()

      // the algorithm's message of a round (the exchange's payload, one chunk here), the same size every round
      const neighbours = records[0].neighbours
      assert.equal(neighbours.length, 2)
      const payload = records[0].bytesThisRound / neighbours.length
      for (const r of records) assert.equal(r.bytesThisRound, payload * neighbours.length)
      // on the wire each message is that payload plus its frame's 40-byte envelope header and the frame's length prefix
      const frame = payload + ENVELOPE_HEADER_BYTES + varintLength(ENVELOPE_HEADER_BYTES + payload)
      const sent = value(text, 'murmur_sent_bytes_total')
      assert.equal(sent, rounds * neighbours.length * payload, 'every round\'s message, once per neighbour, payload only')
      assert.equal(sent, records.at(-1)?.bytesSent, 'the bytesSent of metrics.jsonl')
      for (const id of neighbours) {
        const out = value(text, 'murmur_neighbour_bytes_total', { neighbour: id, direction: 'out' }) ?? 0
        const into = value(text, 'murmur_neighbour_bytes_total', { neighbour: id, direction: 'in' }) ?? 0
        // whole messages fully written by the end of a round: the last may still have been in flight then
        assert.equal(out % frame, 0, `out to ${id}: ${out} B in whole frames of ${frame} B`)
        assert.ok(out / frame >= rounds - 1 && out / frame <= rounds, `out to ${id}: ${out / frame} messages of ${rounds}`)
        // frames read: payload and envelope header, the length prefix left out
        assert.equal(into % (payload + ENVELOPE_HEADER_BYTES), 0, `in from ${id}: ${into} B`)
      }
    }
  })

  it('say so in their HELP lines, each naming the other', async () => {
    const text = await createPeerMetrics({ processMetrics: false }).registry.metrics()
    const sent = help(text, 'sent_bytes_total')
    assert.match(sent, /payload/)
    assert.match(sent, /without the exchange's envelope/)
    assert.match(sent, /once per neighbour of the round/)
    assert.match(sent, /delivered or not/)
    assert.match(sent, /bytesSent of metrics\.jsonl/)
    assert.match(sent, /not the sum of murmur_neighbour_bytes_total/)
    const wire = help(text, 'neighbour_bytes_total')
    assert.match(wire, /on the wire/)
    assert.match(wire, /40-byte envelope header/)
    assert.match(wire, /length prefix/)
    assert.match(wire, /fully written/)
    assert.match(wire, /end of each round/)
    assert.match(wire, /out is not murmur_sent_bytes_total: it adds the envelopes and leaves out sends not \(yet\) written/)
    // the README's list and the code's list name the same metrics
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8')
    for (const m of METRICS) assert.ok(readme.includes(`murmur_${m.name}`), `README lists murmur_${m.name}`)
  })
})
