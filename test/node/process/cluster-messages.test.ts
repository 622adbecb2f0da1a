import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { peersLine, runCluster } from '../../../scripts/cluster.ts'

/**
 * What a small real `murmur cluster` run prints: the topology its peers build (a torus on a prime count of peers is a
 * ring), the sim-only fields of its --config it ignores, and each peer's last line saying why it stopped in words.
 */
describe('murmur cluster messages', function () {
  this.timeout(60_000)

  it('torus on 2 peers: the header names the ring built; drop of --config: a warning; a peer ends with "done: 2 rounds (the run\'s last round reached)"', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'murmur-cluster-msg-'))
    const config = join(dir, 'cfg.json')
    writeFileSync(config, JSON.stringify({ drop: 0.5 }))
    const out = join(dir, 'out')
    let err = ''
    const code = await runCluster(['--config', config, '--peers', '2', '--topology', 'torus', '--algo', 'gossip', '--dim', '8', '--rounds', '2', '--heartbeat', '200', '--quiet', '--out', out],
      { out: () => {}, err: (t) => { err += t + '\n' }, isTTY: false })
    assert.equal(code, 0, err)
    assert.match(err, /^murmur cluster: ignoring drop 0\.5 of --config: it only applies to murmur sim/m)
    assert.match(err, /^murmur cluster: 2 peers, torus \(2 is prime: a ring \(torus 1x2\)\), gossip d=8, codec none, 2 rounds -> /m)
    for (const i of [0, 1]) {
      const log = readFileSync(join(out, `peer-${i}`, 'log.txt'), 'utf8')
      assert.match(log, /^done: 2 rounds \(the run's last round reached\), /m, log)
      assert.doesNotMatch(log, /ignoring/, 'run.json holds the defaults of the sim-only fields: the peers are silent')
    }
    assert.equal(JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')).drop, 0, 'the run config records what ran')
  })

  it('the summary\'s peers line names the processes killed by churn, stopped before joining, and failed', () => {
    assert.equal(peersLine(4, 0, 0, 4), '4 exited 0')
    assert.equal(peersLine(4, 1, 0, 5), '4 exited 0, 1 killed by churn')
    assert.equal(peersLine(3, 1, 1, 6), '3 exited 0, 1 killed by churn, 1 stopped before joining, 1 failed')
  })
})
