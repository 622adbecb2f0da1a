import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runCli } from './run.ts'

describe('murmur sim: the topologies a network run falls back on', function () {
  this.timeout(10_000)

  it('runs a topology with no graph on --peers nodes on the nearest one, as murmur cluster and peer do, naming it once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'murmur-sim-topology-'))
    const cases: Array<[string, string, string]> = [
      ['torus', '2', '2 is prime: a ring (torus 1x2)'],
      ['hypercube', '3', 'hypercube: 3 is not a power of two: the incomplete hypercube on 3 nodes'],
      ['regular:3', '2', 'regular:3 on 2 nodes: complete']
    ]
    for (const [topology, peers, note] of cases) {
      const out = join(dir, `${topology.replace(':', '-')}-${peers}`)
      const { code, err } = await runCli(['sim', '--algo', 'gossip', '--dim', '8', '--peers', peers, '--topology', topology, '--rounds', '2', '--quiet', '--out', out])
      assert.equal(code, 0, `${topology} on ${peers}: ${err}`)
      assert.equal(err.split(note).length - 1, 1, `${topology} on ${peers}: the note once\n${err}`)
      assert.match(err, new RegExp(`${peers} peers, ${topology} \\(${note.replace(/[()]/g, '\\$&')}; lambda2 `))
      assert.equal(readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').length, 2)
    }
  })

  it('replays a cluster\'s run.json whose topology has no graph on its peers', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'murmur-sim-topology-'))
    // the shape of a cluster's OUT/run.json (resolved run config with runId and roundDeadlineMs)
    const runJson = join(dir, 'run.json')
    writeFileSync(runJson, JSON.stringify({ peers: 3, topology: 'hypercube', algo: 'gossip', dim: 8, rounds: 2, seed: 1, runId: 'murmur', roundDeadlineMs: 5000 }))
    const { code, err } = await runCli(['sim', '--config', runJson, '--quiet', '--out', join(dir, 'replay')])
    assert.equal(code, 0, err)
    assert.match(err, /the incomplete hypercube on 3 nodes/)
  })

  it('an invalid --topology of sim and peer (and cluster, which has peer\'s options) lists the forms they take, without the edge list they refuse', async () => {
    for (const command of ['sim', 'peer']) {
      const { code, err } = await runCli([command, '--topology', 'Ring'])
      assert.equal(code, 2, `${command}: ${err}`)
      assert.match(err, /invalid value for --topology: 'Ring'; expected one of ring, torus/, command)
      assert.doesNotMatch(err, /file:PATH/, command)
    }
    // murmur graph reads edge lists: its list keeps file:PATH
    assert.match((await runCli(['graph', '--topology', 'Ring'])).err, /file:PATH/)
  })
})
