import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseCli as parseCompression } from '../../scripts/compare-compression.ts'
import { parseCli as parseByzantine } from '../../scripts/byzantine.ts'

/** Runs a script as a user would; only for options that stop before any training starts. */
function run (script: string, args: string[]): { code: number | null, out: string, err: string } {
  const r = spawnSync(process.execPath, [join('scripts', script), ...args], { encoding: 'utf8', timeout: 10_000 })
  return { code: r.status, out: r.stdout, err: r.stderr }
}

describe('scripts: --help and bad options of the research scripts', function () {
  this.timeout(10_000)

  it('compare-compression: --help prints the usage (exit 0); an unknown flag or a bad number is one message and the usage (exit 2)', () => {
    assert.deepEqual(parseCompression([]), { rounds: 600, seed: 1, out: 'docs/results/compression' })
    assert.deepEqual(parseCompression(['--rounds', '60', '--seed', '3', '--out', 'x']), { rounds: 60, seed: 3, out: 'x' })
    assert.deepEqual(parseCompression(['-h']), { help: true })
    for (const bad of [['--rounds', '0'], ['--rounds', 'abc'], ['--seed', '-1'], ['--seed', '1.5'], ['--bogus']]) {
      assert.ok('error' in parseCompression(bad), bad.join(' '))
    }
    const help = run('compare-compression.ts', ['--help'])
    assert.equal(help.code, 0)
    assert.match(help.out, /^usage: node scripts\/compare-compression\.ts/)
    const bogus = run('compare-compression.ts', ['--bogus'])
    assert.equal(bogus.code, 2)
    assert.match(bogus.err, /^compare-compression: Unknown option '--bogus'\nusage:/)
    assert.doesNotMatch(bogus.err, /\n\s+at /, 'no stack trace')
  })

  it('byzantine: --help (exit 0); a bad flag, round count, attack or aggregate is refused before any run (exit 2)', () => {
    assert.deepEqual(parseByzantine(['--rounds', '5', '--attacks', 'alie:20,nan', '--aggregates', 'mean,clip:auto']),
      { rounds: 5, seed: 1, attacks: ['alie:20', 'nan'], aggregates: ['mean', 'clip:auto'], out: 'docs/results/byzantine' })
    assert.deepEqual(parseByzantine(['--help']), { help: true })
    const cases: Array<[string[], RegExp]> = [
      [['--rounds', '0'], /^--rounds/],
      [['--attacks', 'bogus'], /^--attacks: attack: expected/],
      [['--attacks', ','], /^--attacks: expected at least one/],
      [['--aggregates', 'clip:x'], /^--aggregates: aggregate: expected/],
      [['--nope'], /Unknown option '--nope'/]
    ]
    for (const [args, message] of cases) {
      const r = parseByzantine(args)
      assert.ok('error' in r, args.join(' '))
      assert.match(r.error, message)
    }
    const out = join(mkdtempSync(join(tmpdir(), 'murmur-byz-')), 'out')
    const typo = run('byzantine.ts', ['--attacks', 'signflip,alei', '--out', out])
    assert.equal(typo.code, 2)
    assert.match(typo.err, /^byzantine: --attacks: .*"alei"\nusage:/)
    assert.equal(existsSync(out), false, 'nothing written')
    assert.equal(run('byzantine.ts', ['--help']).code, 0)
  })

  it('spectral-gap: a bad number or partition is refused before anything runs or is written (exit 2)', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'murmur-sg-')), 'out')
    for (const args of [['--dpsgd-rounds', '0'], ['--partition', 'dirichlet:0']]) {
      const r = run('spectral-gap.ts', ['--quick', '--out', out, ...args])
      assert.equal(r.code, 2, args.join(' '))
      assert.match(r.err, new RegExp(`^spectral-gap: ${args[0]}: .*\\nusage:`))
    }
    assert.equal(existsSync(out), false, 'nothing written')
  })
})
