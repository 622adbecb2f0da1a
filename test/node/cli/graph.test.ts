import assert from 'node:assert/strict'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildGraph } from '../../../topologies/index.ts'
import { runCli } from './run.ts'

describe('murmur graph', () => {
  it('--json prints the documented schema, consistent with the ring closed form', async () => {
    const { code, out } = await runCli(['graph', '--topology', 'ring', '--peers', '12', '--json'])
    assert.equal(code, 0)
    const g = JSON.parse(out)
    for (const key of ['n', 'edges', 'weights', 'eigenvalues', 'lambda2', 'spectralGap', 'normIminusW', 'mixingTime', 'degrees', 'edgeCount']) {
      assert.ok(key in g, key)
    }
    assert.equal(g.n, 12)
    assert.equal(g.edges.length, 12)
    assert.equal(g.weights.length, 12)
    for (const row of g.weights) assert.ok(Math.abs(row.reduce((a: number, b: number) => a + b, 0) - 1) < 1e-12)
    const expected = 1 / 3 + (2 / 3) * Math.cos(2 * Math.PI / 12)
    assert.ok(Math.abs(g.lambda2 - expected) < 1e-9)
    assert.ok(Math.abs(g.spectralGap - (1 - expected)) < 1e-9)
    for (let i = 1; i < g.eigenvalues.length; i++) assert.ok(g.eigenvalues[i] <= g.eigenvalues[i - 1] + 1e-12)
  })

  it('without --seed draws the random graph the library\'s buildGraph draws without a seed', async () => {
    for (const topology of ['regular:4', 'erdos-renyi:0.2']) {
      const { code, out } = await runCli(['graph', '--topology', topology, '--peers', '24', '--json'])
      assert.equal(code, 0)
      const cli = (JSON.parse(out) as { edges: Array<[number, number]> }).edges.map(([u, v]) => `${u}-${v}`).sort()
      const edges = (seed?: number): string[] => buildGraph(topology, 24, seed === undefined ? {} : { seed }).adjacency.flatMap((ns, u) => ns.filter((v) => v > u).map((v) => `${u}-${v}`)).sort()
      assert.deepEqual(cli, edges(), topology)
      // and the seed makes a difference: the comparison above is not of two fixed graphs
      assert.notDeepEqual(edges(2), edges(), topology)
    }
  })

  it('prints a text summary and reads edge-list files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'murmur-graph-'))
    const file = join(dir, 'path.txt')
    writeFileSync(file, '# a path of 4\n0 1\n1 2\n2 3\n')
    const { code, out } = await runCli(['graph', '--topology', `file:${file}`, '--peers', '4'])
    assert.equal(code, 0)
    assert.match(out, /edges\s+3/)
    assert.match(out, /lambda2/)
    // without --peers the file says how many nodes: not padded to the default 16 with isolated ones
    const inferred = await runCli(['graph', '--topology', `file:${file}`])
    assert.equal(inferred.code, 0)
    assert.match(inferred.out, /over 4 peers/)
    assert.doesNotMatch(inferred.out, /NOT connected/)
    assert.match((await runCli(['graph', '--topology', 'ring'])).out, /over 16 peers/, 'the default for a built topology')
    assert.match((await runCli(['graph', '--topology', 'torus:3x5'])).out, /over 15 peers/, 'torus:RxC names its size')
    // numbered from 1: node 0 alone is named as the likely cause
    const oneBased = join(dir, 'one-based.txt')
    writeFileSync(oneBased, '1 2\n2 3\n3 4\n4 1\n')
    const ob = await runCli(['graph', '--topology', `file:${oneBased}`])
    assert.match(ob.out, /NOT connected: peers will never agree; node 0 has no edge: node numbers start at 0, is the list numbered from 1\?/)
    assert.doesNotMatch(inferred.out, /numbered from 1/)
  })

  it('the text names why the mixing time is 0 or 1 round, and a tiny gap keeps its significant digits', async () => {
    const one = (await runCli(['graph', '--peers', '1'])).out
    assert.match(one, /mixing time {2}0 rounds {3}one peer: nothing to average/)
    const exact = (await runCli(['graph', '--topology', 'complete', '--peers', '3'])).out
    assert.match(exact, /mixing time {2}1 round {3}lambda2 = 0: W = 11ᵀ\/n averages exactly in one round/)
    const ring = (await runCli(['graph', '--topology', 'ring', '--peers', '12'])).out
    assert.match(ring, /mixing time {2}\d+ rounds {3}⌈ln\(1\/ε\)\/gap⌉, ε = 1e-3/)
    // ring of 2048: gap 2.94e-6; six decimals would print 0.000003 and lambda2 0.999997
    const big = (await runCli(['graph', '--topology', 'ring', '--peers', '2048'])).out
    const gap = 1 - (1 / 3 + (2 / 3) * Math.cos(2 * Math.PI / 2048))
    const printedGap = Number(/gap {10}(\S+)/.exec(big)?.[1])
    const printedL2 = Number(/lambda2 {6}(\S+)/.exec(big)?.[1])
    assert.ok(Math.abs(printedGap - gap) / gap < 1e-3, `gap printed ${printedGap}, is ${gap}`)
    assert.ok(Math.abs((1 - printedL2) - gap) / gap < 1e-3, `lambda2 printed ${printedL2}, is ${1 - gap}`)
  })

  it('rejects bad options and impossible graphs with exit codes and names', async () => {
    const unknown = await runCli(['graph', '--topolgy', 'ring'])
    assert.equal(unknown.code, 2)
    assert.match(unknown.err, /--topolgy/)
    const badTopo = await runCli(['graph', '--topology', 'moebius'])
    assert.equal(badTopo.code, 2)
    assert.match(badTopo.err, /--topology/)
    const badRows = await runCli(['graph', '--topology', 'torus:0x3'])
    assert.equal(badRows.code, 2)
    assert.match(badRows.err, /--topology/)
    const missing = await runCli(['graph', '--topology', 'file:/nonexistent/e.txt', '--peers', '4'])
    assert.equal(missing.code, 1)
    assert.match(missing.err, /nonexistent/)
  })

  it('a topology with no graph on --peers nodes: the nearest graph a run\'s peers build, with the same note (text and --json)', async () => {
    const { buildLiveGraph } = await import('../../../topologies/index.ts')
    const cases: Array<[string, string, RegExp]> = [
      ['torus', '2', /^torus \(2 is prime: a ring \(torus 1x2\)\) over 2 peers/],
      ['torus', '7', /^torus \(7 is prime: a ring \(torus 1x7\)\) over 7 peers/],
      ['hypercube', '3', /^hypercube \(hypercube: 3 is not a power of two: the incomplete hypercube on 3 nodes\) over 3 peers/],
      ['regular:3', '2', /^regular:3 \(regular:3 on 2 nodes: complete\) over 2 peers/]
    ]
    for (const [topology, peers, header] of cases) {
      const text = await runCli(['graph', '--topology', topology, '--peers', peers])
      assert.equal(text.code, 0, `${topology} ${peers}: ${text.err}`)
      assert.match(text.out, header)
      const json = JSON.parse((await runCli(['graph', '--topology', topology, '--peers', peers, '--json'])).out)
      const live = buildLiveGraph(topology, Number(peers), { seed: 1 })
      assert.equal(json.topologyNote, live.note)
      const edges: Array<[number, number]> = []
      live.graph.adjacency.forEach((nb, i) => { for (const j of nb) if (i < j) edges.push([i, j]) })
      assert.deepEqual(json.edges, edges, `${topology} ${peers}: the peers' graph`)
    }
    const own = JSON.parse((await runCli(['graph', '--topology', 'torus', '--peers', '6', '--json'])).out)
    assert.equal(own.topologyNote, null, 'no note where the spec has its own graph')
    assert.match((await runCli(['graph', '--topology', 'torus', '--peers', '6'])).out, /^torus over 6 peers/)
  })

  it('a disconnected graph claims no shrink rate, and the lambda2 line has one precision', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'murmur-graph-'))
    const file = join(dir, 'two-pairs.txt')
    writeFileSync(file, '0 1\n2 3\n')
    const { code, out } = await runCli(['graph', '--topology', `file:${file}`])
    assert.equal(code, 0)
    assert.match(out, /NOT connected/)
    assert.doesNotMatch(out, /shrinks by/)
    assert.match(out, /consensus {4}never shrinks: the graph is not connected/)
    const moduli = (text: string): string[] => (/max\(\|λ2\|, \|λn\|\) = max\(([0-9.]+), ([0-9.]+)\)/.exec(text) ?? []).slice(1)
    const decimals = (x: string): number => x.split('.')[1].length
    const lambda2 = (text: string): string => /lambda2 {6}(\S+)/.exec(text)?.[1] ?? ''
    for (const text of [out, (await runCli(['graph', '--topology', 'ring', '--peers', '400'])).out, (await runCli(['graph', '--topology', 'ring', '--peers', '12'])).out]) {
      const [a, b] = moduli(text)
      assert.ok(a !== undefined && b !== undefined, text)
      assert.equal(decimals(a), decimals(b), text)
      assert.equal(decimals(a), decimals(lambda2(text)), text)
    }
  })
})
