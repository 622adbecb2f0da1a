/**
 * The run config of murmur peer and murmur cluster (network runs) from their command lines: the library's refusals
 * reported as murmur sim reports them, the simulator's own fields of a --config file not silently dropped, and
 * the cluster's --heartbeat within what each of its peers takes.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from '../../../node/cli/args.ts'
import { peerCommand } from '../../../node/cli/commands/peer.ts'
import { withoutSimOnlyFields } from '../../../node/cli/experiment-options.ts'
import { CLUSTER_SPEC, defaultHeartbeat, runCluster, splitAttack } from '../../../scripts/cluster.ts'
import { runCli } from './run.ts'

function tmp (): string {
  return mkdtempSync(join(tmpdir(), 'murmur-netcfg-'))
}

function configFile (fields: Record<string, unknown>): string {
  const file = join(tmp(), 'run.json')
  writeFileSync(file, JSON.stringify(fields))
  return file
}

/** runs murmur cluster in this process; what it printed to stderr, and its error */
async function cluster (argv: string[]): Promise<{ err: string, error: any }> {
  let err = ''
  try {
    await runCluster([...argv, '--out', tmp(), '--quiet'], { out: () => {}, err: (t) => { err += t + '\n' }, isTTY: false })
  } catch (error) {
    return { err, error }
  }
  assert.fail('murmur cluster was expected to refuse its command line')
}

describe('the run config of murmur peer and murmur cluster', function () {
  this.timeout(20_000)

  it('a value only the library can refuse is a usage error naming the option (exit 2), as in murmur sim', async () => {
    const cases: Array<{ argv: string[], option: string }> = [
      { argv: ['--algo', 'choco', '--overlap'], option: 'overlap' },
      { argv: ['--algo', 'gossip', '--order', 'cta'], option: 'order' },
      { argv: ['--algo', 'choco', '--sync', 'async'], option: 'sync' }
    ]
    for (const c of cases) {
      const { code, err } = await runCli(['peer', '--data-dir', tmp(), '--shard', '0/2', ...c.argv])
      assert.equal(code, 2, `peer ${c.argv.join(' ')}: ${err}`)
      assert.match(err, new RegExp(`^murmur peer: invalid value for --${c.option}: `), err)
      assert.doesNotMatch(err, /Error/, 'no error class name')
      const { error } = await cluster(['--peers', '2', ...c.argv])
      assert.equal(error.name, 'UsageError', `cluster ${c.argv.join(' ')}: ${String(error.message)}`)
      assert.equal(error.option, c.option)
      assert.match(error.message, new RegExp(`^invalid value for --${c.option}: `))
    }
    // a field of the --config file is refused naming the file and the field (as murmur sim does)
    const fromFile = await runCli(['peer', '--data-dir', tmp(), '--shard', '0/2', '--config', configFile({ algo: 'choco', overlap: true })])
    assert.equal(fromFile.code, 1, fromFile.err)
    assert.match(fromFile.err, /^murmur peer: --config '[^']*run\.json': overlap: /)
  })

  it('sim-only fields of --config (drop, offline, peerEvalLimit): one warning each naming it and murmur sim; silent at their defaults; attackers refused', async () => {
    const file = configFile({ algo: 'gossip', dim: 8, drop: 0.3, offline: 0.1, peerEvalLimit: 2000, peers: 3 })
    const warned = (err: string, command: string): void => {
      const lines = err.split('\n').filter((l) => l.includes('ignoring'))
      assert.deepEqual(lines, [
        `murmur ${command}: ignoring drop 0.3 of --config: it only applies to murmur sim (simulated message loss)`,
        `murmur ${command}: ignoring offline 0.1 of --config: it only applies to murmur sim (simulated peers sitting rounds out)`
      ], err)
    }
    // the peer goes on past the warnings and is stopped by its next check (--shard against the file's peers)
    const peer = await runCli(['peer', '--data-dir', tmp(), '--shard', '0/2', '--config', file])
    assert.equal(peer.code, 2, peer.err)
    assert.match(peer.err, /--shard 0\/2 splits the data into 2 parts but the run has --peers 3/)
    warned(peer.err, 'peer')
    const c = await cluster(['--config', file, '--churn', 'explode:1@2'])
    assert.equal(c.error.option, 'churn', String(c.error.message))
    warned(c.err, 'cluster')

    const quiet = withoutSimOnlyFields({ algo: 'gossip', drop: 0, offline: 0, peerEvalLimit: 2000 }, 'peer', { err: (t) => { assert.fail(`no warning expected: ${t}`) } })
    assert.deepEqual(quiet, { algo: 'gossip' })

    const attackers = configFile({ algo: 'gossip', attack: 'signflip', attackers: 1 })
    const p = await runCli(['peer', '--data-dir', tmp(), '--shard', '0/2', '--config', attackers])
    assert.equal(p.code, 2, p.err)
    assert.match(p.err, /^murmur peer: attackers \(from --config\) is a simulator setting: it only applies to murmur sim/)
  })

  it('murmur cluster reads a config file\'s attack and attackers (a sim\'s config.json), the command line winning', () => {
    const noErr = { err: (t: string) => { assert.fail(`no warning expected: ${t}`) } }
    const split = (argv: string[]): ReturnType<typeof splitAttack> => splitAttack(parseArgs(CLUSTER_SPEC, argv), noErr)
    // a sim's config.json holds the resolved slots
    const slots = split(['--peers', '4', '--config', configFile({ algo: 'gossip', attack: 'signflip', attackers: [2] })])
    assert.deepEqual(slots.attack, { spec: 'signflip', slots: [2] })
    assert.equal((slots.config as unknown as Record<string, unknown>).attack, undefined, 'the attack is not in every peer\'s run.json')
    // a count is chosen from the seed, as murmur sim does: one slot of the four
    const counted = split(['--peers', '4', '--config', configFile({ algo: 'gossip', attack: 'signflip', attackers: 1 })])
    assert.equal(counted.attack?.slots.length, 1)
    assert.ok(counted.attack!.slots[0] >= 0 && counted.attack!.slots[0] < 4)
    const overridden = split(['--peers', '4', '--attackers', '0,3', '--config', configFile({ algo: 'gossip', attack: 'signflip', attackers: [2] })])
    assert.deepEqual(overridden.attack?.slots, [0, 3])
    // attackers without an attack, from the file: refused as on the command line
    assert.throws(() => split(['--peers', '4', '--config', configFile({ algo: 'gossip', attackers: [2] })]), /attack/)
  })

  it('a config that will not do what it seems to ask is warned of by sim, peer and cluster alike (configNotes)', async () => {
    const sim = await runCli(['sim', '--algo', 'gossip', '--dim', '8', '--peers', '2', '--rounds', '1', '--codec', 'topk:0.5', '--gamma', '0.1', '--out', join(tmp(), 'r'), '--quiet'])
    assert.equal(sim.code, 0, sim.err)
    const lines = (err: string, command: string): string[] => err.split('\n').filter((l) => l.startsWith(`murmur ${command}: warning: `))
    assert.equal(lines(sim.err, 'sim').length, 2, sim.err)
    assert.match(sim.err, /murmur sim: warning: codec topk:0.5 with gossip: /)
    assert.match(sim.err, /murmur sim: warning: gamma 0.1 is ignored/)
    // peer and cluster warn, then stop at a later check of their command line
    const peer = await runCli(['peer', '--data-dir', tmp(), '--shard', '0/3', '--peers', '2', '--algo', 'dpsgd', '--codec', 'qsgd:16'])
    assert.equal(peer.code, 2, peer.err)
    assert.match(lines(peer.err, 'peer')[0] ?? '', /codec qsgd:16 with dpsgd: .*diverged/)
    const c = await cluster(['--peers', '2', '--algo', 'dpsgd', '--codec', 'randk:0.1', '--churn', 'explode:1@2'])
    assert.equal(c.error.option, 'churn')
    assert.match(lines(c.err, 'cluster')[0] ?? '', /codec randk:0.1 with dpsgd: /)
  })

  it('murmur cluster --heartbeat takes what murmur peer --heartbeat takes, and its default is capped at that bound', () => {
    const ours = CLUSTER_SPEC.options.find((o) => o.name === 'heartbeat')
    const peers = peerCommand.options.find((o) => o.name === 'heartbeat')
    assert.ok(ours !== undefined && peers !== undefined)
    assert.deepEqual([ours.min, ours.max], [peers.min, peers.max])
    assert.equal(ours.max, 60_000)
    assert.throws(() => parseArgs(CLUSTER_SPEC, ['--heartbeat', '60001']), (err: any) => err.name === 'UsageError' && err.option === 'heartbeat')
    assert.deepEqual([2, 10, 20, 1200, 1201, 4096].map(defaultHeartbeat), [500, 500, 1000, 60_000, 60_000, 60_000])
    // every default is one the peers take
    for (const n of [1, 1201, 4096]) assert.equal(parseArgs(peerCommand, ['--heartbeat', String(defaultHeartbeat(n))]).values.heartbeat, defaultHeartbeat(n))
  })
})
