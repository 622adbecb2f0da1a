/**
 * Option kinds the benchmark scripts share, on top of scripts/lib/script-args.ts (which declares how a script's
 * options are parsed, checked and shown in --help): comma-separated lists of integers or of known names, and a tc
 * link rate. Each check returns what was expected, so a mistake is one UsageError naming the option.
 */
import { closest } from '../../node/cli/args.ts'
import type { OptionSpec } from '../../node/cli/args.ts'
import { splitList } from '../lib/script-args.ts'
import { LINK_RATE_ALLOWED, parseLinkRate } from '../lib/link-rate.ts'

/** The integers of a comma-separated list, or undefined when one item is not an integer in [min, max] or the list is empty. */
export function intList (text: string, min: number, max = Number.MAX_SAFE_INTEGER): number[] | undefined {
  const items = splitList(text)
  if (items.length === 0 || items.some((t) => !/^[-+]?\d+$/.test(t))) return undefined
  const values = items.map(Number)
  return values.every((v) => Number.isSafeInteger(v) && v >= min && v <= max) ? values : undefined
}

/** `--name 1,2,3`: one or more integers in [min, max]; read it back with intList. */
export function intListOption (name: string, init: { min: number, max?: number, placeholder?: string, default?: readonly number[], description: string }): OptionSpec {
  const allowed = `a comma-separated list of integers >= ${init.min}${init.max === undefined ? '' : ` and <= ${init.max}`}`
  return {
    name,
    type: 'string',
    placeholder: init.placeholder ?? 'N,N,...',
    allowed,
    default: init.default?.join(','),
    description: init.description,
    check: (v) => intList(String(v), init.min, init.max) === undefined ? `expected ${allowed}` : undefined
  }
}

/** What is wrong with a comma-separated list of `what`s that must each be one of `names` (undefined: nothing). */
export function namesProblem (text: string, names: readonly string[], what: string): string | undefined {
  const items = splitList(text)
  const expected = `expected a comma-separated list of ${what}s: ${names.join(', ')}`
  if (items.length === 0) return expected
  for (const item of items) {
    if (names.includes(item)) continue
    const hint = closest(item, names)
    return `unknown ${what} '${item}'${hint === undefined ? '' : ` (did you mean ${hint}?)`}; ${expected}`
  }
  return undefined
}

/** `--name a,b`: one or more of `names`, a misspelt one answered with the closest; read it back with splitList. */
export function namesOption (name: string, init: { what: string, names: readonly string[], placeholder?: string, default?: readonly string[], description: string }): OptionSpec {
  return {
    name,
    type: 'string',
    placeholder: init.placeholder ?? 'A,B,...',
    allowed: `a comma-separated list of ${init.what}s: ${init.names.join(', ')}`,
    default: init.default?.join(','),
    description: `${init.description}; each one of ${init.names.join(', ')}`,
    check: (v) => namesProblem(String(v), init.names, init.what)
  }
}

/** `--link-rate RATE`: a tc rate (1gbit, 100mbit, ...), checked before any namespace is made. */
export function linkRateOption (description: string): OptionSpec {
  return {
    name: 'link-rate',
    type: 'string',
    placeholder: 'RATE',
    allowed: LINK_RATE_ALLOWED,
    description,
    check: (v) => parseLinkRate(String(v)) === undefined ? `expected ${LINK_RATE_ALLOWED}` : undefined
  }
}

/**
 * For a benchmark's child process (it talks to its parent over IPC): started by hand, without that channel, `--help`
 * says what starts it (exit code 0) and anything else is refused the same way (exit code 2), before it does anything.
 */
export function exitUnlessForked (name: string, startedBy: string): void {
  if (process.send !== undefined) return
  const help = process.argv.slice(2).some((a) => a === '-h' || a === '--help')
  const text = `${name}: started by ${startedBy} over IPC, not by hand; see 'node scripts/bench/goodput.ts --help'`
  if (help) console.log(text)
  else console.error(text)
  process.exit(help ? 0 : 2)
}
