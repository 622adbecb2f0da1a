/**
 * How the spectral gap drives consensus and accuracy.
 *
 * 1. Consensus sweep: topologies × n, gossip averaging of seeded N(0, 1) vectors in the simulator.
 *    The consensus distance (1/n)Σ‖x_i − x̄‖² contracts by lambda2² a round once the slower modes
 *    dominate; we measure the geometric-mean contraction over the last third of the rounds where the
 *    distance is still above float32 round-off (> 1e-11 of its start) and compare it with lambda2².
 * 2. D-PSGD on MNIST over a subset of the topologies: accuracy and consensus vs round.
 *
 * Writes CSV and SVG plots to --out (default docs/results/spectral-gap). Exit code 1 when a measured
 * rate misses lambda2² by more than 5 %.
 *
 *   node scripts/spectral-gap.ts [--out DIR] [--quick] [--dpsgd-rounds 300] [--partition iid] [--no-dpsgd] [--no-consensus]
 *                                [--dim 1000] [--seed 1]
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { resolveExperiment, runExperiment } from '../lib/experiment/index.ts'
import { buildGraph, lambda2 as lambda2OfW, mixingMatrix } from '../topologies/index.ts'
import type { Graph } from '../topologies/index.ts'
import { lineChart, scatterChart } from '../node/report/index.ts'
import type { Point } from '../node/report/index.ts'

const USAGE = 'usage: node scripts/spectral-gap.ts [--out DIR] [--quick] [--dpsgd-rounds N] [--partition iid|...] [--no-dpsgd] [--no-consensus] [--dim D] [--seed S] [--max-rounds R]\n' +
  '  --out  default docs/results/spectral-gap (the README\'s figures), or runs/spectral-gap-quick with --quick'
let parsed
try {
  parsed = parseArgs({
    options: {
      help: { type: 'boolean', short: 'h', default: false },
      out: { type: 'string' },
      quick: { type: 'boolean', default: false },
    'no-dpsgd': { type: 'boolean', default: false },
    'no-consensus': { type: 'boolean', default: false },
    partition: { type: 'string', default: 'iid' },
    'dpsgd-rounds': { type: 'string', default: '300' },
    dim: { type: 'string', default: '1000' },
    seed: { type: 'string', default: '1' },
      'max-rounds': { type: 'string', default: '4000' }
    }
  })
} catch (err) {
  console.error(`spectral-gap: ${(err as Error).message}\n${USAGE}`)
  process.exit(2)
}
const opts = parsed.values
if (opts.help) { console.log(USAGE); process.exit(0) }
// numbers are checked before anything runs or is written: Number('abc') is NaN, and 0 rounds has no accuracy to plot
for (const [flag, min, max] of [['dpsgd-rounds', 1, 1e7], ['dim', 1, 1e8], ['seed', 0, 0xffffffff], ['max-rounds', 1, 1e7]] as const) {
  const v = Number(opts[flag])
  if (!Number.isInteger(v) || v < min || v > max) {
    console.error(`spectral-gap: --${flag}: expected an integer in [${min}, ${max}], got ${String(opts[flag])}\n${USAGE}`)
    process.exit(2)
  }
}
try {
  resolveExperiment({ algo: 'dpsgd', partition: opts.partition })
} catch (err) {
  console.error(`spectral-gap: --partition: ${(err as Error).message}\n${USAGE}`)
  process.exit(2)
}

// a quick run does not overwrite the committed full results unless asked to
const out = resolve(opts.out ?? (opts.quick ? 'runs/spectral-gap-quick' : 'docs/results/spectral-gap'))
mkdirSync(out, { recursive: true })
const dim = Number(opts.dim)
const seed = Number(opts.seed)
const maxRounds = Number(opts['max-rounds'])
const sizes = opts.quick ? [8, 16, 32] : [8, 16, 32, 64, 128]
/** erdos-renyi at p = 2 ln n / n: above the connectivity threshold ln n / n, still sparse */
const topologies = (n: number): Array<{ name: string, spec: string }> => [
  { name: 'ring', spec: 'ring' },
  { name: 'torus', spec: 'torus' },
  { name: 'exponential', spec: 'exponential' },
  { name: 'regular:4', spec: 'regular:4' },
  { name: 'erdos-renyi', spec: `erdos-renyi:${Math.min(1, Number((2 * Math.log(n) / n).toFixed(4)))}` },
  { name: 'complete', spec: 'complete' }
]

/** relative floor: below (this × start) float32 round-off starts to flatten the curve (FACTS.md) */
const FLOOR = 1e-11
const TOLERANCE = 0.05

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

async function consensusSweep (): Promise<RateRow[]> {
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

async function dpsgdRuns (): Promise<void> {
  const rounds = Number(opts['dpsgd-rounds'])
  const n = 16
  const lines = ['topology,n,lambda2,round,accuracy,peerAccuracyMin,consensusDistance']
  const acc: Point[] = []
  const worst: Point[] = []
  const cons: Point[] = []
  const summary: string[] = []
  for (const spec of ['ring', 'torus', 'exponential', 'complete']) {
    let lambda2 = NaN
    const s = await runExperiment({ algo: 'dpsgd', peers: n, topology: spec, rounds, evalEvery: Math.max(5, Math.round(rounds / 20)), seed, peerEvalLimit: 2000, partition: opts.partition }, {
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
    title: `D-PSGD, ${n} peers, MNIST MLP, ${opts.partition}: averaged-model test accuracy`, xTitle: 'round', yTitle: 'accuracy', points: acc, seriesTitle: 'topology', markers: true
  }))
  writeFileSync(join(out, 'dpsgd-worst-peer.svg'), await lineChart({
    title: `D-PSGD, ${n} peers, ${opts.partition}: worst single peer's own model (2,000 test samples; all at the end)`, xTitle: 'round', yTitle: 'accuracy', points: worst, seriesTitle: 'topology', markers: true
  }))
  writeFileSync(join(out, 'dpsgd-consensus.svg'), await lineChart({
    title: `D-PSGD, ${n} peers, ${opts.partition}: consensus distance`, xTitle: 'round', yTitle: '(1/n) Σ‖x_i − x̄‖² (log)', points: cons, logY: true, seriesTitle: 'topology'
  }))
}

const rows = opts['no-consensus'] === true ? [] : await consensusSweep()
if (opts['no-dpsgd'] !== true) await dpsgdRuns()
const missed = rows.filter((r) => !r.ok)
if (rows.length > 0) console.log(`\n${rows.length - missed.length}/${rows.length} measured contractions within ${TOLERANCE * 100} % of lambda2²; worst error ${(Math.max(...rows.filter((r) => r.predicted > 1e-9).map((r) => r.relErr)) * 100).toFixed(2)} %. Output in ${out}`)
if (missed.length > 0) process.exitCode = 1
