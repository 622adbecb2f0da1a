/**
 * `--config FILE` of murmur sim / peer / cluster: JSON with comments as people write it (trailing commas, a BOM
 * from Windows editors), and every malformed file refused in one line naming the file, the line and the column.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { parseArgs } from '../../../node/cli/args.ts'
import { configFromArgs, SIM_OPTIONS } from '../../../node/cli/experiment-options.ts'
import { JsoncSyntaxError, MAX_JSONC_DEPTH, parseJsonc } from '../../../node/cli/jsonc.ts'
import { runCli } from './run.ts'

function fileWith (text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'murmur-jsonc-')), 'run.jsonc')
  writeFileSync(file, text)
  return file
}

/** The config `--config FILE` gives, through the same code path as murmur sim / peer / cluster. */
function configOf (text: string): Record<string, unknown> {
  return configFromArgs(parseArgs({ name: 'sim', summary: '', options: SIM_OPTIONS }, ['--config', fileWith(text)]))
}

describe('--config FILE: what is accepted', () => {
  const cases: Array<{ id: string, text: string, expected: Record<string, unknown> }> = [
    { id: 'a trailing comma before }', text: '{"peers": 4,}', expected: { peers: 4 } },
    { id: 'a trailing comma after the last field on its own line, then a comment', text: '{\n  "peers": 4,\n  "lr": 0.1, // last\n}\n', expected: { peers: 4, lr: 0.1 } },
    { id: 'a trailing comma in an array and after it', text: '{"attackers": [1, 2,],\n}', expected: { attackers: [1, 2] } },
    { id: 'commas and braces inside strings untouched', text: '{"datasetDir": "a,}", "codec": "b, ]",}', expected: { datasetDir: 'a,}', codec: 'b, ]' } },
    { id: 'a leading UTF-8 BOM', text: '\uFEFF{"peers": 4}', expected: { peers: 4 } },
    { id: '// and /* inside a string value kept', text: '{"datasetDir": "http://x//y /* z */" // c\n}', expected: { datasetDir: 'http://x//y /* z */' } },
    { id: 'a run\'s config.json ({ experiment, ... })', text: '{"experiment": {"peers": 4}, "murmur": {"version": "1"}}', expected: { peers: 4 } }
  ]
  for (const { id, text, expected } of cases) {
    it(id, () => { assert.deepEqual(configOf(text), expected) })
  }
})

describe('--config FILE: what is refused, in one line naming the file, line and column', () => {
  const cases: Array<{ id: string, text: string, where: string, reason: RegExp }> = [
    { id: 'an empty file', text: '', where: 'line 1, column 1', reason: /empty/ },
    { id: 'a file of comments only', text: '// nothing\n  ', where: 'line 2, column 3', reason: /empty/ },
    { id: 'a top level that is an array', text: '// runs\n  [1, 2]', where: 'line 2, column 3', reason: /expected a JSON object of config fields, got an array/ },
    { id: 'a top level that is a number', text: '5', where: 'line 1, column 1', reason: /expected a JSON object of config fields, got a number/ },
    { id: 'a number too large for a double', text: '{\n  "lr": 1e400\n}', where: 'line 2, column 9', reason: /lr: 1e400 is out of range/ },
    { id: 'a negative number too large, nested in a run\'s config.json', text: '{"experiment": {"gamma": -2e308}}', where: 'line 1, column 26', reason: /experiment\.gamma: -2e308 is out of range/ },
    { id: 'a duplicate field', text: '{\n  "peers": 4,\n  "peers": 8\n}', where: 'line 3, column 3', reason: /field "peers" is set twice \(first at line 2, column 3\)/ },
    { id: 'an unterminated block comment', text: '{"peers": 4 /* open\n', where: 'line 1, column 13', reason: /unterminated \/\* comment/ },
    { id: 'an unterminated string', text: '{"codec": "topk:0.1\n}', where: 'line 1, column 11', reason: /unterminated string/ },
    { id: 'two commas in a row', text: '{"peers": 4,,}', where: 'line 1, column 13', reason: /expected a field name in double quotes, got ','/ },
    { id: 'a comma with nothing before it', text: '{,}', where: 'line 1, column 2', reason: /expected a field name in double quotes, got ','/ },
    { id: 'a missing comma', text: '{"peers": 4\n "lr": 1}', where: 'line 2, column 2', reason: /expected ',' or '}' after field "peers", got '"'/ },
    { id: 'a BOM does not shift columns', text: '\uFEFF{"peers": }', where: 'line 1, column 11', reason: /expected a value, got '}'/ }
  ]
  for (const { id, text, where, reason } of cases) {
    it(id, () => {
      assert.throws(() => configOf(text), (err: Error) => {
        assert.equal(err.name, 'CliError')
        assert.match(err.message, new RegExp(`^--config '[^']*run\\.jsonc' at ${where}: `))
        assert.match(err.message, reason)
        assert.doesNotMatch(err.message, /\n/)
        return true
      })
    })
  }

  it('murmur sim reports it as one line on stderr and exits 1', async () => {
    const { code, err } = await runCli(['sim', '--config', fileWith('{\n  "lr": 1e400,\n}'), '--quiet', '--out', mkdtempSync(join(tmpdir(), 'murmur-jsonc-'))])
    assert.equal(code, 1)
    assert.match(err, /^murmur sim: --config '[^']*run\.jsonc' at line 2, column 9: lr: 1e400 is out of range[^\n]*\n$/)
  })
})

describe('node/cli/jsonc parseJsonc', () => {
  it('reads any JSON text as JSON.parse does, compact or indented', () => {
    fc.assert(fc.property(fc.jsonValue(), fc.constantFrom(undefined, 2, '\t'), (v, indent) => {
      const text = JSON.stringify(v, null, indent)
      assert.deepStrictEqual(parseJsonc(text), JSON.parse(text))
    }), { seed: 42, numRuns: 300 })
  })

  it('a "__proto__" field is an own field, as with JSON.parse, and sets no prototype', () => {
    const v = parseJsonc('{"__proto__": {"polluted": 1}}') as Record<string, unknown>
    assert.deepEqual(Object.keys(v), ['__proto__'])
    assert.equal(Object.getPrototypeOf(v), Object.prototype)
    assert.equal((v as { polluted?: number }).polluted, undefined)
  })

  const refused: Array<{ id: string, text: string, line: number, column: number, reason: RegExp }> = [
    { id: 'an unquoted field name, shown as a word', text: '{peers: 4}', line: 1, column: 2, reason: /got 'peers'/ },
    { id: 'NaN', text: '{"lr": NaN}', line: 1, column: 8, reason: /expected a value, got 'NaN'/ },
    { id: 'a number out of range in an array', text: '{"w": [1,\n 1e999]}', line: 2, column: 2, reason: /^w\[1\]: 1e999 is out of range/ },
    { id: 'a top-level number out of range', text: '-1e309', line: 1, column: 1, reason: /^the value: -1e309 is out of range/ },
    { id: 'a duplicate field in a nested object', text: '{"a": {"b": 1,\r\n "b": 2}}', line: 2, column: 2, reason: /field "a\.b" is set twice \(first at line 1, column 8\)/ },
    { id: 'an invalid escape', text: '{"a": "\\q"}', line: 1, column: 8, reason: /invalid escape/ },
    { id: 'a raw tab in a string', text: '{"a": "x\ty"}', line: 1, column: 9, reason: /control character U\+0009/ },
    { id: 'text after the value', text: '{} {}', line: 1, column: 4, reason: /after the end of the JSON value/ },
    { id: 'a missing item', text: '[1,,]', line: 1, column: 4, reason: /expected a value, got ','/ },
    { id: 'a lone comma', text: '[,]', line: 1, column: 2, reason: /expected a value, got ','/ },
    { id: 'a file cut short', text: '{"a": [1', line: 1, column: 9, reason: /got the end of the file/ },
    { id: 'a non-breaking space', text: '{"a":\u00a01}', line: 1, column: 6, reason: /got U\+00A0/ },
    { id: 'nesting beyond the bound (not a stack overflow)', text: '['.repeat(MAX_JSONC_DEPTH + 1), line: 1, column: MAX_JSONC_DEPTH + 1, reason: /nested deeper than/ }
  ]
  for (const { id, text, line, column, reason } of refused) {
    it(`refuses ${id}`, () => {
      assert.throws(() => parseJsonc(text), (err: JsoncSyntaxError) => {
        assert.equal(err.name, 'JsoncSyntaxError')
        assert.deepEqual([err.line, err.column], [line, column])
        assert.match(err.reason, reason)
        return true
      })
    })
  }
})
