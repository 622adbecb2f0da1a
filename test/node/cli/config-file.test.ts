/**
 * A --config file's mistakes, as murmur reports them: the file named with every refusal of a field it set (its
 * unknown fields already were), and an unknown field with the field most likely meant, other programs' names too.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { likelyField } from '../../../node/cli/experiment-options.ts'
import { runCli } from './run.ts'

function configFile (fields: Record<string, unknown>): string {
  const file = join(mkdtempSync(join(tmpdir(), 'murmur-config-file-')), 'run.json')
  writeFileSync(file, JSON.stringify(fields))
  return file
}

describe('murmur --config file errors', function () {
  this.timeout(20_000)

  it('a field of the file the library refuses is named with the file, in sim and peer (exit 1, no class name)', async () => {
    // before: "murmur sim: InvalidExperimentConfigError: peers: expected an integer in [1, 4096], got "4"", no file named
    const cases: Array<{ fields: Record<string, unknown>, reason: string }> = [
      { fields: { peers: '4' }, reason: 'peers: expected an integer in [1, 4096], got "4"' },
      { fields: { normalize: 'false' }, reason: 'normalize: expected true or false, got "false"' },
      { fields: { algo: 'choco', overlap: true }, reason: 'overlap: expected false with algo choco' }
    ]
    for (const c of cases) {
      const file = configFile(c.fields)
      for (const argv of [['sim', '--rounds', '1', '--quiet'], ['peer', '--data-dir', mkdtempSync(join(tmpdir(), 'murmur-config-file-')), '--shard', '0/2']]) {
        const { code, err } = await runCli([...argv, '--config', file])
        assert.equal(code, 1, err)
        assert.ok(err.startsWith(`murmur ${argv[0]}: --config '${file}': ${c.reason}`), err)
        assert.doesNotMatch(err, /Error/, 'no error class name, as for the file\'s unknown fields')
      }
    }
  })

  it('a flag that overrides the file keeps its usage error (exit 2), and a field the file did not set is not blamed on it', async () => {
    const file = configFile({ rounds: 3 })
    const flag = await runCli(['sim', '--config', file, '--algo', 'choco', '--overlap', '--quiet'])
    assert.equal(flag.code, 2, flag.err)
    assert.match(flag.err, /^murmur sim: invalid value for --overlap: /)
    const attack = await runCli(['sim', '--config', configFile({ attack: 'alie' }), '--rounds', '1', '--quiet'])
    assert.equal(attack.code, 1, attack.err)
    // attackers is missing, not wrong: the file did not set it, so the library's error stands
    assert.match(attack.err, /^murmur sim: InvalidExperimentConfigError: attackers: attack 'alie:1' needs the peers that run it/)
  })

  it('an unknown field suggests the field meant: other programs\' names, flag spellings, typos', async () => {
    // before: learningRate, batch_size and epochs got no suggestion (10, 5 and 5 edits from lr, batch and rounds)
    const table: Array<[string, string | undefined]> = [
      ['learningRate', 'lr'], ['learning_rate', 'lr'], ['batch_size', 'batch'], ['batchSize', 'batch'], ['epochs', 'rounds'],
      ['weight-decay', 'weightDecay'], ['eval_every', 'evalEvery'], ['round-deadline', 'roundDeadlineMs'], ['run-id', 'runId'],
      ['topolgy', 'topology'], ['Peers', 'peers'], ['x', undefined], ['colour', undefined]
    ]
    for (const [key, meant] of table) assert.equal(likelyField(key), meant, key)
    const file = configFile({ learningRate: 0.1 })
    const { code, err } = await runCli(['sim', '--config', file, '--quiet'])
    assert.equal(code, 1)
    assert.ok(err.startsWith(`murmur sim: --config '${file}': unknown field 'learningRate'; did you mean 'lr'? (fields: `), err)
  })
})
