import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { compressionVerdict, parseCli as parseCompression, TARGETS } from '../../scripts/compare-compression.ts'
import type { CompressionComparison } from '../../scripts/compare-compression.ts'
import { parseCli as parseByzantine } from '../../scripts/byzantine.ts'
import { parseCli as parseSpectralGap } from '../../scripts/spectral-gap.ts'

/**
 * Where the research scripts write without --out: the README's committed figures (docs/results/<name>) only for a run
 * at the settings that produced them; any run that changes a setting of the results goes to runs/<name>-<what changed>.
 */

const outOf = (cli: object): string => {
  assert.ok('out' in cli, 'not help')
  return cli.out as string
}

interface OutCase { args: string[], out: string }

const CASES: Array<{ script: string, parse: (argv: string[]) => object, cases: OutCase[] }> = [
  {
    script: 'compare-compression',
    parse: parseCompression,
    cases: [
      { args: [], out: 'docs/results/compression' },
      { args: ['--rounds', '600', '--seed', '1'], out: 'docs/results/compression' },
      { args: ['--rounds', '40'], out: 'runs/compression-rounds-40' },
      { args: ['--seed', '3'], out: 'runs/compression-seed-3' },
      { args: ['--seed', '3', '--rounds', '40'], out: 'runs/compression-rounds-40-seed-3' },
      { args: ['--rounds', '40', '--out', 'x'], out: 'x' },
      { args: ['--out', 'docs/results/compression'], out: 'docs/results/compression' }
    ]
  },
  {
    script: 'byzantine',
    parse: parseByzantine,
    cases: [
      { args: [], out: 'docs/results/byzantine' },
      { args: ['--rounds', '60', '--attacks', 'signflip,gaussian:10,alie:20,ipm:2,nan'], out: 'docs/results/byzantine' },
      { args: ['--attacks', 'signflip, gaussian:10,alie:20,ipm:2,nan'], out: 'docs/results/byzantine' },
      { args: ['--rounds', '15'], out: 'runs/byzantine-rounds-15' },
      { args: ['--attacks', 'alie:20'], out: 'runs/byzantine-attacks-alie_20' },
      { args: ['--rounds', '15', '--attacks', 'alie:20,nan', '--aggregates', 'mean,clip:auto'], out: 'runs/byzantine-rounds-15-attacks-alie_20+nan-aggregates-mean+clip_auto' },
      { args: ['--seed', '2', '--out', 'runs/byz'], out: 'runs/byz' }
    ]
  },
  {
    script: 'spectral-gap',
    parse: parseSpectralGap,
    cases: [
      { args: [], out: 'docs/results/spectral-gap' },
      { args: ['--partition', 'iid', '--dpsgd-rounds', '300'], out: 'docs/results/spectral-gap' },
      { args: ['--partition', 'dirichlet:0.1'], out: 'runs/spectral-gap-partition-dirichlet_0.1' },
      { args: ['--quick'], out: 'runs/spectral-gap-quick' },
      { args: ['--no-dpsgd'], out: 'runs/spectral-gap-no-dpsgd' },
      { args: ['--quick', '--no-dpsgd', '--dim', '10'], out: 'runs/spectral-gap-quick-no-dpsgd-dim-10' },
      { args: ['--seed', '7', '--max-rounds', '50', '--dpsgd-rounds', '20'], out: 'runs/spectral-gap-dpsgd-rounds-20-seed-7-max-rounds-50' },
      { args: ['--partition', 'dirichlet:0.1', '--out', 'docs/results/spectral-gap'], out: 'docs/results/spectral-gap' }
    ]
  }
]

/** A D-PSGD vs CHOCO comparison with these gaps, for the verdict. */
function comparison (rounds: number, averagedGapPoints: number, worstPeerGapPoints = 1, bytesRatio = 75): CompressionComparison {
  return { rounds, arms: [], averagedGapPoints, worstPeerGapPoints, bytesRatio }
}

/** Runs a script from `cwd` with no --out, as a user would, and lists what it left there. */
function runIn (cwd: string, script: string, args: string[]): { code: number | null, out: string, err: string } {
  const r = spawnSync(process.execPath, [resolve('scripts', script), ...args], { cwd, encoding: 'utf8', timeout: 60_000 })
  return { code: r.status, out: r.stdout, err: r.stderr }
}

describe('scripts: a variant run of a research script leaves the README\'s figures in docs/results alone', function () {
  this.timeout(60_000)
  const dirs: string[] = []
  /** an empty folder to run a script from, so that nothing it writes can land in this repository */
  const scratch = (): string => { const dir = mkdtempSync(join(tmpdir(), 'murmur-results-out-')); dirs.push(dir); return dir }
  after(() => { for (const dir of dirs) rmSync(dir, { recursive: true, force: true }) })

  for (const { script, parse, cases } of CASES) {
    it(`${script}: the default settings write docs/results, a changed setting runs/${script === 'compare-compression' ? 'compression' : script}-<what changed>, --out wins`, () => {
      for (const { args, out } of cases) assert.equal(outOf(parse(args)), out, args.join(' '))
    })
  }

  it('--help of each says --out defaults to docs/results/<name> at the default settings and to runs/<name>-... otherwise', () => {
    for (const [script, results] of [['compare-compression', 'compression'], ['byzantine', 'byzantine'], ['spectral-gap', 'spectral-gap']]) {
      const r = spawnSync(process.execPath, [join('scripts', `${script}.ts`), '--help'], { encoding: 'utf8', timeout: 10_000 })
      assert.equal(r.status, 0, r.stderr)
      const out = r.stdout.slice(r.stdout.indexOf('  --out DIR'), r.stdout.indexOf('\n  -h, --help'))
      assert.match(out, new RegExp(`default: docs/results/${results}, the README's`), script)
      assert.match(out, new RegExp(`else runs/${results}-<changed options>`), script)
    }
  })

  it('compare-compression: the targets decide the exit code at 600 rounds only; another round count passes with a note', () => {
    assert.equal(TARGETS.rounds, 600)
    assert.equal(compressionVerdict(comparison(600, 0.8)).code, 0)
    assert.equal(compressionVerdict(comparison(600, 1.5)).code, 1)
    assert.equal(compressionVerdict(comparison(600, 0.8, 3.5)).code, 1)
    assert.equal(compressionVerdict(comparison(600, 0.8, 1, 40)).code, 1)
    const short = compressionVerdict(comparison(40, 6))
    assert.equal(short.code, 0)
    assert.match(short.text, /600-round run/)
    assert.match(short.text, /not checked at 40 rounds/)
  })

  it('compare-compression --rounds 1: exit 0 with the 600-round note, writes runs/compression-rounds-1 and says so', () => {
    const cwd = scratch()
    const r = runIn(cwd, 'compare-compression.ts', ['--rounds', '1'])
    assert.equal(r.code, 0, r.out + r.err)
    assert.match(r.out, /targets .*600-round run/)
    const out = join(cwd, 'runs', 'compression-rounds-1')
    assert.deepEqual(readdirSync(out).sort(), ['accuracy.svg', 'compression.csv', 'summary.json'])
    assert.ok(r.out.includes(out), 'prints where it wrote')
    assert.equal(existsSync(join(cwd, 'docs')), false, 'docs/results untouched')
  })

  it('byzantine --rounds 1 --attacks nan --aggregates mean: writes runs/byzantine-..., not docs/results/byzantine, and says so', () => {
    const cwd = scratch()
    const r = runIn(cwd, 'byzantine.ts', ['--rounds', '1', '--attacks', 'nan', '--aggregates', 'mean'])
    assert.equal(r.code, 0, r.out + r.err)
    const out = join(cwd, 'runs', 'byzantine-rounds-1-attacks-nan-aggregates-mean')
    assert.deepEqual(readdirSync(out).sort(), ['results.csv', 'results.json', 'table.md'])
    assert.ok(r.out.includes(out), 'prints where it wrote')
    assert.equal(existsSync(join(cwd, 'docs')), false, 'docs/results untouched')
  })

  it('spectral-gap --quick --no-dpsgd --dim 10: writes runs/spectral-gap-quick-no-dpsgd-dim-10 and says so', () => {
    const cwd = scratch()
    const r = runIn(cwd, 'spectral-gap.ts', ['--quick', '--no-dpsgd', '--dim', '10'])
    assert.equal(r.code, 0, r.out + r.err)
    const out = join(cwd, 'runs', 'spectral-gap-quick-no-dpsgd-dim-10')
    assert.ok(readdirSync(out).includes('rates.csv'))
    assert.ok(r.out.includes(out), 'prints where it wrote')
    assert.equal(existsSync(join(cwd, 'docs')), false, 'docs/results untouched')
  })
})
