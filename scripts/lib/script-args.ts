import { parseArgs } from 'node:util'

/** Option checks shared by the research scripts (scripts/compare-compression.ts, scripts/byzantine.ts). */

/** `--rounds` (an integer ≥ 1) and `--seed` (a 32-bit unsigned integer) from their texts, or the error to print. */
export function roundsAndSeed (values: { rounds: string, seed: string }): { rounds: number, seed: number } | { error: string } {
  const rounds = Number(values.rounds)
  const seed = Number(values.seed)
  if (!Number.isInteger(rounds) || rounds < 1) return { error: `--rounds: expected an integer ≥ 1, got ${values.rounds}` }
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) return { error: `--seed: expected an integer in [0, 4294967295], got ${values.seed}` }
  return { rounds, seed }
}

/**
 * A research script's command line: `--help`, `--rounds` (default `rounds`), `--seed` (default 1), `--out` (default
 * `out`) and the string options named in `extra`; the checked rounds and seed with every value, `help`, or the error
 * to print with the usage.
 */
export function parseScriptArgs (argv: string[], defaults: { rounds: number, out: string }, extra: readonly string[] = []):
{ rounds: number, seed: number, values: Record<string, string | undefined> & { out: string } } | { help: true } | { error: string } {
  let values
  try {
    values = parseArgs({
      args: argv,
      options: {
        help: { type: 'boolean', short: 'h' },
        rounds: { type: 'string', default: String(defaults.rounds) },
        seed: { type: 'string', default: '1' },
        out: { type: 'string', default: defaults.out },
        ...Object.fromEntries(extra.map((name) => [name, { type: 'string' as const }]))
      }
    }).values as Record<string, string | boolean | undefined>
  } catch (err) {
    return { error: (err as Error).message }
  }
  if (values.help === true) return { help: true }
  const text = values as Record<string, string | undefined> & { rounds: string, seed: string, out: string }
  const checked = roundsAndSeed(text)
  if ('error' in checked) return checked
  return { ...checked, values: text }
}
