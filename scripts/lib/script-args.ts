/** Option checks shared by the research scripts (scripts/compare-compression.ts, scripts/byzantine.ts). */

/** `--rounds` (an integer ≥ 1) and `--seed` (a 32-bit unsigned integer) from their texts, or the error to print. */
export function roundsAndSeed (values: { rounds: string, seed: string }): { rounds: number, seed: number } | { error: string } {
  const rounds = Number(values.rounds)
  const seed = Number(values.seed)
  if (!Number.isInteger(rounds) || rounds < 1) return { error: `--rounds: expected an integer ≥ 1, got ${values.rounds}` }
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) return { error: `--seed: expected an integer in [0, 4294967295], got ${values.seed}` }
  return { rounds, seed }
}
