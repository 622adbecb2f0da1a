import { existsSync, writeFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { allowedText, getBoolean, getString } from '../args.ts'
import type { OptionSpec } from '../args.ts'
import type { Command } from '../command.ts'
import { CliError, checkOutFile, fsReason } from '../command.ts'
import { CONFIG_FIELDS, SIM_OPTIONS } from '../experiment-options.ts'
import { PRESET_NAMES, PRESETS } from '../presets.ts'
import { makeFolder } from '../../fs/make-folder.ts'
import type { Preset } from '../presets.ts'

/** Fields of a network run only: `murmur sim` refuses them, so a config meant for every command leaves them out. */
const NETWORK_ONLY = new Set(['runId', 'roundDeadlineMs'])

function fieldDocs (): Map<string, OptionSpec> {
  const byFlag = new Map(SIM_OPTIONS.map((o) => [o.name, o]))
  const docs = new Map<string, OptionSpec>()
  for (const [flag, field] of Object.entries(CONFIG_FIELDS)) {
    const spec = byFlag.get(flag)
    if (spec !== undefined) docs.set(field, spec)
  }
  return docs
}

function comment (spec: OptionSpec | undefined, field: string): string {
  if (spec === undefined) return `  // ${field} (no command-line flag)`
  const allowed = spec.type === 'boolean' ? 'true or false' : allowedText(spec)
  // a description that already lists the forms (topology, codec) needs no second list; its "(default: X)" lists nothing
  const text = spec.description.replace(/\(default: [^)]*\)/g, '')
  const forms = spec.choices ?? (spec.allowed !== undefined ? [spec.allowed.replace(/^one of /, '').split(/[ ,]/)[0]] : [])
  const listed = forms.length > 0 && forms.every((f) => text.includes(f))
  return `  // --${spec.name}: ${spec.description}${listed ? '' : `; allowed: ${allowed}`}`
}

/**
 * The text of a commented run config (JSON with comments, read by --config): every field with the option's
 * description and allowed values, the preset's values resolved against the defaults, unset optional fields
 * shown as comments.
 */
export function presetText (preset: Preset, resolved: Record<string, unknown>): string {
  const docs = fieldDocs()
  const fields = [...new Set([...Object.values(CONFIG_FIELDS), ...Object.keys(resolved)])].filter((f) => !NETWORK_ONLY.has(f))
  const blocks: Array<{ lines: string[], value?: string }> = []
  for (const field of fields) {
    const lines = [comment(docs.get(field), field)]
    const v = resolved[field]
    if (v === undefined) {
      lines.push(`  // "${field}" is unset: the default applies`)
      blocks.push({ lines })
    } else {
      blocks.push({ lines, value: `  ${JSON.stringify(field)}: ${JSON.stringify(v)}` })
    }
  }
  const lastValue = blocks.reduce((last, b, i) => b.value !== undefined ? i : last, -1)
  const body = blocks.flatMap((b, i) => [...b.lines, ...(b.value !== undefined ? [b.value + (i < lastValue ? ',' : '')] : [])])
  return [
    `// murmur run config, preset '${preset.name}': ${preset.summary}.`,
    `// Run it: ${preset.run}`,
    '// Every command that takes --config reads this file (JSON with // comments); a flag given beside --config',
    '// overrides its field, e.g. --rounds 100. murmur peer and murmur cluster add --run-id and --round-deadline.',
    '{',
    ...body,
    '}',
    ''
  ].join('\n')
}

export const initCommand: Command = {
  name: 'init',
  summary: 'write a commented run config (a preset) for --config: every field with its meaning and allowed values',
  details: `Presets:\n${PRESETS.map((p) => `  ${p.name.padEnd(18)}${p.summary}`).join('\n')}\n` +
    'The file is JSON with // comments; murmur sim, peer and cluster read it with --config FILE, and ' +
    'murmur sim --config FILE runs exactly the preset.',
  options: [
    { name: 'preset', type: 'string', choices: PRESET_NAMES, default: 'mnist-ring', description: 'which experiment to start from' },
    { name: 'out', type: 'string', placeholder: 'FILE', default: 'run.jsonc', description: 'where to write the config' },
    { name: 'force', type: 'boolean', description: 'overwrite FILE when it exists' }
  ],
  examples: [
    'murmur init && murmur sim --config run.jsonc --out runs/mnist-ring',
    'murmur init --preset mnist-choco-topk --out choco.jsonc',
    'murmur init --preset gossip-spectral --out g.jsonc && murmur sim --config g.jsonc --peers 16 --out runs/g16'
  ],
  async run (args, io) {
    const { resolveExperiment } = await import('../../../lib/experiment/index.ts')
    const name = getString(args, 'preset')
    const preset = PRESETS.find((p) => p.name === name) as Preset
    const out = resolve(getString(args, 'out'))
    checkOutFile(out, '--out', 'run.jsonc')
    if (existsSync(out) && !getBoolean(args, 'force')) throw new CliError(`'${out}' exists; pass --force to overwrite it, or --out another file`)
    const resolved = resolveExperiment(preset.config) as unknown as Record<string, unknown>
    try {
      makeFolder(dirname(out))
      writeFileSync(out, presetText(preset, resolved))
    } catch (err: any) {
      throw new CliError(`cannot write '${out}': ${fsReason(err)}`)
    }
    io.out(`${out}: preset '${preset.name}'. Run it: ${preset.run.replace('FILE', out)}`)
    return 0
  }
}
