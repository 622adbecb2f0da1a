/**
 * Byzantine peers on the main job: 16 simulated peers train the MNIST MLP with D-PSGD while 2 of them (a
 * seeded choice) send crafted vectors; each attack is run with the plain mean, ClippedGossip with the
 * adaptive radius (clip:auto) and the coordinate-wise trimmed mean, plus attack-free runs of all three.
 * Accuracy is the honest peers' (their averaged model, and each honest peer's own model). Prints a table
 * with the drop in points and the ratio against the attack-free mean run of the same invocation, and
 * writes results.csv, table.md and results.json to --out.
 *
 * Topology: the exponential graph (i ~ i ± 2^k: 7 neighbours a peer for n = 16, Metropolis weights 1/8).
 * ClippedGossip's guarantee needs each honest peer's Byzantine weight δ_i small and the honest subgraph
 * well connected (He et al. 2022, Thm. 3: the error scales with δ_max/γ², γ the honest spectral gap); the
 * paper's experiments use dense graphs for this reason. Here a peer next to both attackers still keeps 5
 * honest neighbours (δ_i = 2/8), the graph without any 2 peers stays connected, and clip:auto's default
 * (clip the farthest quarter of the neighbour weight, i.e. 2 of 7) covers δ_i. On a ring or a 4×4 torus a
 * peer can have as many Byzantine as honest neighbours, where no local rule can tell them apart.
 *
 *   node scripts/byzantine.ts [--rounds 60] [--seed 1] [--out docs/results/byzantine] [--attacks signflip,...]
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { resolveExperiment, runExperiment, RunDivergedError } from '../lib/experiment/index.ts'
import type { ExperimentConfig } from '../lib/experiment/index.ts'
import { parseScriptArgs } from './lib/script-args.ts'

/** ALIE needs z well above Baruch et al.'s formula (z ≈ 0 for 2 of 16) to hurt model averaging at all; IPM likewise ε > 1. */
export const ATTACKS = ['signflip', 'gaussian:10', 'alie:20', 'ipm:2', 'nan'] as const
export const AGGREGATES = ['mean', 'clip:auto', 'trimmed:2'] as const

export const BASE: Partial<ExperimentConfig> = {
  peers: 16,
  topology: 'exponential',
  algo: 'dpsgd',
  model: 'mlp',
  dataset: 'mnist',
  partition: 'iid',
  evalEvery: 0,
  evalLimit: 0,
  peerEvalLimit: 2000
}

export interface ByzantineRow {
  attack: string
  aggregate: string
  /** honest peers' averaged model on the test set; null when the run diverged */
  accuracy: number | null
  /** honest peers' own models: mean and worst */
  peerAccuracyMean: number | null
  peerAccuracyMin: number | null
  /** accuracy points below the attack-free mean run (positive = worse) */
  dropPoints: number | null
  /** accuracy / attack-free mean accuracy */
  ratio: number | null
  rejected: number
  seconds: number
  diverged: boolean
}

export interface ByzantineResult {
  rounds: number
  seed: number
  attackers: number[]
  rows: ByzantineRow[]
}

export interface ByzantineOptions {
  rounds?: number
  seed?: number
  attacks?: readonly string[]
  aggregates?: readonly string[]
  attackers?: number
  log?: (line: string) => void
}

export async function runByzantineBenchmark (opts: ByzantineOptions = {}): Promise<ByzantineResult> {
  const rounds = opts.rounds ?? 60
  const seed = opts.seed ?? 1
  const log = opts.log ?? ((s: string) => { console.error(s) })
  const aggregates = opts.aggregates ?? AGGREGATES
  const conditions: Array<string | undefined> = [undefined, ...(opts.attacks ?? ATTACKS)]
  const rows: ByzantineRow[] = []
  let attackers: number[] = []
  const total = conditions.length * aggregates.length
  for (const attack of conditions) {
    for (const aggregate of aggregates) {
      const config: Partial<ExperimentConfig> = { ...BASE, rounds, seed, aggregate, ...(attack !== undefined ? { attack, attackers: opts.attackers ?? 2 } as unknown as Partial<ExperimentConfig> : {}) }
      const t0 = performance.now()
      let rejected = 0
      let diverged = false
      let summary: Awaited<ReturnType<typeof runExperiment>> | undefined
      try {
        summary = await runExperiment(config, {
          onStart: (info) => { if (info.config.attackers !== undefined) attackers = info.config.attackers },
          onRound: (rec) => { for (const v of Object.values(rec.rejected)) rejected += v }
        })
      } catch (err) {
        // an honest peer's own model became NaN or infinite: the attack made plain averaging diverge
        if (!(err instanceof RunDivergedError)) throw err
        diverged = true
      }
      const row: ByzantineRow = {
        attack: attack ?? 'none',
        aggregate,
        accuracy: summary?.accuracy ?? null,
        peerAccuracyMean: summary?.peerAccuracyMean ?? null,
        peerAccuracyMin: summary?.peerAccuracyMin ?? null,
        dropPoints: null,
        ratio: null,
        rejected,
        seconds: (performance.now() - t0) / 1000,
        diverged
      }
      rows.push(row)
      log(`[${rows.length}/${total}] attack ${row.attack.padEnd(10)} aggregate ${aggregate.padEnd(9)} accuracy ${pct(row.accuracy)}  ` +
        `honest peers mean ${pct(row.peerAccuracyMean)} worst ${pct(row.peerAccuracyMin)}  ${row.seconds.toFixed(0)} s`)
    }
  }
  const baseline = rows.find((r) => r.attack === 'none' && r.aggregate === 'mean')?.accuracy ?? null
  for (const r of rows) {
    if (baseline === null) continue
    // a diverged run counts as chance level (10 classes) for the drop; its ratio is 0
    const acc = r.accuracy ?? (r.diverged ? 0.1 : null)
    if (acc === null) continue
    r.dropPoints = 100 * (baseline - acc)
    r.ratio = r.diverged ? 0 : acc / baseline
  }
  return { rounds, seed, attackers, rows }
}

function pct (x: number | null): string {
  return x === null ? 'diverged' : `${(100 * x).toFixed(2)} %`
}

export function formatTable (result: ByzantineResult): string {
  const lines = [
    '| attack | aggregate | honest averaged model | vs attack-free mean | ratio | honest peers mean / worst | rejected messages |',
    '|---|---|---|---|---|---|---|'
  ]
  for (const r of result.rows) {
    const drop = r.dropPoints === null ? 'n/a' : `${r.dropPoints >= 0 ? '−' : '+'}${Math.abs(r.dropPoints).toFixed(2)} points`
    lines.push(`| ${r.attack} | ${r.aggregate} | ${pct(r.accuracy)} | ${drop} | ${r.ratio === null ? 'n/a' : r.ratio.toFixed(3)} | ` +
      `${pct(r.peerAccuracyMean)} / ${pct(r.peerAccuracyMin)} | ${r.rejected} |`)
  }
  return lines.join('\n')
}

export function toCsv (result: ByzantineResult): string {
  const head = 'attack,aggregate,accuracy,peerAccuracyMean,peerAccuracyMin,dropPoints,ratio,rejected,diverged,seconds'
  return [head, ...result.rows.map((r) => [r.attack, r.aggregate, r.accuracy, r.peerAccuracyMean, r.peerAccuracyMin, r.dropPoints, r.ratio, r.rejected, r.diverged, r.seconds.toFixed(1)].map((v) => v ?? '').join(','))].join('\n') + '\n'
}

export const USAGE = 'usage: node scripts/byzantine.ts [--rounds N] [--seed S] [--attacks A,B,...] [--aggregates R,S,...] [--out DIR]\n' +
  '  --rounds      rounds of each run (default 60)\n' +
  '  --seed        seed of every run, and of the choice of the 2 attackers (default 1)\n' +
  `  --attacks     attacks to run, besides the attack-free runs (default ${ATTACKS.join(',')})\n` +
  `  --aggregates  mixing rules to run each with (default ${AGGREGATES.join(',')}; the drop and ratio columns compare with the attack-free mean run, so keep mean in)\n` +
  '  --out         folder for results.csv, table.md and results.json (default docs/results/byzantine, the README\'s table)'

export interface ByzantineCli { rounds: number, seed: number, attacks?: string[], aggregates?: string[], out: string }

/**
 * The command line: its options, `help`, or the error to print with the usage (exit code 2). Every attack and
 * aggregate is checked before any run starts, so a typo does not surface minutes in, after the runs before it.
 */
export function parseCli (argv: string[]): ByzantineCli | { help: true } | { error: string } {
  const parsed = parseScriptArgs(argv, { rounds: 60, out: 'docs/results/byzantine' }, ['attacks', 'aggregates'])
  if (!('values' in parsed)) return parsed
  const { rounds, seed, values } = parsed
  const attacks = values.attacks?.split(',').filter((s) => s !== '')
  const aggregates = values.aggregates?.split(',').filter((s) => s !== '')
  if (attacks?.length === 0) return { error: '--attacks: expected at least one attack' }
  if (aggregates?.length === 0) return { error: '--aggregates: expected at least one aggregate' }
  for (const attack of attacks ?? []) {
    try { resolveExperiment({ ...BASE, rounds, seed, attack, attackers: 2 } as unknown as Partial<ExperimentConfig>) } catch (err) { return { error: `--attacks: ${(err as Error).message}` } }
  }
  for (const aggregate of aggregates ?? []) {
    try { resolveExperiment({ ...BASE, rounds, seed, aggregate }) } catch (err) { return { error: `--aggregates: ${(err as Error).message}` } }
  }
  return { rounds, seed, attacks, aggregates, out: values.out }
}

async function main (): Promise<void> {
  const cli = parseCli(process.argv.slice(2))
  if ('help' in cli) { console.log(USAGE); return }
  if ('error' in cli) { console.error(`byzantine: ${cli.error}\n${USAGE}`); process.exitCode = 2; return }
  const { rounds, seed, attacks, aggregates } = cli
  const start = performance.now()
  const result = await runByzantineBenchmark({ rounds, seed, attacks, aggregates })
  const table = formatTable(result)
  const header = `16 peers, exponential graph, D-PSGD on the MNIST MLP, ${rounds} rounds, seed ${seed}; attackers: peers ${result.attackers.join(' and ')}; ` +
    `accuracy of the honest peers on the full test set (peer figures: each honest peer's own model)`
  console.log(header)
  console.log(table)
  console.log(`total ${((performance.now() - start) / 1000).toFixed(0)} s`)
  const out = resolve(cli.out)
  mkdirSync(out, { recursive: true })
  writeFileSync(resolve(out, 'results.csv'), toCsv(result))
  writeFileSync(resolve(out, 'table.md'), `${header}\n\n${table}\n\nReproduce: \`node scripts/byzantine.ts --rounds ${rounds} --seed ${seed}${attacks !== undefined ? ` --attacks ${attacks.join(',')}` : ''}${aggregates !== undefined ? ` --aggregates ${aggregates.join(',')}` : ''}\`\n`)
  writeFileSync(resolve(out, 'results.json'), JSON.stringify(result, null, 2) + '\n')
  console.log(`wrote ${out}/{results.csv,table.md,results.json}`)
}

if (import.meta.main) {
  main().catch((err) => { console.error(err); process.exitCode = 1 })
}
