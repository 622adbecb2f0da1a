/** What the CLI prints in the corners a new user reaches first: help, typos, degenerate runs and graphs. */
import assert from 'node:assert/strict'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runCli } from './run.ts'

describe('murmur messages', function () {
  this.timeout(20_000)

  it('murmur help COMMAND is COMMAND --help; help alone is the command list', async () => {
    for (const name of ['sim', 'report', 'graph']) {
      const viaHelp = await runCli(['help', name])
      const viaFlag = await runCli([name, '--help'])
      assert.equal(viaHelp.code, 0, viaHelp.err)
      assert.ok(viaHelp.out.startsWith(`Usage: murmur ${name} `), viaHelp.out.slice(0, 80))
      assert.equal(viaHelp.out, viaFlag.out)
    }
    const top = await runCli(['help'])
    assert.equal(top.code, 0)
    assert.match(top.out, /^Usage: murmur <command>/)
    const unknown = await runCli(['help', 'nope'])
    assert.equal(unknown.code, 2)
    assert.match(unknown.err, /unknown command 'nope'/)
  })

  it('an unknown command: one sentence per clause, no "?." ', async () => {
    const typo = await runCli(['sin'])
    assert.equal(typo.code, 2)
    assert.equal(typo.err.trim(), "murmur: unknown command 'sin'; did you mean 'sim'? Commands: init, graph, sim, peer, cluster, report, swarm-key, watch")
    const far = await runCli(['xyzzyq'])
    assert.match(far.err, /^murmur: unknown command 'xyzzyq'\. Commands: /)
  })

  it('murmur sim --rounds 0: no NaN in the summary', async () => {
    const { code, out, err } = await runCli(['sim', '--rounds', '0', '--algo', 'gossip', '--peers', '2', '--dim', '4', '--quiet', '--out', join(mkdtempSync(join(tmpdir(), 'murmur-msg-')), 'o')])
    assert.equal(code, 0, err)
    assert.doesNotMatch(out, /NaN/)
    assert.match(out, /^consensus {9}n\/a \(no round ran\)$/m)
  })

  it('murmur graph --peers 1: no second eigenvalue is quoted, and one peer is a peer', async () => {
    const { code, out } = await runCli(['graph', '--peers', '1'])
    assert.equal(code, 0)
    assert.match(out, /^ring over 1 peer, /)
    assert.match(out, /^lambda2 {6}0\.000000 {3}one peer: W = \[1\] has no λ2, nothing to average$/m)
    assert.doesNotMatch(out, /max\(\|λ2\|/)
    const two = await runCli(['graph', '--peers', '4'])
    assert.match(two.out, /^ring over 4 peers, /)
    assert.match(two.out, /max\(\|λ2\|, \|λn\|\) = max\(0\.333333, 0\.333333\)/)
  })
})
