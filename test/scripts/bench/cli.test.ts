/**
 * The command line of `npm run bench` and of every runnable script in scripts/bench/: `--help` says how to run it,
 * lists its options with their defaults and gives examples (exit 0); a bad option or section is refused in one
 * message naming it, before any benchmark starts, with no stack trace (exit 2). Nothing here runs a benchmark: the
 * scripts are spawned (two at a time, in `before`) only with arguments that stop before one would start.
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { BENCH_SECTIONS, parseBenchCli } from '../../../scripts/bench/index.ts'

interface Ran { code: number | null, out: string, err: string }

function run (script: string, args: readonly string[]): Promise<Ran> {
  return new Promise((resolve, reject) => {
    // no IPC channel: as a user starts it from a shell
    const child = spawn(process.execPath, [join('scripts', 'bench', script), ...args], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000 })
    let out = ''
    let err = ''
    child.stdout.setEncoding('utf8').on('data', (s: string) => { out += s })
    child.stderr.setEncoding('utf8').on('data', (s: string) => { err += s })
    child.once('error', reject)
    child.once('close', (code) => { resolve({ code, out, err }) })
  })
}

/** Runs every [script, args] two at a time (the machines have 2 shared cores), keyed by `script args`. */
async function runAll (calls: ReadonlyArray<readonly [string, readonly string[]]>): Promise<Map<string, Ran>> {
  const results = new Map<string, Ran>()
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < calls.length) {
      const [script, args] = calls[next++]
      results.set(`${script} ${args.join(' ')}`, await run(script, args))
    }
  }
  await Promise.all([worker(), worker()])
  return results
}

interface HelpCase {
  script: string
  /** the script's name in its errors (`name: ...`) */
  name: string
  npm?: string
  /** options that must be listed, each with the default its line shows (undefined: no default shown) */
  options: Array<[string, string | undefined]>
  /** the positional arguments in the usage line, if any */
  positionals?: string
}

const HELP: HelpCase[] = [
  { script: 'index.ts', name: 'bench', npm: 'bench', options: [['full', 'false'], ['only', undefined]] },
  { script: 'codecs.ts', name: 'codecs', options: [['d', '1000000'], ['repeats', '15'], ['topk', undefined], ['spec', undefined]] },
  {
    script: 'model.ts',
    name: 'model',
    options: [['models', 'mlp,cnn'], ['backends', 'wasm,tensorflow'], ['batches', '32,64,128'], ['seconds', '1'], ['repeats', '3'], ['no-torch', 'false'], ['json', 'false']]
  },
  { script: 'sim.ts', name: 'sim', options: [['seed', '1']], positionals: '[N [D [ROUNDS [TOPOLOGY [CONSENSUS_EVERY]]]]] | spectra [N]' },
  {
    script: 'goodput.ts',
    name: 'goodput',
    options: [['floats', '100000,1000000,10000000'], ['repeats', '5'], ['warmup', '2'], ['variants', 'default,crc,chacha,noise-stock,tls,tls-native'],
      ['codec', 'topk:0.01'], ['stream', '10'], ['link-rate', undefined]]
  },
  { script: 'goodput-cipher.ts', name: 'goodput-cipher', options: [['mb', '200'], ['rounds', '7']] },
  { script: 'goodput-profile.ts', name: 'goodput-profile', options: [['skip-ms', '3000'], ['top', '20']], positionals: 'DIR' },
  {
    script: 'overlap.ts',
    name: 'overlap',
    options: [['peers', '4'], ['rounds', '200'], ['local-steps', '4'], ['batch', '32'], ['model', 'mlp'], ['link-rate', undefined], ['repeats', '1'], ['no-worker', 'false']]
  },
  {
    script: 'async.ts',
    name: 'async',
    options: [['peers', '3'], ['rounds', '150'], ['slowdown', '3'], ['local-steps', '8'], ['staleness', '8'], ['seed', undefined], ['seeds', undefined]]
  },
  {
    script: 'end-to-end.ts',
    name: 'end-to-end',
    options: [['target', '0.97'], ['max-rounds', '1500'], ['eval-every', '20'], ['peers', '16'], ['arms', undefined], ['seed', '1'], ['keep', 'false'], ['json', 'false']]
  }
]

interface BadCase {
  script: string
  name: string
  args: string[]
  /** what stderr must say after `<name>: ` */
  message: RegExp
}

const BAD: BadCase[] = [
  { script: 'index.ts', name: 'bench', args: ['--only', 'codec'], message: /^invalid value for --only: 'codec'; unknown section 'codec' \(did you mean codecs\?\); expected a comma-separated list of sections: codecs, model, sim, spectra, goodput, overlap, async, end-to-end, compression/ },
  { script: 'index.ts', name: 'bench', args: ['--only', 'codecs,simm'], message: /^invalid value for --only: 'codecs,simm'; unknown section 'simm' \(did you mean sim\?\)/ },
  { script: 'index.ts', name: 'bench', args: ['--only', ','], message: /^invalid value for --only: ','; expected a comma-separated list of sections: codecs, /m },
  { script: 'index.ts', name: 'bench', args: ['--only', 'codecs,overlap'], message: /^--only overlap: runs only with --full \(npm run bench -- --full --only codecs,overlap\)/ },
  { script: 'index.ts', name: 'bench', args: ['--ful'], message: /^unknown option --ful for 'node scripts\/bench\/index\.ts'; did you mean --full\?/ },
  { script: 'index.ts', name: 'bench', args: ['codecs'], message: /^'node scripts\/bench\/index\.ts' takes no positional arguments, got 'codecs'/ },
  { script: 'codecs.ts', name: 'codecs', args: ['--d', '0'], message: /^invalid value for --d: '0'; expected an integer >= 1/ },
  { script: 'codecs.ts', name: 'codecs', args: ['--topk', '1000,x'], message: /^invalid value for --topk: '1000,x'; expected a comma-separated list of integers >= 1/ },
  { script: 'codecs.ts', name: 'codecs', args: ['--spec', 'topk:0.1'], message: /^--spec goes with --topk/ },
  { script: 'codecs.ts', name: 'codecs', args: ['--topk', '1000', '--spec', 'sign'], message: /^invalid value for --spec: 'sign'; expected topk:F/ },
  { script: 'model.ts', name: 'model', args: ['--backends', 'wasm,tpu'], message: /^invalid value for --backends: 'wasm,tpu'; unknown backend 'tpu' \(did you mean cpu\?\); expected a comma-separated list of backends: auto, tensorflow, wasm, cpu/ },
  { script: 'model.ts', name: 'model', args: ['--seconds', '0'], message: /^invalid value for --seconds: '0'; expected a number > 0/ },
  { script: 'model.ts', name: 'model', args: ['--models', 'mlp,resnet'], message: /^invalid value for --models: 'mlp,resnet'; model 'resnet': expected / },
  { script: 'sim.ts', name: 'sim', args: ['abc'], message: /^N: expected an integer in \[1, 65536\], got 'abc'/ },
  { script: 'sim.ts', name: 'sim', args: ['16', '1000', '10', 'rnig'], message: /^TOPOLOGY: .*'rnig'.*ring, torus/ },
  { script: 'sim.ts', name: 'sim', args: ['spectra', '4096', '1'], message: /^'node scripts\/bench\/sim\.ts spectra' takes at most one argument \(N\), got 2/ },
  { script: 'sim.ts', name: 'sim', args: ['--peers', '16'], message: /^unknown option --peers for 'node scripts\/bench\/sim\.ts'/ },
  { script: 'goodput.ts', name: 'goodput', args: ['--variants', 'defualt'], message: /^invalid value for --variants: 'defualt'; unknown variant 'defualt' \(did you mean default\?\)/ },
  { script: 'goodput.ts', name: 'goodput', args: ['--floats', '1e3,x'], message: /^invalid value for --floats: '1e3,x'; expected a comma-separated list of integers >= 1/ },
  { script: 'goodput.ts', name: 'goodput', args: ['--codec', 'topk:2'], message: /^invalid value for --codec: 'topk:2'; / },
  { script: 'goodput-cipher.ts', name: 'goodput-cipher', args: ['--mb', '0'], message: /^invalid value for --mb: '0'; expected a number > 0/ },
  { script: 'goodput-profile.ts', name: 'goodput-profile', args: [], message: /^'node scripts\/bench\/goodput-profile\.ts' needs 1 DIR argument/ },
  { script: 'goodput-profile.ts', name: 'goodput-profile', args: ['--top', '0', 'prof'], message: /^invalid value for --top: '0'; expected an integer >= 1/ },
  { script: 'overlap.ts', name: 'overlap', args: ['--peers', '1'], message: /^invalid value for --peers: '1'; expected an integer in \[2, / },
  { script: 'overlap.ts', name: 'overlap', args: ['--link-rate', '100mbps'], message: /^invalid value for --link-rate: '100mbps'; expected a tc rate such as 1gbit/ },
  { script: 'async.ts', name: 'async', args: ['--seed', '1', '--seeds', '1,2'], message: /^--seed and --seeds: give one of them/ },
  { script: 'async.ts', name: 'async', args: ['--slowdown', '0.5'], message: /^invalid value for --slowdown: '0.5'; expected a number in \[1, 1000\]/ },
  { script: 'async.ts', name: 'async', args: ['--seeds', '1,-2'], message: /^invalid value for --seeds: '1,-2'; expected a comma-separated list of integers >= 0/ },
  { script: 'end-to-end.ts', name: 'end-to-end', args: ['--arms', 'central:0'], message: /^invalid value for --arms: 'central:0'; central:BATCH\[:LR\] takes an integer batch >= 1/ },
  { script: 'end-to-end.ts', name: 'end-to-end', args: ['--target', '2'], message: /^invalid value for --target: '2'; expected a number in \(0, 1\]/ },
  { script: 'end-to-end.ts', name: 'end-to-end', args: ['--max-round', '10'], message: /^unknown option --max-round for 'node scripts\/bench\/end-to-end\.ts'; did you mean --max-rounds\?/ }
]

/** The goodput benchmark's child processes: started by goodput.ts over IPC, never by hand. */
const CHILDREN = ['goodput-receiver.ts', 'goodput-sender.ts']

describe('scripts/bench: --help and bad options', function () {
  this.timeout(120_000)
  let ran = new Map<string, Ran>()
  const result = (script: string, args: readonly string[]): Ran => {
    const r = ran.get(`${script} ${args.join(' ')}`)
    assert.ok(r !== undefined, `${script} ${args.join(' ')} was run`)
    return r
  }

  before(async () => {
    ran = await runAll([
      ...HELP.map(({ script }) => [script, ['--help']] as const),
      ...BAD.map(({ script, args }) => [script, args] as const),
      ...CHILDREN.flatMap((script) => [[script, ['--help']] as const, [script, []] as const])
    ])
  })

  for (const { script, npm, options, positionals } of HELP) {
    it(`${script}: --help says how to run it, lists every option with its default, gives examples (exit 0)`, () => {
      const help = result(script, ['--help'])
      assert.equal(help.code, 0, help.err)
      assert.equal(help.err, '')
      const lines = help.out.split('\n')
      assert.equal(lines[0], `Usage: node scripts/bench/${script} [options]${positionals === undefined ? '' : ` ${positionals}`}`)
      if (npm !== undefined) assert.equal(lines[1], `       npm run ${npm} -- [options]`)
      for (const [name, value] of options) {
        const line = lines.find((l) => l.startsWith(`  --${name} `) || l === `  --${name}`)
        assert.ok(line !== undefined, `--${name} listed`)
        if (value !== undefined) assert.ok(line.includes(`default: ${value})`) || line.includes(`default: ${value};`), `--${name}'s default ${value}: ${line}`)
      }
      const listed = [...help.out.matchAll(/^ {2}--([a-z-]+)/gm)].map((m) => m[1]).sort()
      assert.deepEqual(listed, options.map(([name]) => name).sort(), 'exactly the declared options')
      assert.match(help.out, /\nExamples?:\n {2}(node scripts\/bench\/|npm run bench)/)
      assert.match(help.out, /\nExit codes: /)
    })
  }

  it('index.ts --help lists every section with what it measures and how long it takes, what --full changes, and examples', () => {
    const help = result('index.ts', ['--help']).out
    for (const { name } of BENCH_SECTIONS) assert.match(help, new RegExp(`^ {2}${name} +\\S.*\\(~\\d+ (s|min)\\b[^)]*\\)$`, 'm'), `section ${name} listed with a duration`)
    assert.match(help, /--full/)
    assert.match(help, /^ {2}npm run bench -- --only codecs,sim/m)
    assert.match(help, /^ {2}npm run bench -- --full\b/m)
  })

  for (const { script, name, args, message } of BAD) {
    it(`${script} ${args.join(' ')}: refused in one message naming what is wrong, nothing run (exit 2)`, () => {
      const r = result(script, args)
      assert.equal(r.code, 2, r.err)
      assert.equal(r.out, '')
      assert.ok(r.err.startsWith(`${name}: `), r.err)
      assert.match(r.err.slice(name.length + 2), message)
      assert.match(r.err, new RegExp(`'node scripts/bench/${script.replace('.', '\\.')}( spectra)? --help'`), 'says where the options are')
      assert.doesNotMatch(r.err, /\n\s+at /, 'no stack trace')
      assert.ok(r.err.trim().split('\n').length <= 2, `at most the message and where the options are: ${r.err}`)
    })
  }

  for (const script of CHILDREN) {
    it(`${script}: --help says it is started by goodput.ts (exit 0); started by hand without IPC it is refused (exit 2)`, () => {
      const help = result(script, ['--help'])
      assert.equal(help.code, 0, help.err)
      assert.match(help.out, /node scripts\/bench\/goodput\.ts/)
      const alone = result(script, [])
      assert.equal(alone.code, 2, alone.err)
      assert.match(alone.err, /node scripts\/bench\/goodput\.ts --help/)
      assert.doesNotMatch(alone.err, /\n\s+at /, 'no stack trace')
    })
  }
})

describe('scripts/bench/index: the sections --only and --full pick', () => {
  const quick = BENCH_SECTIONS.filter((s) => !s.full).map((s) => s.name)
  const all = BENCH_SECTIONS.map((s) => s.name)

  it('lists the nine sections in the order they run, the last four only with --full', () => {
    assert.deepEqual(all, ['codecs', 'model', 'sim', 'spectra', 'goodput', 'overlap', 'async', 'end-to-end', 'compression'])
    assert.deepEqual(quick, ['codecs', 'model', 'sim', 'spectra', 'goodput'])
  })

  it('no option: the five quick sections; --full: all nine; --only: those named, in the run order', () => {
    assert.deepEqual(parseBenchCli([]), { full: false, sections: quick })
    assert.deepEqual(parseBenchCli(['--full']), { full: true, sections: all })
    assert.deepEqual(parseBenchCli(['--only', 'sim,codecs']), { full: false, sections: ['codecs', 'sim'] })
    assert.deepEqual(parseBenchCli(['--full', '--only=end-to-end,goodput']), { full: true, sections: ['goodput', 'end-to-end'] })
    assert.deepEqual(parseBenchCli(['--only', ' spectra , spectra ']), { full: false, sections: ['spectra'] })
    assert.deepEqual(parseBenchCli(['-h']), { help: true })
  })

  it('an unknown section, an empty list or a --full section without --full is a UsageError naming --only', () => {
    for (const args of [['--only', 'codec'], ['--only', ''], ['--only', 'async'], ['--only', 'codecs,compression']]) {
      assert.throws(() => parseBenchCli(args), (err: Error & { option?: string }) => err.name === 'UsageError' && err.option === 'only', args.join(' '))
    }
  })
})
