/**
 * Every option of every command: documented in --help, and every invalid value refused by the parser with a
 * UsageError that names the option and what it allows. A new option fails here until it is classified.
 */
import assert from 'node:assert/strict'
import { formatHelp, parseArgs } from '../../../node/cli/args.ts'
import type { CommandSpec, OptionSpec } from '../../../node/cli/args.ts'
import { commands } from '../../../node/cli/commands/index.ts'
import { CLUSTER_SPEC, runCluster } from '../../../scripts/cluster.ts'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runCli } from './run.ts'
import { CONFIG_FIELDS } from '../../../node/cli/experiment-options.ts'
import { EXPERIMENT_BOUNDS, EXPERIMENT_DEFAULTS, resolveExperiment } from '../../../lib/experiment/index.ts'

const silent = { out: (): void => {}, err: (): void => {}, isTTY: false }

/** Commands implemented by a script of their own (runRaw): the spec that script parses with. */
const RAW_SPECS: Record<string, CommandSpec> = { cluster: CLUSTER_SPEC }

/** An invalid value for each string option that has a check (kept in step with the checks). */
const INVALID_STRINGS: Record<string, string> = {
  topology: 'moebius',
  codec: 'topk:2',
  partition: 'dirichlet:-1',
  model: 'resnet',
  aggregate: 'median-of-nothing',
  attack: 'meteor',
  shard: '4/4',
  'run-id': 'two words'
}

/**
 * String options that take free text (paths, names, lists checked when the command runs, with their own
 * typed errors): listed so that adding an unchecked string option is a decision, not an accident.
 */
const FREE_TEXT = new Set<string>(['out', 'config', 'dataset-dir', 'data-dir', 'own-data', 'metrics-host', 'http-host', 'swarm-key', 'allow-peers'])

/**
 * String options whose value is checked when the command runs, before any work (their parser needs other
 * options, e.g. --peers, or modules --help must not load): each case shows the refusal names the option.
 */
const CHECKED_WHEN_RUN: Record<string, { argv: string[], code: number }> = {
  attackers: { argv: ['sim', '--attack', 'nan', '--attackers', 'some', '--rounds', '0', '--quiet'], code: 2 },
  listen: { argv: ['peer', '--data-dir', 'unused', '--shard', '0/1', '--listen', 'localhost:9000'], code: 2 },
  announce: { argv: ['peer', '--data-dir', 'unused', '--shard', '0/1', '--announce', '/ip4/1.2.3.4/tcp/9/p2p/x'], code: 2 },
  bootstrap: { argv: ['peer', '--data-dir', 'unused', '--shard', '0/1', '--bootstrap', '/ip4/1.2.3.4/tcp/9'], code: 2 },
  churn: { argv: ['--churn', 'explode:1@2'], code: 2 },
  slowdown: { argv: ['--slowdown', 'fast'], code: 2 }
}

function specs (): CommandSpec[] {
  return commands.map((c) => {
    if (c.runRaw === undefined) return c
    const spec = RAW_SPECS[c.name]
    assert.ok(spec !== undefined, `murmur ${c.name} parses its own argv: add its CommandSpec to RAW_SPECS`)
    return spec
  })
}

function refuses (command: CommandSpec, option: OptionSpec, raw: string): void {
  const argv = option.type === 'boolean' ? [`--${option.name}=${raw}`] : [`--${option.name}`, raw]
  assert.throws(() => parseArgs(command, argv), (err: any) => {
    assert.equal(err.name, 'UsageError', `murmur ${command.name} --${option.name} ${raw}: ${String(err.message)}`)
    assert.equal(err.option, option.name)
    assert.equal(typeof err.allowed, 'string', `--${option.name}: the error says what is allowed`)
    assert.ok(err.allowed.length > 0)
    for (const choice of option.choices ?? []) assert.ok(err.allowed.includes(choice), `--${option.name}: '${choice}' listed`)
    return true
  }, `murmur ${command.name} --${option.name} ${raw} is refused`)
}

describe('every option of every command', () => {
  it('has a description and appears in --help with its choices', () => {
    for (const command of specs()) {
      const help = formatHelp(command)
      for (const o of command.options) {
        assert.ok(o.description.trim().length >= 8, `murmur ${command.name} --${o.name} has a description`)
        assert.ok(help.includes(`--${o.name}`), `murmur ${command.name} --help lists --${o.name}`)
        if (o.choices !== undefined) assert.ok(help.includes(o.choices.join(', ')), `--${o.name}: choices in --help`)
      }
    }
  })

  it('refuses an invalid value of each typed, choice or checked option, naming the option and what is allowed', () => {
    const unclassified: string[] = []
    for (const command of specs()) {
      for (const o of command.options) {
        if (o.type === 'int') {
          refuses(command, o, 'x')
          refuses(command, o, '1.5')
        } else if (o.type === 'number') {
          refuses(command, o, 'x')
          refuses(command, o, 'NaN')
        } else if (o.type === 'boolean') {
          refuses(command, o, 'maybe')
          continue
        }
        if (o.type !== 'string') {
          if (o.min !== undefined) refuses(command, o, String(o.min - 1))
          if (o.min !== undefined && o.exclusiveMin === true) refuses(command, o, String(o.min))
          if (o.max !== undefined) refuses(command, o, String(o.max + 1))
          continue
        }
        if (o.choices !== undefined) refuses(command, o, 'no-such-choice')
        else if (o.check !== undefined) {
          const bad = INVALID_STRINGS[o.name]
          if (bad === undefined) unclassified.push(`${command.name} --${o.name} (checked: add an invalid value to INVALID_STRINGS)`)
          else refuses(command, o, bad)
        } else if (!FREE_TEXT.has(o.name) && CHECKED_WHEN_RUN[o.name] === undefined) unclassified.push(`${command.name} --${o.name} (unchecked string)`)
      }
    }
    assert.deepEqual(unclassified, [])
  })

  it('options checked when the command runs are refused before any work, naming the option', async function () {
    this.timeout(20_000)
    for (const [name, c] of Object.entries(CHECKED_WHEN_RUN)) {
      if (c.argv[0] !== 'sim' && c.argv[0] !== 'peer') {
        // murmur cluster is scripts/cluster.ts: its parse errors are thrown before any process starts
        await assert.rejects(runCluster([...c.argv, '--peers', '4', '--rounds', '1', '--out', mkdtempSync(join(tmpdir(), 'murmur-opt-'))], silent),
          (err: any) => err.name === 'UsageError' && err.option === name, `cluster --${name}`)
        continue
      }
      const argv = c.argv.map((a) => a === 'unused' ? mkdtempSync(join(tmpdir(), 'murmur-opt-')) : a)
      if (argv[0] === 'sim') argv.push('--out', mkdtempSync(join(tmpdir(), 'murmur-opt-')))
      const { code, err } = await runCli(argv)
      assert.equal(code, c.code, `murmur ${argv.join(' ')}: ${err}`)
      assert.ok(err.includes(name), `murmur ${argv[0]} --${name}: the error names it: ${err}`)
    }
  })

  it('--topology file:PATH is for murmur graph only: sim, peer and cluster refuse it while parsing, graph takes it', () => {
    for (const command of specs()) {
      const option = command.options.find((o) => o.name === 'topology')
      if (option === undefined) continue
      if (command.name === 'graph') {
        assert.doesNotThrow(() => parseArgs(command, ['--topology', 'file:edges.txt']))
        continue
      }
      refuses(command, option, 'file:edges.txt')
      assert.throws(() => parseArgs(command, ['--topology', 'file:edges.txt']), /read by 'murmur graph' only/)
    }
  })

  it('a missing value is refused the same way', () => {
    for (const command of specs()) {
      for (const o of command.options.filter((x) => x.type !== 'boolean')) {
        assert.throws(() => parseArgs(command, [`--${o.name}`]), (err: any) => err.name === 'UsageError' && err.option === o.name && typeof err.allowed === 'string')
      }
    }
  })
})

describe('the options of a run (sim, peer, cluster)', () => {
  it('state the bounds the library checks: every value the parser takes at a bound, resolveExperiment takes too', () => {
    const problems: string[] = []
    for (const command of specs().filter((c) => ['sim', 'peer', 'cluster'].includes(c.name))) {
      for (const o of command.options) {
        const field = CONFIG_FIELDS[o.name]
        if ((o.type !== 'int' && o.type !== 'number') || field === undefined) continue
        if (!(field in EXPERIMENT_DEFAULTS) && !(field in EXPERIMENT_BOUNDS)) continue // network-run fields, resolved elsewhere
        if (o.min === undefined || o.max === undefined) { problems.push(`${command.name} --${o.name}: states no ${o.min === undefined ? 'minimum' : 'maximum'}`); continue }
        const lowest = o.exclusiveMin === true ? o.min + (o.type === 'int' ? 1 : 1e-9) : o.min
        for (const v of [lowest, o.max]) {
          assert.equal(parseArgs(command, [`--${o.name}`, String(v)]).values[o.name], v)
          try {
            resolveExperiment({ [field]: v })
          } catch (err) {
            problems.push(`${command.name} --${o.name} ${v}: parsed, but ${(err as Error).message}`)
          }
        }
      }
    }
    assert.deepEqual(problems, [])
  })
})
