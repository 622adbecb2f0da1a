/**
 * How the spectral gap drives consensus and accuracy.
 *
 * 1. Consensus sweep: topologies × n, gossip averaging of seeded N(0, 1) vectors in the simulator.
 *    The consensus distance (1/n)Σ‖x_i − x̄‖² contracts by lambda2² a round once the slower modes
 *    dominate; we measure the geometric-mean contraction over the last third of the rounds where the
 *    distance is still above float32 round-off (> 1e-11 of its start) and compare it with lambda2².
 * 2. D-PSGD on MNIST over a subset of the topologies: accuracy and consensus vs round.
 *
 * Writes CSV and SVG plots to --out: docs/results/spectral-gap (the README's figures) at the default settings,
 * runs/spectral-gap-<what changed> otherwise (runs/spectral-gap-quick, runs/spectral-gap-partition-dirichlet_0.1).
 * Exit code 1 when a measured rate misses lambda2² by more than 5 %.
 *
 *   node scripts/spectral-gap.ts [--out DIR] [--quick] [--no-consensus] [--no-dpsgd] [--partition iid] [--dpsgd-rounds 300]
 *                                [--dim 1000] [--seed 1] [--max-rounds 4000]   (--help for more)
 */
import { writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { runExperiment } from '../lib/experiment/index.ts'
import { buildGraph, lambda2 as lambda2OfW, mixingMatrix } from '../topologies/index.ts'
import type { Graph } from '../topologies/index.ts'
import { lineChart, scatterChart } from '../node/report/index.ts'
import type { Point } from '../node/report/index.ts'
import { getBoolean, getNumber, getString, UsageError } from '../node/cli/args.ts'
import { allowedOf, MAX_ROUNDS, outLine, outOption, parseScriptArgs, resultsDir, runScript, seedOption, simOption } from './lib/script-args.ts'
import type { ScriptSpec } from './lib/script-args.ts'
import { makeFolder } from '../node/fs/make-folder.ts'

/** relative floor: below (this × start) float32 round-off starts to flatten the curve (FACTS.md) */
const FLOOR = 1e-11
/** the largest relative error of a measured contraction against lambda2² that passes */
const TOLERANCE = 0.05

export const SPECTRAL_GAP_SPEC: ScriptSpec = {
  name: 'spectral-gap',
  run: 'node scripts/spectral-gap.ts',
  npm: 'spectral-gap',
  summary: 'How the spectral gap drives consensus and accuracy: a gossip-averaging sweep of topologies × n against lambda2², then D-PSGD on MNIST',
  details: 'The consensus sweep runs gossip averaging of seeded random vectors on ring, torus, exponential, regular:4, erdos-renyi ' +
    '(p = 2 ln n / n) and complete graphs of n = 8, 16, 32, 64, 128 peers (8, 16, 32 with --quick), and compares the measured per-round ' +
    'contraction of the consensus distance with lambda2² (seconds). The D-PSGD part trains the MNIST MLP on 16 peers over ring, torus, ' +
    'exponential and complete graphs (most of a full run\'s minute). CSV and SVG files go to --out.',
  options: [
    outOption('folder for the CSV and SVG files (default: docs/results/spectral-gap, the README\'s figures, with every other option at ' +
      'its default; else runs/spectral-gap-<changed options>, e.g. runs/spectral-gap-quick or runs/spectral-gap-partition-dirichlet_0.1)'),
    { name: 'quick', type: 'boolean', default: false, description: 'consensus sweep over n = 8, 16, 32 only; the D-PSGD runs stay the same' },
    { name: 'no-consensus', type: 'boolean', default: false, description: 'skip the consensus sweep' },
    { name: 'no-dpsgd', type: 'boolean', default: false, description: 'skip the D-PSGD runs (the consensus sweep alone takes seconds)' },
    { ...simOption('partition'), default: 'iid', description: `data split of the D-PSGD runs: ${allowedOf('partition')}` },
    { name: 'dpsgd-rounds', type: 'int', min: 1, max: MAX_ROUNDS, default: 300, description: 'rounds of each D-PSGD run' },
    { name: 'dim', type: 'int', min: 1, max: 100_000_000, default: 1000, placeholder: 'D', description: 'dimension of the averaged random vectors in the consensus sweep' },
    seedOption('seed of the graphs, the vectors and the D-PSGD runs'),
    {
      name: 'max-rounds', type: 'int', min: 1, max: MAX_ROUNDS, default: 4000,
      description: 'the most rounds of one consensus run (each runs until lambda2^(2t) reaches the float32 floor, about 1e-11 of the start)'
    }
  ],
  examples: [
    'node scripts/spectral-gap.ts   # the README\'s figures, into docs/results/spectral-gap',
    'node scripts/spectral-gap.ts --quick --no-dpsgd   # the consensus sweep for n <= 32, in seconds, into runs/spectral-gap-quick-no-dpsgd',
    'npm run spectral-gap -- --partition dirichlet:0.1   # a non-iid split, into runs/spectral-gap-partition-dirichlet_0.1'
  ],
  exitCodes: `0 when every measured contraction is within ${TOLERANCE * 100} % of lambda2², 1 when one misses, 2 for a bad option.`
}

export interface SpectralGapCli {
  out: string
  quick: boolean
  consensus: boolean
  dpsgd: boolean
  partition: string
  dpsgdRounds: number
  dim: number
  seed: number
  maxRounds: number
}

/** The command line: its options or `help`; throws a UsageError naming the option at fault (exit code 2), before anything runs or is written. */
export function parseCli (argv: readonly string[]): SpectralGapCli | { help: true } {
  const args = parseScriptArgs(SPECTRAL_GAP_SPEC, argv)
  if (args.help) return { help: true }
  const cli: SpectralGapCli = {
    // a run with any option changed (even --quick or a skipped part) does not overwrite the committed figures unless asked to
    out: resultsDir(SPECTRAL_GAP_SPEC, args, 'spectral-gap', SPECTRAL_GAP_SPEC.options.map((o) => o.name).filter((name) => name !== 'out')),
    quick: getBoolean(args, 'quick'),
    consensus: !getBoolean(args, 'no-consensus'),
    dpsgd: !getBoolean(args, 'no-dpsgd'),
    partition: getString(args, 'partition'),
    dpsgdRounds: getNumber(args, 'dpsgd-rounds'),
    dim: getNumber(args, 'dim'),
    seed: getNumber(args, 'seed'),
    maxRounds: getNumber(args, 'max-rounds')
  }
  if (!cli.consensus && !cli.dpsgd) throw new UsageError('--no-consensus with --no-dpsgd leaves nothing to run', 'no-consensus', 'at most one of --no-consensus and --no-dpsgd')
  return cli
}

/** erdos-renyi at p = 2 ln n / n: above the connectivity threshold ln n / n, still sparse */
const topologies = (n: number): Array<{ name: string, spec: string }> => [
  { name: 'ring', spec: 'ring' },
  { name: 'torus', spec: 'torus' },
  { name: 'exponential', spec: 'exponential' },
  { name: 'regular:4', spec: 'regular:4' },
  { name: 'erdos-renyi', spec: `erdos-renyi:${Math.min(1, Number((2 * Math.log(n) / n).toFixed(4)))}` },
  { name: 'complete', spec: 'complete' }
]

interface RateRow { topology: string, spec: string, n: number, lambda2: number, predicted: number, measured: number, relErr: number, ok: boolean, from: number, to: number, rounds: number, seconds: number }

function lambda2Of (g: Graph): number {
  return lambda2OfW(mixingMatrix(g))
}

function measuredRate (d: number[]): { rate: number, from: number, to: number } {
  const start = d[0]
  let end = d.length - 1
  for (let t = 1; t < d.length; t++) if (!(d[t] > start * FLOOR)) { end = t; break }
  // exact consensus in one round (complete graph): the rate is the one-step ratio, i.e. round-off
  if (end <= 1) return { rate: d[Math.min(1, d.length - 1)] / start, from: 0, to: 1 }
  const from = Math.floor(end * 2 / 3)
  const to = end === d.length - 1 ? end : end - 1
  return { rate: Math.pow(d[to] / d[from], 1 / (to - from)), from, to }
}

async function consensusSweep (cli: SpectralGapCli, out: string): Promise<RateRow[]> {
  const { dim, seed, maxRounds } = cli
  const sizes = cli.quick ? [8, 16, 32] : [8, 16, 32, 64, 128]
  const rows: RateRow[] = []
  const curves: string[] = ['topology,n,round,consensusDistance']
  const curvePoints = new Map<number, Point[]>()
  for (const n of sizes) {
    for (const t of topologies(n)) {
      // rounds until lambda2^(2t) reaches the float32 floor (plus margin), capped
      const d: number[] = []
      const lambda2 = lambda2Of(buildGraph(t.spec, n, { seed }))
      const t0 = performance.now()
      const roundsNeeded = lambda2 < 1e-9 ? 3 : Math.min(maxRounds, Math.ceil(1.2 * Math.log(FLOOR) / (2 * Math.log(lambda2))) + 4)
      await runExperiment({ algo: 'gossip', peers: n, topology: t.spec, dim, rounds: roundsNeeded, seed }, {
        onStart: (info) => { d.push(info.initialConsensusDistance) },
        onRound: (rec) => { d.push(rec.consensusDistance) }
      })
      const { rate, from, to } = measuredRate(d)
      const predicted = lambda2 * lambda2
      const relErr = predicted < 1e-9 ? Math.abs(rate - predicted) : Math.abs(rate - predicted) / predicted
      const ok = predicted < 1e-9 ? rate < 1e-6 : relErr <= TOLERANCE
      const seconds = (performance.now() - t0) / 1000
      rows.push({ topology: t.name, spec: t.spec, n, lambda2, predicted, measured: rate, relErr, ok, from, to, rounds: d.length - 1, seconds })
      console.log(`${t.name.padEnd(12)} n=${String(n).padEnd(4)} lambda2²=${predicted.toFixed(6)} measured=${rate.toFixed(6)} ` +
        `err=${(relErr * 100).toFixed(2)}% rounds ${from}..${to} of ${d.length - 1} ${ok ? 'ok' : 'MISS'} (${seconds.toFixed(1)} s)`)
      const pts = curvePoints.get(n) ?? []
      d.forEach((v, i) => { curves.push(`${t.name},${n},${i},${v}`); pts.push({ x: i, y: v, series: t.name }) })
      curvePoints.set(n, pts)
    }
  }
  writeFileSync(join(out, 'consensus.csv'), curves.join('\n') + '\n')
  writeFileSync(join(out, 'rates.csv'), ['topology,spec,n,lambda2,predictedRate,measuredRate,relativeError,withinTolerance,fromRound,toRound,rounds',
    ...rows.map((r) => [r.topology, r.spec, r.n, r.lambda2, r.predicted, r.measured, r.relErr, r.ok, r.from, r.to, r.rounds].join(','))].join('\n') + '\n')
  for (const n of [16, 64].filter((v) => sizes.includes(v))) {
    const pts = (curvePoints.get(n) ?? []).filter((p) => p.x <= 400)
    writeFileSync(join(out, `consensus-n${n}.svg`), await lineChart({
      title: `Gossip averaging, ${n} peers: consensus distance by round`, xTitle: 'round', yTitle: '(1/n) Σ‖x_i − x̄‖² (log)', points: pts, logY: true, seriesTitle: 'topology'
    }))
  }
  const rated = rows.filter((r) => r.predicted > 1e-9)
  writeFileSync(join(out, 'rate-measured-vs-predicted.svg'), await scatterChart({
    title: 'Per-round contraction: measured vs lambda2²', xTitle: 'lambda2² (predicted)', yTitle: 'measured contraction', diagonal: true,
    points: rated.map((r) => ({ x: r.predicted, y: r.measured, series: r.topology })), seriesTitle: 'topology'
  }))
  writeFileSync(join(out, 'gap-vs-n.svg'), await lineChart({
    title: 'Spectral gap 1 − lambda2 by network size', xTitle: 'peers n', yTitle: 'spectral gap (log)', logY: true, logX: true, markers: true,
    points: rows.filter((r) => r.lambda2 < 1 - 1e-12).map((r) => ({ x: r.n, y: 1 - r.lambda2, series: r.topology })), seriesTitle: 'topology'
  }))
  return rows
}

async function dpsgdRuns (cli: SpectralGapCli, out: string): Promise<void> {
  const { seed, partition } = cli
  const rounds = cli.dpsgdRounds
  const n = 16
  const lines = ['topology,n,lambda2,round,accuracy,peerAccuracyMin,consensusDistance']
  const acc: Point[] = []
  const worst: Point[] = []
  const cons: Point[] = []
  const summary: string[] = []
  for (const spec of ['ring', 'torus', 'exponential', 'complete']) {
    let lambda2 = NaN
    const s = await runExperiment({ algo: 'dpsgd', peers: n, topology: spec, rounds, evalEvery: Math.max(5, Math.round(rounds / 20)), seed, peerEvalLimit: 2000, partition }, {
      onStart: (info) => { lambda2 = info.lambda2 },
      onRound: (rec) => {
        if (rec.round % 5 === 0 || rec.accuracy !== null) cons.push({ x: rec.round, y: rec.consensusDistance, series: spec })
        if (rec.accuracy !== null) {
          acc.push({ x: rec.round, y: rec.accuracy, series: spec })
          if (rec.peerAccuracyMin !== null) worst.push({ x: rec.round, y: rec.peerAccuracyMin, series: spec })
          lines.push([spec, n, lambda2, rec.round, rec.accuracy, rec.peerAccuracyMin, rec.consensusDistance].join(','))
        }
      }
    })
    const pct = (x: number | null): string => x === null ? 'n/a' : `${(x * 100).toFixed(2)} %`
    const line = `dpsgd ${spec.padEnd(12)} lambda2 ${lambda2.toFixed(4)}: accuracy ${pct(s.accuracy)}, worst peer ${pct(s.peerAccuracyMin)}, consensus ${s.consensusDistance.toExponential(2)} after ${s.rounds} rounds (${s.wallSeconds.toFixed(0)} s)`
    console.log(line)
    summary.push(line)
  }
  writeFileSync(join(out, 'dpsgd.csv'), lines.join('\n') + '\n')
  writeFileSync(join(out, 'dpsgd-summary.txt'), summary.join('\n') + '\n')
  writeFileSync(join(out, 'dpsgd-accuracy.svg'), await lineChart({
    title: `D-PSGD, ${n} peers, MNIST MLP, ${partition}: averaged-model test accuracy`, xTitle: 'round', yTitle: 'accuracy', points: acc, seriesTitle: 'topology', markers: true
  }))
  writeFileSync(join(out, 'dpsgd-worst-peer.svg'), await lineChart({
    title: `D-PSGD, ${n} peers, ${partition}: worst single peer's own model (2,000 test samples; all at the end)`, xTitle: 'round', yTitle: 'accuracy', points: worst, seriesTitle: 'topology', markers: true
  }))
  writeFileSync(join(out, 'dpsgd-consensus.svg'), await lineChart({
    title: `D-PSGD, ${n} peers, ${partition}: consensus distance`, xTitle: 'round', yTitle: '(1/n) Σ‖x_i − x̄‖² (log)', points: cons, logY: true, seriesTitle: 'topology'
  }))
}

async function main (cli: SpectralGapCli): Promise<number | undefined> {
  const out = resolve(cli.out)
  console.log(outLine(cli.out, 'spectral-gap'))
  makeFolder(out)
  const rows = cli.consensus ? await consensusSweep(cli, out) : []
  if (cli.dpsgd) await dpsgdRuns(cli, out)
  const missed = rows.filter((r) => !r.ok)
  if (rows.length > 0) console.log(`\n${rows.length - missed.length}/${rows.length} measured contractions within ${TOLERANCE * 100} % of lambda2²; worst error ${(Math.max(...rows.filter((r) => r.predicted > 1e-9).map((r) => r.relErr)) * 100).toFixed(2)} %.`)
  console.log(`wrote ${out}`)
  return missed.length > 0 ? 1 : undefined
}

if (import.meta.main) await runScript(SPECTRAL_GAP_SPEC, process.argv.slice(2), parseCli, main)
