import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runCluster } from '../../../scripts/cluster.ts'
import { chooseAttackers } from '../../../lib/experiment/byzantine.ts'

/**
 * `murmur cluster --attack SPEC` once wrote the attack into run.json, so every peer was Byzantine without a word.
 * Like `murmur sim`, it now takes --attackers (a count chosen from the seed, or slots) and only those peers attack.
 */
describe('murmur cluster --attack and --attackers', function () {
  this.timeout(90_000)
  const silent = { out: () => {}, err: () => {}, isTTY: false }
  const fresh = (): string => join(mkdtempSync(join(tmpdir(), 'murmur-cluster-attack-')), 'run')

  it('--attack without --attackers is a usage error naming --attackers, before any peer starts', async () => {
    const out = fresh()
    await assert.rejects(runCluster(['--peers', '3', '--algo', 'gossip', '--dim', '8', '--rounds', '5', '--attack', 'signflip', '--out', out, '--quiet'], silent),
      (e: Error & { option?: string }) => e.name === 'UsageError' && e.option === 'attack' && /--attackers/.test(e.message))
    assert.ok(!existsSync(join(out, 'peer-0')), 'no peer was started')
  })

  it('--attackers without --attack is a usage error of --attackers', async () => {
    await assert.rejects(runCluster(['--peers', '3', '--algo', 'gossip', '--dim', '8', '--rounds', '5', '--attackers', '1', '--out', fresh(), '--quiet'], silent),
      (e: Error & { option?: string }) => e.name === 'UsageError' && e.option === 'attackers')
  })

  describe('a run of 3 peers with --attack signflip --attackers 1 --seed 7', () => {
    const out = fresh()
    let code = -1
    let err = ''
    before(async () => {
      code = await runCluster(['--peers', '3', '--algo', 'gossip', '--dim', '8', '--rounds', '5', '--seed', '7', '--heartbeat', '200', '--timeout', '60',
        '--attack', 'signflip', '--attackers', '1', '--out', out, '--quiet', '--run-id', 'attack-test'], { out: () => {}, err: (t) => { err += t + '\n' }, isTTY: false })
    })

    it('only the peer the seed chooses (as murmur sim would) is Byzantine; run.json holds no attack; the summary names the attackers', () => {
      assert.equal(code, 0, err)
      const chosen = chooseAttackers(3, 1, 7)
      for (const i of [0, 1, 2]) {
        const log = readFileSync(join(out, `peer-${i}`, 'log.txt'), 'utf8')
        assert.equal(/this peer is Byzantine/.test(log), chosen.includes(i), `peer-${i}: ${log}`)
      }
      assert.equal(JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')).attack, undefined)
      const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { attack?: { spec: string, slots: number[] } }
      assert.deepEqual(summary.attack, { spec: 'signflip', slots: chosen })
      assert.match(err, new RegExp(`peers? ${chosen.join(', ')} attacks? with signflip`))
    })

    it('no peer log carries the --listen note about this machine only (the cluster chose that address)', () => {
      for (const i of [0, 1, 2]) {
        assert.doesNotMatch(readFileSync(join(out, `peer-${i}`, 'log.txt'), 'utf8'), /accepts connections from this machine only/, `peer-${i}`)
      }
    })
  })
})
