import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseCli as parseCompression } from '../../scripts/compare-compression.ts'
import { ATTACKS, AGGREGATES, parseCli as parseByzantine } from '../../scripts/byzantine.ts'
import { parseCli as parseSpectralGap } from '../../scripts/spectral-gap.ts'
import { NETNS_CLUSTER_SPEC, runNetnsCluster } from '../../scripts/netns-cluster.ts'

/** Runs a script as a user would; only for options that stop before any training starts. */
function run (script: string, args: string[]): { code: number | null, out: string, err: string } {
  const r = spawnSync(process.execPath, [join('scripts', script), ...args], { encoding: 'utf8', timeout: 10_000 })
  return { code: r.status, out: r.stdout, err: r.stderr }
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/** `err` is a UsageError naming `option`. */
function usageError (option: string) {
  return (err: Error & { option?: string }): boolean => err.name === 'UsageError' && err.option === option
}

interface HelpCase {
  script: string
  /** the npm script that runs it, if package.json has one */
  npm?: string
  /** options that must be listed, each with the default its line shows (undefined: no single default) */
  options: Array<[string, string | undefined]>
}

const HELP: HelpCase[] = [
  {
    script: 'spectral-gap',
    npm: 'spectral-gap',
    options: [['out', undefined], ['quick', 'false'], ['no-consensus', 'false'], ['no-dpsgd', 'false'], ['partition', 'iid'],
      ['dpsgd-rounds', '300'], ['dim', '1000'], ['seed', '1'], ['max-rounds', '4000']]
  },
  {
    script: 'compare-compression',
    npm: 'compare-compression',
    options: [['rounds', '600'], ['seed', '1'], ['out', undefined]]
  },
  {
    script: 'byzantine',
    options: [['rounds', '60'], ['seed', '1'], ['attacks', ATTACKS.join(',')], ['aggregates', AGGREGATES.join(',')], ['out', undefined]]
  },
  {
    script: 'netns-cluster',
    options: [['peers', '16'], ['rounds', '200'], ['out', undefined], ['keep', 'false'], ['port', '9000'], ['heartbeat', '500'], ['timeout', '600'],
      ['verbose', 'false'], ['train-thread', 'main'], ['link-rate', 'unshaped']]
  }
]

interface BadCase {
  script: string
  args: string[]
  /** what stderr must say after `<script>: ` */
  message: RegExp
}

const BAD: BadCase[] = [
  { script: 'spectral-gap', args: ['--dim', 'abc'], message: /^invalid value for --dim: 'abc'; expected an integer in \[1, 100000000\]/ },
  { script: 'spectral-gap', args: ['--dpsgd-rounds', '0'], message: /^invalid value for --dpsgd-rounds: '0'; expected an integer in \[1, 10000000\]/ },
  { script: 'spectral-gap', args: ['--partition', 'dirichlet:0'], message: /^invalid value for --partition: 'dirichlet:0'; .*'iid'.*'dirichlet:<alpha>'/ },
  { script: 'spectral-gap', args: ['--no-dpsgd', '--no-consensus'], message: /^--no-consensus with --no-dpsgd leaves nothing to run/ },
  { script: 'spectral-gap', args: ['--bogus'], message: /^unknown option --bogus for 'node scripts\/spectral-gap\.ts'/ },
  { script: 'compare-compression', args: ['--rounds', 'abc'], message: /^invalid value for --rounds: 'abc'; expected an integer in \[1, 10000000\]/ },
  { script: 'compare-compression', args: ['--seed', '-1'], message: /^invalid value for --seed: '-1'; expected an integer in \[0, 4294967295\]/ },
  { script: 'compare-compression', args: ['--bogus'], message: /^unknown option --bogus for 'node scripts\/compare-compression\.ts'/ },
  { script: 'byzantine', args: ['--attacks', 'signflip,alei'], message: /^invalid value for --attacks: 'signflip,alei'; attack: expected .*'signflip'.*, got "alei"/ },
  { script: 'byzantine', args: ['--aggregates', 'mean,clip:x'], message: /^invalid value for --aggregates: 'mean,clip:x'; aggregate: expected .*'clip:auto'/ },
  { script: 'byzantine', args: ['--rounds', '0'], message: /^invalid value for --rounds: '0'; expected an integer in \[1, 10000000\]/ },
  { script: 'byzantine', args: ['--atacks', 'nan'], message: /^unknown option --atacks for 'node scripts\/byzantine\.ts'; did you mean --attacks\?/ },
  { script: 'netns-cluster', args: ['--peers', '1'], message: /^invalid value for --peers: '1'; expected an integer in \[2, 200\]/ },
  { script: 'netns-cluster', args: ['--link-rate', '100mbps'], message: /^invalid value for --link-rate: '100mbps'; expected a tc rate such as 1gbit, 100mbit or 500kbit/ },
  { script: 'netns-cluster', args: ['--bogus'], message: /^unknown option --bogus for 'node scripts\/netns-cluster\.ts' \(see 'node scripts\/netns-cluster\.ts --help'\)/ }
]

describe('scripts: --help and bad options of the research scripts', function () {
  this.timeout(20_000)

  for (const { script, npm, options } of HELP) {
    it(`${script}: --help says how to run it, lists every option with its default, and gives an example (exit 0)`, () => {
      const help = run(`${script}.ts`, ['--help'])
      assert.equal(help.code, 0, help.err)
      assert.equal(help.err, '')
      const lines = help.out.split('\n')
      assert.equal(lines[0], `Usage: node scripts/${script}.ts [options]`)
      if (npm !== undefined) assert.equal(lines[1], `       npm run ${npm} -- [options]`)
      assert.doesNotMatch(help.out, new RegExp(`murmur ${script}`), 'not run as a murmur command')
      for (const [name, value] of options) {
        const line = lines.find((l) => l.startsWith(`  --${name} `) || l === `  --${name}`)
        assert.ok(line !== undefined, `--${name} listed`)
        if (value !== undefined) assert.match(line, new RegExp(`default: ${escape(value)}[;)]`), `--${name}'s default`)
      }
      assert.match(help.out, new RegExp(`\nExamples?:\n  (node scripts/${script}\\.ts|npm run ${npm ?? script}) `))
      assert.match(help.out, /\nExit codes: /)
    })
  }

  it('spectral-gap, compare-compression, byzantine: --help names every option of its declaration', () => {
    for (const script of ['spectral-gap', 'compare-compression', 'byzantine']) {
      const help = run(`${script}.ts`, ['-h'])
      assert.equal(help.code, 0)
      const listed = [...help.out.matchAll(/^ {2}--([a-z-]+)/gm)].map((m) => m[1]).sort()
      const declared = HELP.find((h) => h.script === script)?.options.map(([name]) => name).sort()
      assert.deepEqual(listed, declared, script)
    }
  })

  it('netns-cluster: --peers shows the bounds the script enforces, --attack says every peer attacks', () => {
    const help = run('netns-cluster.ts', ['--help']).out
    assert.match(help, /^ {2}--peers N .*an integer in \[2, 200\]/m)
    assert.match(help, /^ {2}--link-rate RATE .*1gbit, 100mbit or 500kbit/m)
    assert.match(help, /^ {2}--attack SPEC .*every peer/m)
    assert.ok(NETNS_CLUSTER_SPEC.options.every((o) => help.includes(`  --${o.name}`)), 'every declared option listed')
  })

  for (const { script, args, message } of BAD) {
    it(`${script} ${args.join(' ')}: one message naming the option and what it allows, nothing run or written (exit 2)`, () => {
      const out = join(mkdtempSync(join(tmpdir(), 'murmur-script-args-')), 'out')
      const r = run(`${script}.ts`, [...args, '--out', out])
      assert.equal(r.code, 2, r.err)
      assert.equal(r.out, '')
      assert.ok(r.err.startsWith(`${script}: `), r.err)
      assert.match(r.err.slice(script.length + 2), message)
      assert.match(r.err, new RegExp(`'node scripts/${script}\\.ts --help'`), 'says where the options are')
      assert.doesNotMatch(r.err, /murmur (spectral-gap|compare-compression|byzantine|netns-cluster)/)
      assert.doesNotMatch(r.err, /\n\s+at /, 'no stack trace')
      assert.equal(existsSync(out), false, 'nothing written')
    })
  }

  it('spectral-gap --out a folder that cannot be made: one line naming the path and the cause, no stack trace (exit 1)', () => {
    const blocker = join(mkdtempSync(join(tmpdir(), 'murmur-script-out-')), 'a-file')
    writeFileSync(blocker, '')
    const r = run('spectral-gap.ts', ['--out', join(blocker, 'out')])
    assert.equal(r.code, 1, r.err)
    const lines = r.err.trim().split('\n')
    assert.equal(lines.length, 1, r.err)
    assert.match(lines[0], /^spectral-gap: .*a-file.*(ENOTDIR|EEXIST)/)
  })

  it('compare-compression: parseCli takes the defaults and the options; a mistake is a UsageError naming the option', () => {
    assert.deepEqual(parseCompression([]), { rounds: 600, seed: 1, out: 'docs/results/compression' })
    assert.deepEqual(parseCompression(['--rounds', '60', '--seed=3', '--out', 'x']), { rounds: 60, seed: 3, out: 'x' })
    assert.deepEqual(parseCompression(['-h']), { help: true })
    const cases: Array<[string[], string]> = [[['--rounds', '0'], 'rounds'], [['--rounds', 'abc'], 'rounds'], [['--seed', '-1'], 'seed'],
      [['--seed', '1.5'], 'seed'], [['--seed', '4294967296'], 'seed'], [['--out'], 'out'], [['--bogus'], 'bogus']]
    for (const [args, option] of cases) assert.throws(() => parseCompression(args), usageError(option), args.join(' '))
  })

  it('byzantine: parseCli checks every attack and aggregate before any run; a mistake is a UsageError naming the option', () => {
    assert.deepEqual(parseByzantine([]), { rounds: 60, seed: 1, attacks: [...ATTACKS], aggregates: [...AGGREGATES], out: 'docs/results/byzantine' })
    assert.deepEqual(parseByzantine(['--rounds', '5', '--attacks', 'alie:20,nan', '--aggregates', 'mean,clip:auto']),
      { rounds: 5, seed: 1, attacks: ['alie:20', 'nan'], aggregates: ['mean', 'clip:auto'], out: 'runs/byzantine-rounds-5-attacks-alie_20+nan-aggregates-mean+clip_auto' })
    assert.deepEqual(parseByzantine(['--help']), { help: true })
    const cases: Array<[string[], string]> = [[['--rounds', '0'], 'rounds'], [['--attacks', 'bogus'], 'attacks'], [['--attacks', ','], 'attacks'],
      [['--aggregates', 'clip:x'], 'aggregates'], [['--aggregates', ''], 'aggregates'], [['--nope'], 'nope']]
    for (const [args, option] of cases) assert.throws(() => parseByzantine(args), usageError(option), args.join(' '))
  })

  it('spectral-gap: parseCli takes the defaults (a changed option writes elsewhere); a mistake is a UsageError naming the option', () => {
    const defaults = { out: 'docs/results/spectral-gap', quick: false, consensus: true, dpsgd: true, partition: 'iid', dpsgdRounds: 300, dim: 1000, seed: 1, maxRounds: 4000 }
    assert.deepEqual(parseSpectralGap([]), defaults)
    assert.deepEqual(parseSpectralGap(['--quick', '--no-dpsgd', '--dim', '10']), { ...defaults, out: 'runs/spectral-gap-quick-no-dpsgd-dim-10', quick: true, dpsgd: false, dim: 10 })
    assert.deepEqual(parseSpectralGap(['--quick', '--out', 'x', '--partition', 'dirichlet:0.1']), { ...defaults, out: 'x', quick: true, partition: 'dirichlet:0.1' })
    assert.deepEqual(parseSpectralGap(['-h']), { help: true })
    const cases: Array<[string[], string]> = [[['--dim', '0'], 'dim'], [['--max-rounds', '1e3'], 'max-rounds'], [['--partition', 'shards:0'], 'partition'],
      [['--no-consensus', '--no-dpsgd'], 'no-consensus']]
    for (const [args, option] of cases) assert.throws(() => parseSpectralGap(args), usageError(option), args.join(' '))
    assert.throws(() => parseSpectralGap(['--quick', 'extra']), (err: Error) => err.name === 'UsageError' && err.message === "'node scripts/spectral-gap.ts' takes no positional arguments, got 'extra'")
  })

  it('netns-cluster: a mistake is a UsageError naming the option and the script (not murmur), before any namespace is made', async () => {
    const io = { out: () => {}, err: () => {} }
    await assert.rejects(runNetnsCluster(['--peers', '201'], io), usageError('peers'))
    await assert.rejects(runNetnsCluster(['--bogus'], io), (err: Error) => usageError('bogus')(err) && err.message.includes("'node scripts/netns-cluster.ts --help'"))
    const lines: string[] = []
    assert.equal(await runNetnsCluster(['--help'], { out: (s) => { lines.push(s) }, err: () => {} }), 0)
    assert.match(lines.join('\n'), /^Usage: node scripts\/netns-cluster\.ts \[options\]\n/)
  })
})
