/**
 * D-PSGD (dense) vs CHOCO-SGD (top-1 %) on the main job: 16 peers, ring, MNIST MLP, iid, batch 32, same
 * seed and rounds. Prints accuracy of the averaged model, the worst single peer, rounds and bytes of both,
 * and their ratios; writes CSV and an accuracy plot to --out.
 *
 *   node scripts/compare-compression.ts [--rounds 600] [--seed 1] [--out docs/results/compression]   (--help for more)
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { runExperiment } from '../lib/experiment/index.ts'
import type { ExperimentConfig, ExperimentSummary } from '../lib/experiment/index.ts'
import { lineChart } from '../node/report/index.ts'
import type { Point } from '../node/report/index.ts'
import { getNumber, getString } from '../node/cli/args.ts'
import { outOption, parseScriptArgs, roundsOption, runScript, seedOption } from './lib/script-args.ts'
import type { ScriptSpec } from './lib/script-args.ts'

export interface Arm { name: string, config: Partial<ExperimentConfig> }

/**
 * CHOCO-SGD needs a smaller step than D-PSGD on a ring with 1 % of the entries: η = 0.02, and γ = 0.05 (the default:
 * γ = 0.1 is slowly unstable there, its consensus distance rising past round 400; γ = 0.2 drifts; README, known problems).
 */
export const ARMS: Arm[] = [
  { name: 'dpsgd none', config: { algo: 'dpsgd', codec: 'none' } },
  { name: 'choco topk:0.01', config: { algo: 'choco', codec: 'topk:0.01', gamma: 0.05, lr: 0.02 } }
]

export interface CompressionComparison {
  rounds: number
  arms: Array<{ name: string, config: Partial<ExperimentConfig>, summary: ExperimentSummary }>
  /** D-PSGD minus CHOCO, in accuracy points */
  averagedGapPoints: number
  worstPeerGapPoints: number
  /** D-PSGD bytes / CHOCO bytes */
  bytesRatio: number
}

export async function runCompressionComparison (opts: { rounds?: number, seed?: number, out?: string, log?: (s: string) => void } = {}): Promise<CompressionComparison> {
  const rounds = opts.rounds ?? 600
  const seed = opts.seed ?? 1
  const log = opts.log ?? ((s: string) => { console.log(s) })
  const arms: CompressionComparison['arms'] = []
  const points: Point[] = []
  const csv = ['arm,round,accuracy,peerAccuracyMin,peerAccuracyMean,consensusDistance,bytesSent']
  for (const arm of ARMS) {
    const summary = await runExperiment({ ...arm.config, rounds, seed, evalEvery: Math.max(10, Math.round(rounds / 12)) }, {
      onRound: (rec) => {
        if (rec.accuracy === null) return
        points.push({ x: rec.round, y: rec.accuracy, series: `${arm.name} (averaged)` })
        if (rec.peerAccuracyMin !== null) points.push({ x: rec.round, y: rec.peerAccuracyMin, series: `${arm.name} (worst peer)` })
        csv.push([arm.name, rec.round, rec.accuracy, rec.peerAccuracyMin, rec.peerAccuracyMean, rec.consensusDistance, rec.bytesSent].join(','))
      }
    })
    arms.push({ name: arm.name, config: arm.config, summary })
    log(`${arm.name.padEnd(16)} accuracy ${pct(summary.accuracy)}  worst peer ${pct(summary.peerAccuracyMin)}  rounds ${summary.rounds}  ` +
      `bytes ${(summary.bytesSent / 1e6).toFixed(1)} MB (${Math.round(summary.bytesPerPeerPerRound).toLocaleString('en-US')} a peer a round)  ${summary.wallSeconds.toFixed(0)} s`)
  }
  const [d, c] = arms.map((a) => a.summary)
  const result: CompressionComparison = {
    rounds,
    arms,
    averagedGapPoints: 100 * ((d.accuracy ?? 0) - (c.accuracy ?? 0)),
    worstPeerGapPoints: 100 * ((d.peerAccuracyMin ?? 0) - (c.peerAccuracyMin ?? 0)),
    bytesRatio: d.bytesSent / c.bytesSent
  }
  log(`CHOCO vs D-PSGD at round ${rounds}: averaged model ${result.averagedGapPoints.toFixed(2)} points behind (target ≤ 1), ` +
    `worst peer ${result.worstPeerGapPoints.toFixed(2)} points behind (target ≤ 3), ${result.bytesRatio.toFixed(1)}× fewer bytes (target ≥ 50)`)
  if (opts.out !== undefined) {
    const out = resolve(opts.out)
    mkdirSync(out, { recursive: true })
    writeFileSync(join(out, 'compression.csv'), csv.join('\n') + '\n')
    writeFileSync(join(out, 'summary.json'), JSON.stringify(result, null, 2) + '\n')
    writeFileSync(join(out, 'accuracy.svg'), await lineChart({
      title: '16 peers, ring, MNIST MLP: D-PSGD vs CHOCO-SGD top-1 % (worst peer on 2,000 test samples until the last round)', xTitle: 'round', yTitle: 'test accuracy', points, markers: true, seriesTitle: ''
    }))
  }
  return result
}

function pct (x: number | null): string {
  return x === null ? 'n/a' : `${(x * 100).toFixed(2)} %`
}

export const COMPARE_COMPRESSION_SPEC: ScriptSpec = {
  name: 'compare-compression',
  run: 'node scripts/compare-compression.ts',
  npm: 'compare-compression',
  summary: 'D-PSGD (dense) vs CHOCO-SGD (top-1 %) on the main job: 16 peers, ring, MNIST MLP, iid, batch 32, same seed and rounds',
  details: 'Prints the accuracy of the averaged model and of the worst single peer, the bytes sent, and CHOCO-SGD\'s gaps and byte ratio ' +
    'against its targets (averaged model ≤ 1 point behind D-PSGD, worst peer ≤ 3 points, ≥ 50× fewer bytes); writes compression.csv, ' +
    'summary.json and accuracy.svg to --out. About 45 s at 600 rounds.',
  options: [
    roundsOption(600, 'rounds of each run (the targets are for 600)'),
    seedOption('seed of both runs'),
    outOption('folder for compression.csv, summary.json and accuracy.svg; the default holds the README\'s figures', 'docs/results/compression')
  ],
  examples: [
    'node scripts/compare-compression.ts --rounds 100 --out runs/compression   # a quick look, not the published figures',
    'npm run compare-compression'
  ],
  exitCodes: '0 when CHOCO-SGD meets every target, 1 when it misses one, 2 for a bad option.'
}

export interface CompressionCli { rounds: number, seed: number, out: string }

/** The command line: its options or `help`; throws a UsageError naming the option at fault (exit code 2). */
export function parseCli (argv: readonly string[]): CompressionCli | { help: true } {
  const args = parseScriptArgs(COMPARE_COMPRESSION_SPEC, argv)
  if (args.help) return { help: true }
  return { rounds: getNumber(args, 'rounds'), seed: getNumber(args, 'seed'), out: getString(args, 'out') }
}

if (import.meta.main) {
  await runScript(COMPARE_COMPRESSION_SPEC, process.argv.slice(2), parseCli, async (cli) => {
    const r = await runCompressionComparison(cli)
    return r.averagedGapPoints > 1 || r.worstPeerGapPoints > 3 || r.bytesRatio < 50 ? 1 : 0
  })
}
