import assert from 'node:assert/strict'
import { createServer } from 'node:net'
import type { AddressInfo } from 'node:net'
import { METRICS, createPeerMetrics, startMetricsServer } from '../../../node/metrics/index.ts'
import type { MetricsServer, PeerMetrics } from '../../../node/metrics/index.ts'
import type { PeerRecord } from '../../../node/peer/index.ts'

const ID = '12D3KooWP4EQMJUHBhyru8qhZpEgbY1t3ha41b21KqM2GwNmC3cF'
const A = '12D3KooWAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'
const B = '12D3KooWBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB'

function record (round: number, over: Partial<PeerRecord> = {}): PeerRecord {
  return {
    peerId: ID, slot: 1, round, trainLoss: 2 / round, accuracy: round % 2 === 0 ? 0.5 + round / 100 : null, testLoss: round % 2 === 0 ? 1 / round : null,
    bytesSent: 1000 * round, bytesThisRound: 1000, traffic: { [A]: { in: 400 * round, out: 500 * round }, [B]: { in: 100 * round, out: 500 * round } },
    members: 4, neighbours: [A, B], received: 2, missing: round === 3 ? 1 : 0, stale: 0,
    rejected: round === 2 ? { malformed: 1 } : {}, exchangeRejected: round >= 2 ? { 'not-neighbour': round - 1 } : {},
    row: { self: 1 / 3, neighbours: [{ id: A, weight: 1 / 3 }, { id: B, weight: 1 / 3 }] }, rowSum: 1, lambda2: 0.75,
    computeMs: 12, commMs: 30, waitMs: round === 1 ? 2000 : 0, roundMs: 45, elapsedMs: 45 * round, time: 1000 * round, skipped: 0, ...over
  }
}

/** value of the series `name{labels}` in an exposition; undefined when absent */
function value (text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name + '{') && !line.startsWith(name + ' ')) continue
    const m = /^([a-z_]+)(\{(.*)\})? (\S+)$/.exec(line)
    if (m === null || m[1] !== name) continue
    const got = Object.fromEntries([...(m[3] ?? '').matchAll(/([a-z_]+)="([^"]*)"/g)].map((x) => [x[1], x[2]]))
    if (Object.entries(labels).every(([k, v]) => got[k] === v)) return Number(m[4])
  }
  return undefined
}

describe('node/metrics Prometheus endpoint', () => {
  let server: MetricsServer | undefined
  let metrics: PeerMetrics
  afterEach(async () => { await server?.close(); server = undefined })

  async function scrape (): Promise<{ status: number, type: string | null, text: string }> {
    const res = await fetch(`http://127.0.0.1:${server?.port ?? 0}/metrics`, { signal: AbortSignal.timeout(5000) })
    return { status: res.status, type: res.headers.get('content-type'), text: await res.text() }
  }

  beforeEach(async () => {
    metrics = createPeerMetrics()
    metrics.identify({ peerId: ID, slot: 1, runId: 'run-a', algo: 'dpsgd', codec: 'none', topology: 'ring' })
    server = await startMetricsServer({ registry: metrics.registry, port: 0 })
  })

  it('exposes every documented metric with its type and labels after three rounds', async () => {
    for (let r = 1; r <= 3; r++) metrics.record(record(r))
    const { status, type, text } = await scrape()
    assert.equal(status, 200)
    assert.match(type ?? '', /^text\/plain; version=0\.0\.4/)
    for (const m of METRICS) assert.ok(text.includes(`# TYPE murmur_${m.name} ${m.type}`), `murmur_${m.name} (${m.type}) missing`)
    const base = { run: 'run-a', peer: ID }
    assert.equal(value(text, 'murmur_peer_info', { ...base, slot: '1', algo: 'dpsgd', codec: 'none', topology: 'ring' }), 1)
    assert.equal(value(text, 'murmur_round', base), 3)
    assert.equal(value(text, 'murmur_train_loss', base), 2 / 3)
    assert.equal(value(text, 'murmur_test_accuracy', base), 0.52, 'the latest evaluation (round 2) stays until the next')
    assert.equal(value(text, 'murmur_degree', base), 2)
    assert.equal(value(text, 'murmur_members', base), 4)
    assert.equal(value(text, 'murmur_spectral_gap', base), 0.25)
    // cumulative traffic per neighbour: the counter equals the exchange's total, not the sum of totals
    assert.equal(value(text, 'murmur_neighbour_bytes_total', { ...base, neighbour: A, direction: 'in' }), 1200)
    assert.equal(value(text, 'murmur_neighbour_bytes_total', { ...base, neighbour: B, direction: 'out' }), 1500)
    assert.equal(value(text, 'murmur_sent_bytes_total', base), 3000)
    assert.equal(value(text, 'murmur_messages_total', { ...base, outcome: 'missing' }), 1)
    assert.equal(value(text, 'murmur_rejections_total', { ...base, source: 'algorithm', reason: 'malformed' }), 1)
    assert.equal(value(text, 'murmur_rejections_total', { ...base, source: 'exchange', reason: 'not-neighbour' }), 2)
    // the phase histogram: 3 observations a phase; the one 2 s wait lands in the 2.5 s bucket and above only
    assert.equal(value(text, 'murmur_round_phase_seconds_count', { ...base, phase: 'wait' }), 3)
    assert.equal(value(text, 'murmur_round_phase_seconds_bucket', { ...base, phase: 'wait', le: '1' }), 2)
    assert.equal(value(text, 'murmur_round_phase_seconds_bucket', { ...base, phase: 'wait', le: '2.5' }), 3)
    assert.ok(Math.abs((value(text, 'murmur_round_phase_seconds_sum', { ...base, phase: 'compute' }) ?? 0) - 0.036) < 1e-12)
    assert.equal(value(text, 'murmur_round_seconds_count', base), 3)
    assert.ok(value(text, 'murmur_process_resident_memory_bytes', base) !== undefined, 'process metrics are exported')
  })

  it('answers 404 elsewhere and 405 to other methods', async () => {
    const port = server?.port ?? 0
    assert.equal((await fetch(`http://127.0.0.1:${port}/`)).status, 404)
    assert.equal((await fetch(`http://127.0.0.1:${port}/metrics`, { method: 'POST' })).status, 405)
  })

  it('names the port in use with a typed error', async () => {
    const blocker = createServer()
    await new Promise<void>((resolve) => { blocker.listen(0, '127.0.0.1', resolve) })
    try {
      const port = (blocker.address() as AddressInfo).port
      await assert.rejects(startMetricsServer({ registry: metrics.registry, port }), (err: Error & { code?: string }) => err.name === 'MetricsServerError' && err.code === 'EADDRINUSE')
    } finally {
      blocker.close()
    }
  })
})
