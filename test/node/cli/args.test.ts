import assert from 'node:assert/strict'
import { closest, formatHelp, parseArgs } from '../../../node/cli/args.ts'
import type { CommandSpec } from '../../../node/cli/args.ts'
import { createProgress, progressLine } from '../../../node/cli/progress.ts'

const spec: CommandSpec = {
  name: 'demo',
  summary: 'a demo command',
  options: [
    { name: 'peers', type: 'int', description: 'number of peers', default: 16, min: 1, max: 4096 },
    { name: 'topology', type: 'string', description: 'graph', default: 'ring', check: (v) => String(v).startsWith('r') ? undefined : 'expected a name starting with r' },
    { name: 'codec', type: 'string', description: 'codec', choices: ['none', 'fp16'], default: 'none' },
    { name: 'lr', type: 'number', description: 'step size', default: 0.1, min: 0 },
    { name: 'json', type: 'boolean', description: 'print JSON' },
    { name: 'out', type: 'string', description: 'output folder' }
  ]
}

function usageErr (argv: string[], option?: string): void {
  assert.throws(() => parseArgs(spec, argv), (err: any) => {
    assert.equal(err.name, 'UsageError')
    if (option !== undefined) assert.equal(err.option, option)
    return true
  })
}

describe('node/cli/args', () => {
  it('closest: a near miss is suggested, a word too short to be a typo of anything is not', () => {
    assert.equal(closest('topolgy', ['topology', 'peers']), 'topology')
    assert.equal(closest('peres', ['topology', 'peers']), 'peers')
    assert.equal(closest('x', ['lr', 'dim']), undefined)
    assert.equal(closest('zzzzzzzz', ['topology', 'peers']), undefined)
  })

  it('a progress bar stopped early ends at the count reached, not the total', () => {
    let text = ''
    const p = createProgress({ total: 2000, label: 'sim', isTTY: false, write: (t) => { text += t }, now: () => 0 })
    p.update(361)
    p.done(undefined, 361)
    assert.match(text.trim().split('\n').at(-1) ?? '', /^sim \S+ 361\/2000 {2}18% /)
    let full = ''
    const q = createProgress({ total: 10, label: 'sim', isTTY: false, write: (t) => { full += t }, now: () => 0 })
    q.done()
    assert.match(full, /10\/10 100%/)
  })

  it('a missing value says what it should have been: the allowed values, or a free string\'s placeholder and meaning', () => {
    const missing = (argv: string[]): string => {
      try { parseArgs(spec, argv) } catch (err) { return (err as Error).message }
      throw new Error('no error')
    }
    assert.equal(missing(['--out']), 'option --out needs a value: a string (output folder)')
    assert.equal(missing(['--codec']), 'option --codec needs a value: one of none, fp16')
    assert.equal(missing(['--peers', '--json']), 'option --peers needs a value: an integer in [1, 4096]')
    const withPlaceholder: CommandSpec = { ...spec, options: [{ name: 'churn', type: 'string', placeholder: 'EVENTS', description: 'kill:I@R, comma-separated' }] }
    assert.throws(() => parseArgs(withPlaceholder, ['--churn']), /^UsageError: option --churn needs a value: EVENTS \(kill:I@R, comma-separated\)$/)
  })

  it('applies defaults and parses each type', () => {
    const a = parseArgs(spec, [])
    assert.deepEqual(a.values, { peers: 16, topology: 'ring', codec: 'none', lr: 0.1 })
    const b = parseArgs(spec, ['--peers', '8', '--lr=0.5', '--json', '--codec', 'fp16', '--out', 'runs/x'])
    assert.deepEqual(b.values, { peers: 8, topology: 'ring', codec: 'fp16', lr: 0.5, json: true, out: 'runs/x' })
    assert.equal(parseArgs(spec, ['--no-json']).values.json, false)
    assert.equal(parseArgs(spec, ['--help']).help, true)
  })

  it('table of invalid inputs: each names the option', () => {
    const cases: Array<{ argv: string[], option: string }> = [
      { argv: ['--peer', '3'], option: 'peer' },
      { argv: ['--peers', 'x'], option: 'peers' },
      { argv: ['--peers', '1.5'], option: 'peers' },
      { argv: ['--peers', '0'], option: 'peers' },
      { argv: ['--peers', '5000'], option: 'peers' },
      { argv: ['--lr', 'NaN'], option: 'lr' },
      { argv: ['--lr', '-1'], option: 'lr' },
      { argv: ['--codec', 'gzip'], option: 'codec' },
      { argv: ['--topology', 'torus'], option: 'topology' },
      { argv: ['--out'], option: 'out' },
      { argv: ['--peers', '3', '--peers', '4'], option: 'peers' },
      { argv: ['--json', 'maybe'], option: undefined as unknown as string }
    ]
    for (const c of cases) usageErr(c.argv, c.option)
  })

  it('an exclusive minimum refuses the minimum itself, and help and errors say so', () => {
    const open: CommandSpec = { name: 'demo', summary: '', options: [{ name: 'step', type: 'number', description: 'step size', min: 0, max: 1, exclusiveMin: true }] }
    assert.equal(parseArgs(open, ['--step', '0.001']).values.step, 0.001)
    assert.equal(parseArgs(open, ['--step', '1']).values.step, 1)
    assert.throws(() => parseArgs(open, ['--step', '0']), (err: any) => err.name === 'UsageError' && err.option === 'step' && err.allowed === 'a number in (0, 1]')
    assert.match(formatHelp(open), /--step X +step size \(a number in \(0, 1\]\)/)
  })

  it('suggests the closest option name', () => {
    assert.throws(() => parseArgs(spec, ['--topolgy', 'ring']), (err: any) => err.name === 'UsageError' && /--topology/.test(err.message))
  })

  it('help lists every option with its default and choices', () => {
    const text = formatHelp(spec)
    for (const o of spec.options) assert.ok(text.includes(`--${o.name}`), o.name)
    assert.ok(text.includes('default: 16'))
    assert.ok(text.includes('one of: none, fp16'))
  })

  it('help keeps -h, --help apart from its text when every option name is short', () => {
    const text = formatHelp({ name: 'x', summary: 's', options: [{ name: 'n', type: 'boolean', description: 'a flag' }] })
    assert.match(text, /\n {2}-h, --help +show this help/)
  })

  it('progress line shows fraction and eta', () => {
    const line = progressLine('sim', 50, 200, 10_000, 'acc 90%')
    assert.ok(line.includes('50/200'))
    assert.ok(line.includes(' 25%'))
    assert.ok(line.includes('eta 0:30'))
    assert.ok(line.endsWith('acc 90%'))
  })
})
