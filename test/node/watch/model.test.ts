import assert from 'node:assert/strict'
import { WatchModel, renderTerminal } from '../../../node/watch/index.ts'
import { SKETCH_SIZE, consensusFromSketches } from '../../../node/telemetry/index.ts'
import { announcement, config, ids, runningModel, summary } from './helpers.ts'

const T0 = 1_000_000

const running = (rounds: number): WatchModel => runningModel(rounds, T0)

describe('node/watch WatchModel and terminal view', () => {
  it('builds the run\'s membership graph and its spectrum from the announcements (ring of 4: gap 2/3)', () => {
    const s = running(3).snapshot(T0 + 600)
    assert.equal(s.run?.topology, 'ring')
    assert.equal(s.round, 3)
    assert.deepEqual(s.graph?.nodes.map((n) => n.slot), [0, 1, 2, 3])
    assert.equal(s.graph?.edges.length, 4)
    assert.ok(Math.abs((s.graph?.gap ?? 0) - 2 / 3) < 1e-9)
    // eigenvalues of the ring of 4 with weights 1/3: 1/3 + 2/3 cos(2πk/4) = 1, 1/3, 1/3, −1/3
    assert.deepEqual(s.graph?.eigenvalues?.map((x) => Number(x.toFixed(9))), [1, 0.333333333, 0.333333333, -0.333333333])
    // an edge's bytes: what either end reports for it (in + out, cumulative)
    const e01 = s.graph?.edges.find((e) => [e.source, e.target].sort().join() === [ids[0], ids[1]].sort().join())
    assert.equal(e01?.bytes, 3001)
    assert.ok(s.peers.every((p) => p.member && p.status === 'active'))
  })

  it('fixes a round\'s accuracy, loss and consensus once every live peer reported it, in round order', () => {
    const m = running(2)
    for (const slot of [0, 1, 2]) m.summary(summary(slot, 3), T0 + 700)
    let s = m.snapshot(T0 + 700)
    assert.deepEqual(s.series.accuracy.points.map((p) => p.round), [1, 2], 'round 3 waits for the fourth peer')
    m.summary(summary(3, 3), T0 + 701)
    s = m.snapshot(T0 + 701)
    assert.deepEqual(s.series.accuracy.points.map((p) => p.round), [1, 2, 3])
    assert.deepEqual(s.accuracy, { round: 3, mean: 0.65, min: 0.5, peers: 4 })
    const sketches = [1, 2, 3, 4].map((v) => new Float32Array(SKETCH_SIZE).fill(v))
    assert.equal(s.consensus?.value, consensusFromSketches(sketches))
    assert.equal(s.consensus?.peers, 4)
    assert.ok(Math.abs((s.loss?.mean ?? 0) - (1 / 3 + 0.015)) < 1e-12)
  })

  it('does not hold the curves back for a silent peer, and ignores stale and late summaries', () => {
    const m = running(2)
    for (const slot of [0, 1, 2]) m.summary(summary(slot, 3), T0 + 700)
    m.tick(T0 + 700 + 6000)
    const s = m.snapshot(T0 + 6700)
    assert.deepEqual(s.series.accuracy.points.at(-1), { round: 3, mean: 0.6, min: 0.5, peers: 3 })
    m.summary(summary(3, 3), T0 + 6800)
    m.summary(summary(0, 2), T0 + 6800)
    assert.deepEqual(m.snapshot(T0 + 6800).counters.ignored, { late: 1, stale: 1 })
  })

  it('reports joins, leaves and silences as they happen', () => {
    const m = running(5)
    m.announce(announcement(2, 3, { state: 'leaving', effectiveRound: 6, round: 5 }), T0 + 800)
    m.tick(T0 + 800 + 3 * 1000 + 1000 + 500)
    const kinds = m.snapshot(T0 + 6000).events.map((e) => `${e.kind}:${e.slot ?? ''}`)
    assert.deepEqual(kinds.slice(0, 4), ['heard:0', 'heard:1', 'heard:2', 'heard:3'])
    assert.ok(kinds.includes('join:0') && kinds.includes('join:3'))
    assert.ok(kinds.includes('leave:2'))
    // the peers that stopped announcing went silent; the leaver is not reported silent
    assert.deepEqual(kinds.filter((k) => k.startsWith('silent')).sort(), ['silent:0', 'silent:1', 'silent:3'])
  })

  it('forgets a peer heard from neither topic for two minutes', () => {
    const m = running(2)
    m.announce(announcement(0, 3, { round: 2 }), T0 + 100_000)
    m.summary(summary(0, 3), T0 + 100_000)
    m.tick(T0 + 130_000)
    assert.deepEqual(m.snapshot(T0 + 130_000).peers.map((p) => p.slot), [0])
  })

  it('counts rejected input by topic and fault', () => {
    const m = running(1)
    m.reject('summary', 'sketch')
    m.reject('summary', 'sketch')
    m.reject('announcement', 'signer')
    assert.deepEqual(m.snapshot(T0).counters.rejected, { 'summary:sketch': 2, 'announcement:signer': 1 })
  })

  it('renders the terminal view from a sequence of summaries', () => {
    const m = running(4)
    m.reject('summary', 'json')
    const text = renderTerminal(m.snapshot(T0 + 600), { width: 120 })
    assert.match(text, /run 'watch-test'/)
    assert.match(text, /dpsgd none on ring \(metropolis\), 4 peers, 100 rounds/)
    assert.match(text, /peers 4 live, 4 members of round 4/)
    assert.match(text, /spectral gap 0\.6667/)
    assert.match(text, /accuracy mean 65\.00% min 50\.00% \(round 4, 4 peers\)/)
    assert.match(text, /consensus distance 1\.600e\+2 \(round 4, 4 sketches\)/)
    for (const id of ids) assert.ok(text.includes(id.slice(-8)), `peer ${id} listed`)
    assert.match(text, /joins at round 0/)
    assert.match(text, /rejected: summary:json 1/)
    assert.ok(!text.includes('\u001b['), 'no ANSI codes unless asked')
    assert.ok(renderTerminal(m.snapshot(T0 + 600), { color: true }).includes('\u001b[1m'))
  })

  it('renders an empty view before anything is heard', () => {
    const text = renderTerminal(new WatchModel({ runId: 'x' }).snapshot(T0))
    assert.match(text, /waiting for the first membership announcement/)
    assert.match(text, /no peer heard yet/)
  })
})
