/**
 * A small, pure, typed command-line parser. Only the CLI reads argv (STYLE.md, Lodestar): each command
 * declares its options once, and the same declaration drives parsing, validation and `--help`.
 */

export type OptionValue = string | number | boolean
export type OptionType = 'string' | 'int' | 'number' | 'boolean'

export interface OptionSpec {
  /** long name, kebab-case, used as `--name` */
  name: string
  type: OptionType
  description: string
  /** the value used when the option is absent (shown in --help) */
  default?: OptionValue
  /** allowed values for a string option */
  choices?: readonly string[]
  /** inclusive bounds for numeric options */
  min?: number
  max?: number
  /** with `min`: refuse `min` itself too, the bounds are (min, max] (a step size must be > 0) */
  exclusiveMin?: boolean
  /** extra validation: return a description of what is allowed when `value` is not, else undefined */
  check?: (value: OptionValue) => string | undefined
  /** name of the value in --help, e.g. SPEC or N */
  placeholder?: string
  /** the allowed forms of a string checked by `check` (e.g. 'none, fp16, qsgd:S, ...'), for errors */
  allowed?: string
}

export interface CommandSpec {
  name: string
  summary: string
  /** longer text shown under the usage line */
  details?: string
  options: readonly OptionSpec[]
  examples?: readonly string[]
  /** whether positional arguments are accepted (described in details) */
  positionals?: { name: string, min: number, max: number }
  /** how the command is run, in its usage line and errors; default `murmur <name>` (a script: `node scripts/X.ts`) */
  invocation?: string
}

/** how `command` is run: `murmur <name>` unless it says otherwise */
export function invocationOf (command: CommandSpec): string {
  return command.invocation ?? `murmur ${command.name}`
}

export interface ParsedArgs {
  values: Record<string, OptionValue | undefined>
  positionals: string[]
  help: boolean
}

/**
 * A command-line mistake: names the option (`option`) and what it allows (`allowed`, also in the message).
 * Exit code 2.
 */
export class UsageError extends Error {
  static override name = 'UsageError'
  readonly option: string | undefined
  readonly allowed: string | undefined
  constructor (message: string, option?: string, allowed?: string) {
    super(message)
    this.name = 'UsageError'
    this.option = option
    this.allowed = allowed
  }
}

/** What an option accepts, in words: its choices, its allowed forms, or its type and bounds. */
export function allowedText (spec: OptionSpec): string {
  if (spec.choices != null) return `one of ${spec.choices.join(', ')}`
  if (spec.allowed != null) return spec.allowed
  const kind = spec.type === 'int' ? 'an integer' : spec.type === 'number' ? 'a number' : spec.type === 'boolean' ? 'true or false' : 'a string'
  const open = spec.exclusiveMin === true
  const bounds = spec.min != null && spec.max != null
    ? ` in ${open ? '(' : '['}${spec.min}, ${spec.max}]`
    : spec.min != null ? ` ${open ? '>' : '>='} ${spec.min}` : spec.max != null ? ` <= ${spec.max}` : ''
  return kind + bounds
}

/** What a missing value should have been: the allowed values, or for a free string its placeholder and meaning. */
function valueText (spec: OptionSpec): string {
  if (spec.type !== 'string' || spec.choices != null || spec.allowed != null) return allowedText(spec)
  return `${spec.placeholder ?? 'a string'} (${spec.description})`
}

function convert (spec: OptionSpec, raw: string): OptionValue {
  const bad = (): never => { throw new UsageError(`invalid value for --${spec.name}: '${raw}'; expected ${allowedText(spec)}`, spec.name, allowedText(spec)) }
  let value: OptionValue
  switch (spec.type) {
    case 'boolean':
      if (raw === 'true' || raw === '1' || raw === 'yes') value = true
      else if (raw === 'false' || raw === '0' || raw === 'no') value = false
      else return bad()
      break
    case 'int':
      if (!/^[-+]?\d+$/.test(raw.trim())) return bad()
      value = Number(raw)
      if (!Number.isSafeInteger(value)) return bad()
      break
    case 'number':
      if (raw.trim() === '') return bad()
      value = Number(raw)
      if (!Number.isFinite(value)) return bad()
      break
    default:
      value = raw
  }
  if (typeof value === 'number') {
    const belowMin = spec.min != null && (value < spec.min || (spec.exclusiveMin === true && value === spec.min))
    if (belowMin || (spec.max != null && value > spec.max)) return bad()
  }
  if (spec.choices != null && !spec.choices.includes(String(value))) return bad()
  if (spec.check != null) {
    const problem = spec.check(value)
    if (problem != null) throw new UsageError(`invalid value for --${spec.name}: '${raw}'; ${problem}`, spec.name, spec.allowed ?? problem)
  }
  return value
}

/** Levenshtein distance, for "did you mean" hints. */
function distance (a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]
    row[0] = i
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1))
      prev = tmp
    }
  }
  return row[b.length]
}

export function closest (word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined
  let bestD = Infinity
  for (const c of candidates) {
    const d = distance(word, c)
    if (d < bestD) { bestD = d; best = c }
  }
  // never a word that shares no letter's place with it ('x' is not a typo of 'lr')
  return bestD <= Math.max(2, Math.floor(word.length / 3)) && bestD < word.length ? best : undefined
}

/**
 * Parse argv (without the command name) against a command's options. Accepts `--name value`,
 * `--name=value`, `--flag`, `--no-flag`, `-h`/`--help`. Every option absent from argv takes its default.
 */
export function parseArgs (command: CommandSpec, argv: readonly string[]): ParsedArgs {
  const byName = new Map(command.options.map((o) => [o.name, o]))
  const values: Record<string, OptionValue | undefined> = {}
  const positionals: string[] = []
  let help = false
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    if (arg === '-h' || arg === '--help') { help = true; continue }
    if (arg === '--') { positionals.push(...argv.slice(i + 1)); break }
    if (!arg.startsWith('--')) {
      if (arg.startsWith('-') && arg.length > 1 && !/^-\d/.test(arg)) {
        throw new UsageError(`unknown option '${arg}' for '${invocationOf(command)}'; options are long (--name); see '${invocationOf(command)} --help'`, arg)
      }
      positionals.push(arg)
      continue
    }
    const eq = arg.indexOf('=')
    let name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2)
    let inline: string | undefined = eq >= 0 ? arg.slice(eq + 1) : undefined
    let spec = byName.get(name)
    if (spec == null && name.startsWith('no-') && byName.get(name.slice(3))?.type === 'boolean' && inline === undefined) {
      name = name.slice(3)
      spec = byName.get(name)
      inline = 'false'
    }
    if (spec == null) {
      const hint = closest(name, [...byName.keys()])
      throw new UsageError(`unknown option --${name} for '${invocationOf(command)}'${hint != null ? `; did you mean --${hint}?` : ''} (see '${invocationOf(command)} --help')`, name)
    }
    if (values[spec.name] !== undefined) throw new UsageError(`option --${spec.name} given twice`, spec.name)
    let raw = inline
    if (raw === undefined) {
      if (spec.type === 'boolean') {
        const nextArg = argv[i + 1]
        if (nextArg === 'true' || nextArg === 'false') { raw = nextArg; i++ } else raw = 'true'
      } else {
        if (i + 1 >= argv.length || (argv[i + 1].startsWith('--') && argv[i + 1].length > 2)) {
          throw new UsageError(`option --${spec.name} needs a value: ${valueText(spec)}`, spec.name, allowedText(spec))
        }
        raw = argv[++i]
      }
    }
    values[spec.name] = convert(spec, raw)
  }
  for (const spec of command.options) {
    if (values[spec.name] === undefined && spec.default !== undefined) values[spec.name] = spec.default
  }
  if (!help && command.positionals != null) {
    const { name, min, max } = command.positionals
    if (positionals.length < min) throw new UsageError(`'${invocationOf(command)}' needs ${min === max ? min : `at least ${min}`} ${name} argument(s)`, name)
    if (positionals.length > max) throw new UsageError(`'${invocationOf(command)}' takes at most ${max} ${name} argument(s), got ${positionals.length}: ${positionals.join(' ')}`, name)
  } else if (!help && positionals.length > 0) {
    throw new UsageError(`'${invocationOf(command)}' takes no positional arguments, got '${positionals[0]}'`)
  }
  return { values, positionals, help }
}

/** The --help text of a command: usage, details, every option with its type, choices and default. */
export function formatHelp (command: CommandSpec): string {
  const lines: string[] = []
  const pos = command.positionals != null ? ` ${command.positionals.name}` : ''
  lines.push(`Usage: ${invocationOf(command)} [options]${pos}`, '', command.summary)
  if (command.details != null) lines.push('', command.details)
  lines.push('', 'Options:')
  const heads = command.options.map((o) => `  --${o.name}${o.type === 'boolean' ? '' : ` ${o.placeholder ?? (o.type === 'string' ? 'VALUE' : o.type === 'int' ? 'N' : 'X')}`}`)
  // '  -h, --help' is a head too: short option names must not glue it to its text
  const width = Math.min(34, Math.max(...heads.map((h) => h.length), '  -h, --help'.length) + 2)
  command.options.forEach((o, i) => {
    const extra: string[] = []
    if (o.choices != null) extra.push(`one of: ${o.choices.join(', ')}`)
    else if (o.min != null || o.max != null) extra.push(allowedText(o))
    if (o.default !== undefined) extra.push(`default: ${String(o.default)}`)
    const text = o.description + (extra.length > 0 ? ` (${extra.join('; ')})` : '')
    const head = heads[i]
    lines.push(head.length + 1 < width ? head.padEnd(width) + text : head + '\n' + ' '.repeat(width) + text)
  })
  lines.push('  -h, --help'.padEnd(width) + 'show this help')
  if (command.examples != null && command.examples.length > 0) {
    lines.push('', 'Examples:', ...command.examples.map((e) => `  ${e}`))
  }
  return lines.join('\n')
}

/** Typed accessors so commands do not cast. Each throws if the option has no value and no default. */
export function getString (args: ParsedArgs, name: string): string {
  const v = args.values[name]
  if (typeof v !== 'string') throw new UsageError(`option --${name} is required`, name)
  return v
}
export function getOptionalString (args: ParsedArgs, name: string): string | undefined {
  const v = args.values[name]
  return typeof v === 'string' ? v : undefined
}
export function getNumber (args: ParsedArgs, name: string): number {
  const v = args.values[name]
  if (typeof v !== 'number') throw new UsageError(`option --${name} is required`, name)
  return v
}
export function getOptionalNumber (args: ParsedArgs, name: string): number | undefined {
  const v = args.values[name]
  return typeof v === 'number' ? v : undefined
}
export function getBoolean (args: ParsedArgs, name: string): boolean {
  return args.values[name] === true
}
