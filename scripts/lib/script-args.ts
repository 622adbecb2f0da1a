import { resolve } from 'node:path'
import { allowedText, formatHelp, getOptionalString, parseArgs, UsageError } from '../../node/cli/args.ts'
import type { CommandSpec, OptionSpec, OptionValue, ParsedArgs } from '../../node/cli/args.ts'
import { describeFailure } from '../../node/cli/command.ts'
import { SIM_OPTIONS } from '../../node/cli/experiment-options.ts'

/**
 * The command line of the research scripts (scripts/spectral-gap.ts, compare-compression.ts, byzantine.ts,
 * netns-cluster.ts), declared the way the murmur commands declare theirs (node/cli/args.ts): one list of options
 * drives the parsing, the checks (each mistake a UsageError naming the option and what it allows) and `--help`.
 * What differs is how a script is run: `node scripts/X.ts`, not `murmur X`, in its usage line and its errors.
 */
export interface ScriptSpec extends CommandSpec {
  /** how the script is run, e.g. `node scripts/byzantine.ts` */
  run: string
  /** the npm script of package.json that runs it, if any */
  npm?: string
  /** what each exit code means, shown at the end of --help */
  exitCodes: string
}

/** The most rounds a run takes (lib/experiment's bound on `rounds`). */
export const MAX_ROUNDS = 10_000_000

/** The option of `murmur sim` that sets this config field's value (its allowed forms and check), for a script's option of the same meaning. */
export function simOption (name: string): OptionSpec {
  const spec = SIM_OPTIONS.find((o) => o.name === name)
  if (spec === undefined) throw new Error(`murmur sim has no option --${name}`)
  return spec
}

/** The allowed forms of a `murmur sim` option, as its --help and errors word them. */
export function allowedOf (name: string): string {
  return allowedText(simOption(name))
}

/** `--rounds N`: an integer in [1, MAX_ROUNDS]. */
export function roundsOption (defaultRounds: number, description: string): OptionSpec {
  return { name: 'rounds', type: 'int', min: 1, max: MAX_ROUNDS, default: defaultRounds, description }
}

/** `--seed N`: a 32-bit unsigned integer, 1 by default. */
export function seedOption (description: string): OptionSpec {
  return { name: 'seed', type: 'int', min: 0, max: 0xffffffff, default: 1, description }
}

/** `--out DIR`, with its default folder when it has one (else say it in `description`). */
export function outOption (description: string, defaultOut?: string): OptionSpec {
  return { name: 'out', type: 'string', placeholder: 'DIR', default: defaultOut, description }
}

/**
 * A comma-separated list, each item checked by `check` (which throws on a bad one, saying what it expected):
 * `--attacks signflip,nan`. An empty list is refused.
 */
export function listOption (name: string, init: { placeholder: string, allowed: string, default: readonly string[], description: string, check: (item: string) => void }): OptionSpec {
  return {
    name,
    type: 'string',
    placeholder: init.placeholder,
    allowed: `a comma-separated list of ${init.allowed}`,
    default: init.default.join(','),
    description: `${init.description}; each one of ${init.allowed}`,
    check: (v) => {
      const items = splitList(String(v))
      if (items.length === 0) return `expected a comma-separated list of ${init.allowed}`
      for (const item of items) {
        try { init.check(item) } catch (err) { return (err as Error).message }
      }
      return undefined
    }
  }
}

/** The items of a list option's value. */
export function splitList (value: string): string[] {
  return value.split(',').map((s) => s.trim()).filter((s) => s !== '')
}

/**
 * Parses a script's argv (without `node` and the script) against its options: every absent option takes its
 * default, and `help` is set for `-h` / `--help`. Throws a UsageError naming the option at fault, and the script as
 * it is run (`node scripts/X.ts`).
 */
export function parseScriptArgs (spec: ScriptSpec, argv: readonly string[]): ParsedArgs {
  return parseArgs({ ...spec, invocation: spec.run }, argv)
}

/** The `--help` of a script: how to run it, what it does, every option with its default and allowed values, examples, exit codes. */
export function scriptHelp (spec: ScriptSpec): string {
  const lines = formatHelp({ ...spec, invocation: spec.run }).split('\n')
  if (spec.npm !== undefined) lines.splice(1, 0, `       npm run ${spec.npm} -- [options]`)
  return `${lines.join('\n')}\n\nExit codes: ${spec.exitCodes}`
}

/** What a script prints for a usage error (exit code 2): `name: message`, and where the options are listed. */
export function usageErrorText (spec: ScriptSpec, err: UsageError): string {
  const help = `'${spec.run} --help'`
  return `${spec.name}: ${err.message}${err.message.includes(help) ? '' : `\nsee ${help} for every option, its default and allowed values`}`
}

/**
 * Runs a script's `main` on its command line: `--help` prints the help (exit code 0) and a usage error its message
 * (exit code 2), before `main` starts. `parse` turns argv into the script's options, throwing a UsageError.
 */
export async function runScript<T extends object> (spec: ScriptSpec, argv: readonly string[], parse: (argv: readonly string[]) => T | { help: true },
  main: (cli: T) => Promise<number | undefined>): Promise<void> {
  let cli
  try {
    cli = parse(argv)
  } catch (err) {
    if (!(err instanceof UsageError)) throw err
    console.error(usageErrorText(spec, err))
    process.exitCode = 2
    return
  }
  if ('help' in cli) { console.log(scriptHelp(spec)); return }
  let code
  try {
    code = await main(cli)
  } catch (err) {
    // what murmur's commands print as one line (a named error, a file system error), the scripts print the same way;
    // anything else is a bug and keeps its stack
    const line = describeFailure(err)
    if (line === undefined) throw err
    console.error(`${spec.name}: ${line}`)
    code = 1
  }
  if (code !== undefined) process.exitCode = code
}

/** A value as a folder-name part: `alie:20,nan` → `alie_20+nan`. */
function folderPart (value: string): string {
  return value.replace(/,/g, '+').replace(/[^A-Za-z0-9.+-]+/g, '_')
}

/**
 * Where a research script writes (spectral-gap, compare-compression, byzantine):
 * `--out` when given; else `docs/results/<results>`, the README's committed figures, when every option of `affecting`
 * is at its default (given or not), so that the README's reproduce commands rewrite them; else
 * `runs/<results>-<each changed option and its value>` (`runs/compression-rounds-40`), so that a short or variant
 * run never overwrites them. The options of `affecting` are named in the order of the script's declaration.
 */
export function resultsDir (spec: ScriptSpec, args: ParsedArgs, results: string, affecting: readonly string[]): string {
  const out = getOptionalString(args, 'out')
  if (out !== undefined) return out
  const changed: string[] = []
  for (const option of spec.options) {
    if (!affecting.includes(option.name)) continue
    const raw: OptionValue | undefined = args.values[option.name]
    // a list option's value as its items: `--attacks 'nan, ipm:2'` is `nan,ipm:2`
    const value = typeof raw === 'string' ? raw.split(',').map((v) => v.trim()).join(',') : raw
    if (value === option.default) continue
    if (typeof value === 'boolean') changed.push(value ? option.name : `no-${option.name}`)
    else changed.push(`${option.name}-${folderPart(String(value))}`)
  }
  return changed.length === 0 ? `docs/results/${results}` : `runs/${[results, ...changed].join('-')}`
}

/** What a research script prints before it runs: where it will write, and whether that is the README's figures. */
export function outLine (out: string, results: string): string {
  const committed = resolve(`docs/results/${results}`)
  return resolve(out) === committed
    ? `output: ${committed} (the README's figures)`
    : `output: ${resolve(out)} (the README's figures in docs/results/${results} are left as they are)`
}
