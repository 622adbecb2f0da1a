import assert from 'node:assert/strict'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
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
    const prime = await runCli(['graph', '--topology', 'torus', '--peers', '7'])
    assert.equal(prime.code, 1)
    assert.match(prime.err, /InvalidTopologyError/)
    const missing = await runCli(['graph', '--topology', 'file:/nonexistent/e.txt', '--peers', '4'])
    assert.equal(missing.code, 1)
    assert.match(missing.err, /nonexistent/)
  })
})
