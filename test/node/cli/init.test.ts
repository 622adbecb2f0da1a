import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { resolveExperiment } from '../../../lib/experiment/index.ts'
import { parseArgs } from '../../../node/cli/args.ts'
import { configFromArgs, SIM_OPTIONS } from '../../../node/cli/experiment-options.ts'
import { stripJsonComments } from '../../../node/cli/jsonc.ts'
import { PRESETS } from '../../../node/cli/presets.ts'
import { runCli } from './run.ts'

function tmp (): string {
  return mkdtempSync(join(tmpdir(), 'murmur-init-'))
}

/** The config `--config FILE` gives, through the same code path as murmur sim / peer / cluster. */
function configOf (file: string): Record<string, unknown> {
  return configFromArgs(parseArgs({ name: 'sim', summary: '', options: SIM_OPTIONS }, ['--config', file]))
}

describe('murmur init', function () {
  this.timeout(20_000)

  it('output paths: a folder, a path through a file, and a missing folder (created) are handled before writing, in words', async () => {
    const dir = tmp()
    const folder = await runCli(['init', '--out', dir, '--force'])
    assert.equal(folder.code, 1)
    assert.match(folder.err, new RegExp(`--out '${dir}' is a folder; give a file path, e.g. ${join(dir, 'run.jsonc')}`))
    writeFileSync(join(dir, 'afile'), '')
    const through = await runCli(['init', '--out', join(dir, 'afile', 'x.jsonc')])
    assert.equal(through.code, 1)
    assert.match(through.err, /--out: '[^']*afile' is a file, not a folder, so '[^']*x\.jsonc' cannot be created/)
    const nested = join(dir, 'configs', 'a', 'run.jsonc')
    assert.equal((await runCli(['init', '--out', nested])).code, 0)
    assert.match(readFileSync(nested, 'utf8'), /"peers"/)
    const key = await runCli(['swarm-key', '--out', dir, '--force'])
    assert.equal(key.code, 1)
    assert.match(key.err, /is a folder; give a file path, e\.g\. .*swarm\.key/)
    const sim = await runCli(['sim', '--algo', 'gossip', '--dim', '4', '--rounds', '1', '--quiet', '--out', join(dir, 'afile', 'run')])
    assert.equal(sim.code, 1)
    assert.match(sim.err, /--out: '[^']*afile' is a file, not a folder/)
  })

  it('a field\'s comment lists its allowed values unless its description already names them all (its default is not a list)', async () => {
    const file = join(tmp(), 'run.jsonc')
    assert.equal((await runCli(['init', '--out', file])).code, 0)
    const text = readFileSync(file, 'utf8')
    assert.match(text, /\/\/ --weights: .*allowed: one of metropolis, max-degree, lazy-metropolis, lazy-max-degree/)
    assert.match(text, /\/\/ --dataset: .*allowed: one of mnist, fashion-mnist/)
    assert.match(text, /\/\/ --backend: .*allowed: one of auto, tensorflow, wasm, cpu/)
    assert.doesNotMatch(text, /\/\/ --codec: .*allowed:/, 'the codec description lists its forms')
  })

  it('every preset: --config of the written file resolves to exactly the preset, and every field is commented', async () => {
    const dir = tmp()
    for (const preset of PRESETS) {
      const file = join(dir, `${preset.name}.jsonc`)
      const { code } = await runCli(['init', '--preset', preset.name, '--out', file])
      assert.equal(code, 0)
      assert.deepEqual(resolveExperiment(configOf(file)), resolveExperiment(preset.config), preset.name)
      const lines = readFileSync(file, 'utf8').split('\n')
      lines.forEach((line, i) => {
        if (/^\s+"/.test(line)) assert.match(lines[i - 1], /^\s+\/\/ --?\S/, `${preset.name}: '${line.trim()}' has its option's comment above`)
      })
    }
  })

  it('the written gossip preset runs under murmur sim --config, flags override its fields', async () => {
    const dir = tmp()
    const file = join(dir, 'g.jsonc')
    assert.equal((await runCli(['init', '--preset', 'gossip-spectral', '--out', file])).code, 0)
    const out = join(dir, 'run')
    assert.equal((await runCli(['sim', '--config', file, '--peers', '16', '--rounds', '3', '--quiet', '--out', out])).code, 0)
    const written = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')).experiment
    assert.equal(written.algo, 'gossip')
    assert.equal(written.topology, 'torus')
    assert.equal(written.peers, 16)
    assert.equal(written.rounds, 3)
  })

  it('refuses to overwrite without --force, and an unknown preset names the presets', async () => {
    const file = join(tmp(), 'run.jsonc')
    writeFileSync(file, 'mine')
    assert.equal((await runCli(['init', '--out', file])).code, 1)
    assert.equal(readFileSync(file, 'utf8'), 'mine')
    assert.equal((await runCli(['init', '--out', file, '--force'])).code, 0)
    const bad = await runCli(['init', '--preset', 'cifar'])
    assert.equal(bad.code, 2)
    for (const p of PRESETS) assert.ok(bad.err.includes(p.name))
  })
})

describe('node/cli/jsonc', () => {
  it('blanks comments outside strings and leaves strings (with // and escaped quotes) alone', () => {
    const text = '{ // a\n  "url": "file://x//y", /* b\n c */ "q": "say \\"//\\" /* not */", "n": 1 // end\n}'
    const parsed = JSON.parse(stripJsonComments(text))
    assert.deepEqual(parsed, { url: 'file://x//y', q: 'say "//" /* not */', n: 1 })
    assert.equal(stripJsonComments(text).length, text.length, 'positions kept for JSON.parse errors')
    assert.equal(stripJsonComments('{"a": 1}'), '{"a": 1}')
  })

  it('an unterminated block comment is refused where it opens (not at the end of the file)', () => {
    assert.throws(() => stripJsonComments('{"a": 1\n /* open\n'), { name: 'JsoncSyntaxError', line: 2, column: 2 })
  })
})
