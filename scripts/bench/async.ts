/**
 * Asynchronous gossip benchmark: real `murmur peer` processes on a ring with one peer slowed down
 * (`--slowdown`, its compute takes F times as long), synchronous then `--sync async`. Figures, against the
 * synchronous run of the same invocation: the rounds per second of the other peers (goal ≥ 2×) and the
 * final accuracy of the averaged model and of each peer's own (goal: equal).
 *
 *   node scripts/bench/async.ts [--peers 4] [--rounds 150] [--slowdown 3] [--local-steps 8]
 */
import { parseArgs } from 'node:util'
import { meanOf, pct, runPeers } from './peer-runs.ts'
import type { ClusterRun } from './peer-runs.ts'

export interface AsyncBenchOptions { peers: number, rounds: number, slowdown: number, localSteps: number, staleness?: number, seed?: number }

export interface AsyncBenchResult {
  sync: ClusterRun
  async: ClusterRun
  /** the slowed peer's slot */
  slow: number
  /** mean rounds per second of the peers that are not slowed */
  syncRate: number
  asyncRate: number
  speedup: number
}

export async function runAsyncBench (o: AsyncBenchOptions): Promise<AsyncBenchResult> {
  const slow = o.peers - 1
  const common = ['--peers', String(o.peers), '--rounds', String(o.rounds), '--local-steps', String(o.localSteps), '--algo', 'dpsgd', '--topology', 'ring',
    '--eval-every', String(o.rounds), '--seed', String(o.seed ?? 1), '--slowdown', `${slow}:${o.slowdown}`, '--round-deadline', '20000']
  const sync = await runPeers(common)
  const async = await runPeers([...common, '--sync', 'async', '--staleness', String(o.staleness ?? 8)])
  const rate = (run: ClusterRun): number => meanOf(run.peers.filter((p) => p.slot !== slow).map((p) => p.roundsPerSecond))
  const syncRate = rate(sync)
  const asyncRate = rate(async)
  return { sync, async, slow, syncRate, asyncRate, speedup: asyncRate / syncRate }
}

export function formatAsync (o: AsyncBenchOptions, r: AsyncBenchResult): string {
  const own = (run: ClusterRun): string => run.peers.map((p) => pct(p.accuracy)).join(', ')
  const slowRate = (run: ClusterRun): string => (run.peers.find((p) => p.slot === r.slow)?.roundsPerSecond ?? NaN).toFixed(2)
  return [
    `${o.peers} processes, ring, D-PSGD, MNIST MLP, ${o.localSteps} local steps, ${o.rounds} rounds; slot ${r.slow} slowed ${o.slowdown}x`,
    `synchronous: others ${r.syncRate.toFixed(2)} rounds/s (slowed peer ${slowRate(r.sync)}); averaged model ${pct(r.sync.accuracy)}; each peer's own: ${own(r.sync)}`,
    `async:       others ${r.asyncRate.toFixed(2)} rounds/s (slowed peer ${slowRate(r.async)}); averaged model ${pct(r.async.accuracy)}; each peer's own: ${own(r.async)}`,
    `others' rounds per second, async / sync = ${r.speedup.toFixed(2)} (goal ≥ 2)`
  ].join('\n')
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { peers: { type: 'string', default: '4' }, rounds: { type: 'string', default: '150' }, slowdown: { type: 'string', default: '3' }, 'local-steps': { type: 'string', default: '8' } } })
  const o = { peers: Number(values.peers), rounds: Number(values.rounds), slowdown: Number(values.slowdown), localSteps: Number(values['local-steps']) }
  console.log(formatAsync(o, await runAsyncBench(o)))
}
