/**
 * Byzantine peers on the main job: 16 simulated peers train the MNIST MLP with D-PSGD while 2 of them (a
 * seeded choice) send crafted vectors; each attack is run with the plain mean, ClippedGossip with the
 * adaptive radius (clip:auto) and the coordinate-wise trimmed mean, plus attack-free runs of all three.
 * Accuracy is the honest peers' (their averaged model, and each honest peer's own model). Prints a table
 * with the drop in points and the ratio against the attack-free mean run of the same invocation, and
 * writes results.csv, table.md and results.json to --out: docs/results/byzantine (the README's table) at the default
 * settings, runs/byzantine-<what changed> otherwise.
 *
 * Topology: the exponential graph (i ~ i ± 2^k: 7 neighbours a peer for n = 16, Metropolis weights 1/8).
 * ClippedGossip's guarantee needs each honest peer's Byzantine weight δ_i small and the honest subgraph
 * well connected (He et al. 2022, Thm. 3: the error scales with δ_max/γ², γ the honest spectral gap); the
 * paper's experiments use dense graphs for this reason. Here a peer next to both attackers still keeps 5
 * honest neighbours (δ_i = 2/8), the graph without any 2 peers stays connected, and clip:auto's default
 * (clip the farthest quarter of the neighbour weight, i.e. 2 of 7) covers δ_i. On a ring or a 4×4 torus a
 * peer can have as many Byzantine as honest neighbours, where no local rule can tell them apart.
 *
 *   node scripts/byzantine.ts [--rounds 60] [--seed 1] [--attacks signflip,...] [--aggregates mean,...] [--out DIR]   (--help for more)
 */
import { writeFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { resolveExperiment, runExperiment, RunDivergedError } from '../lib/experiment/index.ts'
import type { ExperimentConfig } from '../lib/experiment/index.ts'
import { getNumber, getString } from '../node/cli/args.ts'
import { allowedOf, listOption, outLine, outOption, parseScriptArgs, resultsDir, roundsOption, runScript, seedOption, splitList } from './lib/script-args.ts'
import type { ScriptSpec } from './lib/script-args.ts'
import { makeFolder } from '../node/fs/make-folder.ts'

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

/** A run config of the benchmark with this attack or aggregate, or the library's refusal of it (saying what it expected). */
function checkCondition (change: Partial<ExperimentConfig>): void {
  resolveExperiment({ ...BASE, rounds: 1, seed: 1, ...change })
}

export const BYZANTINE_SPEC: ScriptSpec = {
  name: 'byzantine',
  run: 'node scripts/byzantine.ts',
  summary: '16 simulated peers train the MNIST MLP with D-PSGD on the exponential graph while 2 of them (a seeded choice) send crafted vectors',
  details: 'Runs every attack of --attacks, and an attack-free run, with every mixing rule of --aggregates; prints a table of the honest ' +
    'peers\' accuracy with the drop and ratio against the attack-free mean run, and writes results.csv, table.md and results.json to --out. ' +
    'Every attack and aggregate is checked before the first run starts. About 5 minutes with the defaults.',
  options: [
    roundsOption(60, 'rounds of each run'),
    seedOption('seed of every run, and of the choice of the 2 attackers'),
    listOption('attacks', {
      placeholder: 'A,B,...',
      allowed: allowedOf('attack'),
      default: ATTACKS,
      description: 'attacks to run, besides the attack-free runs',
      check: (attack) => { checkCondition({ attack, attackers: 2 } as unknown as Partial<ExperimentConfig>) }
    }),
    listOption('aggregates', {
      placeholder: 'R,S,...',
      allowed: allowedOf('aggregate'),
      default: AGGREGATES,
      description: 'mixing rules to run each condition with; the drop and ratio columns compare with the attack-free mean run, so keep mean in',
      check: (aggregate) => { checkCondition({ aggregate }) }
    }),
    outOption('folder for results.csv, table.md and results.json (default: docs/results/byzantine, the README\'s table, with ' +
      '--rounds, --seed, --attacks and --aggregates at their defaults; else runs/byzantine-<changed options>, e.g. runs/byzantine-rounds-15)')
  ],
  examples: [
    'node scripts/byzantine.ts   # the README\'s table, into docs/results/byzantine',
    'node scripts/byzantine.ts --rounds 15 --attacks alie:20 --aggregates mean,clip:auto   # one attack, 4 short runs, into ' +
      'runs/byzantine-rounds-15-attacks-alie_20-aggregates-mean+clip_auto'
  ],
  exitCodes: '0 when every run finished (a diverged run is a result, not a failure), 1 on an error, 2 for a bad option.'
}

export interface ByzantineCli { rounds: number, seed: number, attacks: string[], aggregates: string[], out: string }

/**
 * The command line: its options or `help`; throws a UsageError naming the option at fault (exit code 2). Every attack
 * and aggregate is checked here, before any run starts, so a typo does not surface minutes in, after the runs before it.
 */
export function parseCli (argv: readonly string[]): ByzantineCli | { help: true } {
  const args = parseScriptArgs(BYZANTINE_SPEC, argv)
  if (args.help) return { help: true }
  return {
    rounds: getNumber(args, 'rounds'),
    seed: getNumber(args, 'seed'),
    attacks: splitList(getString(args, 'attacks')),
    aggregates: splitList(getString(args, 'aggregates')),
    out: resultsDir(BYZANTINE_SPEC, args, 'byzantine', ['rounds', 'seed', 'attacks', 'aggregates'])
  }
}

/** ` --attacks ...` / ` --aggregates ...` of the reproduce line, when not the defaults. */
function listFlag (name: string, list: readonly string[], defaults: readonly string[]): string {
  return list.join(',') === defaults.join(',') ? '' : ` --${name} ${list.join(',')}`
}

async function main (cli: ByzantineCli): Promise<undefined> {
  const { rounds, seed, attacks, aggregates } = cli
  const start = performance.now()
  console.error(outLine(cli.out, 'byzantine'))
  const result = await runByzantineBenchmark({ rounds, seed, attacks, aggregates })
  const table = formatTable(result)
  const header = `16 peers, exponential graph, D-PSGD on the MNIST MLP, ${rounds} rounds, seed ${seed}; attackers: peers ${result.attackers.join(' and ')}; ` +
    `accuracy of the honest peers on the full test set (peer figures: each honest peer's own model)`
  console.log(header)
  console.log(table)
  console.log(`total ${((performance.now() - start) / 1000).toFixed(0)} s`)
  const out = resolve(cli.out)
  makeFolder(out)
  writeFileSync(resolve(out, 'results.csv'), toCsv(result))
  writeFileSync(resolve(out, 'table.md'), `${header}\n\n${table}\n\nReproduce: \`node scripts/byzantine.ts --rounds ${rounds} --seed ${seed}${listFlag('attacks', attacks, ATTACKS)}${listFlag('aggregates', aggregates, AGGREGATES)}\`\n`)
  writeFileSync(resolve(out, 'results.json'), JSON.stringify(result, null, 2) + '\n')
  console.log(`wrote ${out}/{results.csv,table.md,results.json}`)
  return undefined
}

if (import.meta.main) {
  runScript(BYZANTINE_SPEC, process.argv.slice(2), parseCli, main).catch((err) => { console.error(err); process.exitCode = 1 })
}
