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
