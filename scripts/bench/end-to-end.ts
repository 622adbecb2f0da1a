/**
 * End to end (issue 5, part 5): 16 simulated peers on a ring train the MNIST MLP until the averaged model
 * reaches 97 % test accuracy, against centralized SGD in one process on the same data, backend, model,
 * optimiser and machine; and the bytes every arm sent to get there.
 *
 *   node scripts/bench/end-to-end.ts [--target 0.97] [--max-rounds 1500] [--eval-every 20]
 *                                    [--arms dpsgd:none,dpsgd:fp16,choco:qsgd:256,choco:topk:0.01] [--seed 1]
 *
 * The baseline is the same experiment code with one peer (lib/experiment, peers 1: no neighbours, so D-PSGD
 * is plain SGD with heavy-ball momentum on the whole training set), run twice:
 * - batch 512 = 16 × 32, the samples one D-PSGD round consumes, with the peers' step size and momentum
 *   (η = 0.05, 0.9): what the 16 peers would do as one machine computing the exact mean gradient (the
 *   "same total batch", the same algorithm without communication);
 * - batch 32, the batch of one peer: the usual single-process training, the same compute per step, with
 *   η = 0.01 (momentum 0.9): the peers' η = 0.05 plateaus near 95 % at batch 32 (measured here: 95.3 % after
 *   11,200 steps), a smaller step is what anyone would use.
 * Both are evaluated on the full test set after the same number of training samples as the peers (every
 * `evalEvery` rounds = evalEvery × 512 samples).
 * Time to 97 % is wall time from the first round to the end of the evaluation that first shows ≥ target,
 * evaluations included in every arm; it is measured arm after arm, so the load of a shared machine can
 * differ between arms: the load average is printed with each.
 */
import { loadavg } from 'node:os'
import { parseArgs } from 'node:util'
import { runExperiment } from '../../lib/experiment/index.ts'
import type { ExperimentConfig } from '../../lib/experiment/index.ts'

export interface EndToEndArm {
  name: string
  config: Partial<ExperimentConfig>
}

/** CHOCO-SGD settings as in scripts/compare-compression.ts: η = 0.02, γ = 0.1 on a ring (γ = 0.2 drifts). */
const CHOCO = { algo: 'choco' as const, gamma: 0.1, lr: 0.02 }

export function parseArm (spec: string): EndToEndArm {
  const colon = spec.indexOf(':')
  const algo = colon < 0 ? spec : spec.slice(0, colon)
  const codec = colon < 0 ? 'none' : spec.slice(colon + 1)
  if (algo === 'dpsgd') return { name: `dpsgd ${codec}`, config: { algo: 'dpsgd', codec } }
  if (algo === 'choco') return { name: `choco ${codec}`, config: { ...CHOCO, codec } }
  throw new Error(`--arms: each arm is dpsgd:CODEC or choco:CODEC (e.g. choco:topk:0.01); got ${JSON.stringify(spec)}`)
}

/** Step size of the batch-32 centralized baseline (see the header). */
export const CENTRAL_B32_LR = 0.01

export const DEFAULT_ARMS = ['dpsgd:none', 'dpsgd:fp16', 'choco:qsgd:256', 'choco:topk:0.01']

export interface EndToEndRow {
  name: string
  peers: number
  batch: number
  /** rounds (steps for one peer) to the first evaluation at or above target; null if not reached */
  rounds: number | null
  samples: number | null
  seconds: number | null
  /** bytes sent by all peers up to that round */
  bytes: number | null
  bytesPerPeerPerRound: number | null
  finalAccuracy: number | null
  /** one-minute load average when the arm ended */
  load: number
}

export interface EndToEndOptions {
  target?: number
  maxRounds?: number
  evalEvery?: number
  arms?: string[]
  seed?: number
  peers?: number
  log?: (s: string) => void
}

async function runArm (name: string, config: Partial<ExperimentConfig>, target: number, maxRounds: number, evalEvery: number, log: (s: string) => void): Promise<EndToEndRow> {
  let hit: { round: number, ms: number, bytes: number } | null = null
  const peers = config.peers ?? 16
  const batch = config.batch ?? 32
  const summary = await runExperiment({ ...config, rounds: maxRounds, evalEvery, evalLimit: 0, peerEvalLimit: 500 }, {
    onRound: (rec) => {
      if (hit === null && rec.accuracy !== null && (rec.round % (evalEvery * 5) === 0 || rec.accuracy >= target)) {
        log(`  ${name}: round ${rec.round}, accuracy ${(100 * rec.accuracy).toFixed(2)} %, ${(rec.elapsedMs / 1000).toFixed(0)} s`)
      }
      if (hit === null && rec.accuracy !== null && rec.accuracy >= target) hit = { round: rec.round, ms: rec.elapsedMs, bytes: rec.bytesSent }
    },
    shouldStop: () => hit !== null
  })
  const h = hit as { round: number, ms: number, bytes: number } | null
  return {
    name,
    peers,
    batch,
    rounds: h?.round ?? null,
    samples: h === null ? null : h.round * peers * batch,
    seconds: h === null ? null : h.ms / 1000,
    bytes: h?.bytes ?? null,
    bytesPerPeerPerRound: h === null ? null : h.bytes / h.round / peers,
    finalAccuracy: summary.accuracy,
    load: loadavg()[0]
  }
}

export async function runEndToEnd (opts: EndToEndOptions = {}): Promise<EndToEndRow[]> {
  const target = opts.target ?? 0.97
  const maxRounds = opts.maxRounds ?? 1500
  const evalEvery = opts.evalEvery ?? 20
  const peers = opts.peers ?? 16
  const seed = opts.seed ?? 1
  const log = opts.log ?? ((s: string) => { console.error(s) })
  const rows: EndToEndRow[] = []
  const total = peers * 32
  // centralized baselines first: the peers' samples per evaluation are evalEvery × peers × 32
  const central: Array<[string, number, number]> = [['centralized SGD, batch 32, lr 0.01', 32, CENTRAL_B32_LR], [`centralized SGD, batch ${total}`, total, 0.05]]
  for (const [name, batch, lr] of central) {
    const every = Math.max(1, Math.round(evalEvery * total / batch))
    rows.push(await runArm(name, { peers: 1, topology: 'ring', algo: 'dpsgd', codec: 'none', batch, lr, seed }, target, Math.round(maxRounds * total / batch), every, log))
  }
  for (const spec of opts.arms ?? DEFAULT_ARMS) {
    const arm = parseArm(spec)
    rows.push(await runArm(`${peers} peers, ring, ${arm.name}`, { ...arm.config, peers, topology: 'ring', seed }, target, maxRounds, evalEvery, log))
  }
  return rows
}

/** The rows as a table; time and samples as ratios to the batch-32 centralized run, bytes to the dense D-PSGD arm. */
export function formatEndToEnd (rows: EndToEndRow[], target: number): string {
  const base = rows[0]
  const dense = rows.find((r) => r.name.endsWith('dpsgd none'))
  const lines = [`time and bytes to ${(100 * target).toFixed(0)} % test accuracy of the averaged model (MNIST MLP 784-128-10, iid, lr 0.05 momentum 0.9 unless CHOCO: lr 0.02, γ 0.1)`]
  lines.push('arm                                  steps  samples     seconds  vs centr. b32  bytes (all peers)  bytes/peer/round  vs dense  load')
  for (const r of rows) {
    const ratio = r.seconds !== null && base.seconds !== null ? `${(r.seconds / base.seconds).toFixed(2)}x` : '—'
    const vsDense = r.bytes !== null && dense?.bytes != null && r.bytes > 0 ? `${(dense.bytes / r.bytes).toFixed(1)}x fewer` : '—'
    lines.push(`${r.name.padEnd(36)} ${String(r.rounds ?? 'not reached').padStart(6)} ${(r.samples === null ? '—' : r.samples.toLocaleString('en-US')).padStart(9)} ${(r.seconds === null ? '—' : r.seconds.toFixed(1)).padStart(10)}  ${ratio.padStart(12)}  ${(r.bytes === null ? '—' : r.bytes.toLocaleString('en-US')).padStart(17)}  ${(r.bytesPerPeerPerRound === null ? '—' : Math.round(r.bytesPerPeerPerRound).toLocaleString('en-US')).padStart(16)}  ${vsDense.padStart(8)}  ${r.load.toFixed(1)}`)
  }
  return lines.join('\n')
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      target: { type: 'string', default: '0.97' },
      'max-rounds': { type: 'string', default: '1500' },
      'eval-every': { type: 'string', default: '20' },
      arms: { type: 'string' },
      seed: { type: 'string', default: '1' },
      json: { type: 'boolean', default: false }
    }
  })
  const target = Number(values.target)
  const rows = await runEndToEnd({
    target,
    maxRounds: Number(values['max-rounds']),
    evalEvery: Number(values['eval-every']),
    arms: values.arms?.split(','),
    seed: Number(values.seed)
  })
  console.log(values.json === true ? JSON.stringify(rows, null, 2) : formatEndToEnd(rows, target))
}
