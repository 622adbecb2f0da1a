/**
 * End to end (issue 5, part 5): 16 peers on a ring train the MNIST MLP until the averaged model reaches 97 % test
 * accuracy, against centralized SGD in one process on the same data, backend, model, optimiser and machine; and the
 * bytes every arm sent to get there. The peers are simulated (one process, `murmur sim`'s code) or real
 * (`murmur cluster`: one `murmur peer` process a peer over loopback TCP + Noise + Yamux, scripts/bench/end-to-end-peers.ts).
 *
 *   node scripts/bench/end-to-end.ts [--target 0.97] [--max-rounds 1500] [--eval-every 20] [--peers 16] [--seed 1]
 *        [--arms central:32,central:512,dpsgd:none,dpsgd:fp16,choco:qsgd:256,choco:topk:0.01,central:32,cluster:dpsgd:none,central:32,cluster:choco:topk:0.01]
 *        [--keep] [--json]
 *
 * Arms, run in the order given:
 * - `central:B[:LR]`: the baseline, the same experiment code with one peer (lib/experiment, peers 1: no neighbours,
 *   so D-PSGD is plain SGD with heavy-ball momentum on the whole training set):
 *   - batch 512 = 16 × 32, the samples one D-PSGD round consumes, with the peers' step size and momentum
 *     (η = 0.05, 0.9): what the 16 peers would do as one machine computing the exact mean gradient (the
 *     "same total batch", the same algorithm without communication);
 *   - batch 32, the batch of one peer: the usual single-process training, the same compute per step, with
 *     η = 0.01 (momentum 0.9): the peers' η = 0.05 plateaus near 95 % at batch 32 (measured here: 95.3 % after
 *     11,200 steps), a smaller step is what anyone would use.
 *   Both are evaluated on the full test set after the same number of training samples as the peers (every
 *   `evalEvery` rounds = evalEvery × 512 samples).
 * - `dpsgd:CODEC`, `choco:CODEC`: simulated peers; `cluster:dpsgd:CODEC`, `cluster:choco:CODEC`: real processes.
 *   CHOCO-SGD runs with γ 0.05 and η 0.02 in both (the settings of `murmur cluster`'s example and README runs;
 *   γ 0.1 drifted apart over real links that lose messages).
 * Running `central:32` again before each real-process arm puts the baseline next to it on a shared machine: each
 * arm's time is given as a ratio to the latest `central:32` run before it.
 *
 * Time to 97 % is training time up to the first evaluation at or above the target, EVALUATION EXCLUDED in every arm:
 * simulated and centralized arms sum the rounds' wall time (lib/sim's `wallMs`: local steps and mixing, without the
 * tests and the consensus distance); real processes count from the start of round 1 to the end of that round on
 * every peer, while the averaged model is tested beside them in the cluster's process. The evaluation cost is
 * reported apart. The load average is printed before and after each arm.
 */
import { availableParallelism, loadavg } from 'node:os'
import { getBoolean, getNumber, getOptionalString } from '../../node/cli/args.ts'
import { MAX_ROUNDS, parseScriptArgs, runScript, seedOption, simOption, splitList } from '../lib/script-args.ts'
import type { ScriptSpec } from '../lib/script-args.ts'
import { runExperiment } from '../../lib/experiment/index.ts'
import type { ExperimentConfig } from '../../lib/experiment/index.ts'
import { runProcessArm } from './end-to-end-peers.ts'

export type ArmKind = 'central' | 'sim' | 'processes'

export interface EndToEndArm {
  kind: ArmKind
  name: string
  config: Partial<ExperimentConfig>
}

/** CHOCO-SGD settings of every CHOCO arm, simulated or real (see the header). */
export const CHOCO = { algo: 'choco' as const, gamma: 0.05, lr: 0.02 }
/** Step size of the batch-32 centralized baseline (see the header); other batches use the peers' η 0.05. */
export const CENTRAL_B32_LR = 0.01
const PEER_LR = 0.05

export const DEFAULT_ARMS = ['central:32', 'central:512', 'dpsgd:none', 'dpsgd:fp16', 'choco:qsgd:256', 'choco:topk:0.01',
  'central:32', 'cluster:dpsgd:none', 'central:32', 'cluster:choco:topk:0.01']

export class InvalidArmError extends Error {
  static override name = 'InvalidArmError'
  constructor (message: string) {
    super(message)
    this.name = 'InvalidArmError'
  }
}

const ARM_FORMS = 'central:BATCH[:LR], dpsgd:CODEC, choco:CODEC (simulated peers), cluster:dpsgd:CODEC, cluster:choco:CODEC (real processes)'

function algoArm (spec: string, peers: number, real: boolean): EndToEndArm {
  const colon = spec.indexOf(':')
  const algo = colon < 0 ? spec : spec.slice(0, colon)
  const codec = colon < 0 ? 'none' : spec.slice(colon + 1)
  const who = real ? `${peers} processes` : `${peers} peers, simulated`
  if (algo === 'dpsgd') return { kind: real ? 'processes' : 'sim', name: `${who}, D-PSGD ${codec}`, config: { algo: 'dpsgd', codec } }
  if (algo === 'choco') return { kind: real ? 'processes' : 'sim', name: `${who}, CHOCO ${codec}`, config: { ...CHOCO, codec } }
  throw new InvalidArmError(`--arms: each arm is one of ${ARM_FORMS}; got ${JSON.stringify(real ? `cluster:${spec}` : spec)}`)
}

export function parseArm (spec: string, peers = 16): EndToEndArm {
  if (spec.startsWith('cluster:')) return algoArm(spec.slice('cluster:'.length), peers, true)
  if (spec.startsWith('central:')) {
    const [batchText, lrText] = spec.slice('central:'.length).split(':')
    const batch = Number(batchText)
    const lr = lrText === undefined ? (batch === 32 ? CENTRAL_B32_LR : PEER_LR) : Number(lrText)
    if (!Number.isInteger(batch) || batch < 1 || !(lr > 0)) throw new InvalidArmError(`--arms: central:BATCH[:LR] takes an integer batch >= 1 and a step size > 0 (e.g. central:32 or central:512:0.05); got ${JSON.stringify(spec)}`)
    return { kind: 'central', name: `centralized SGD, batch ${batch}, η ${lr}`, config: { peers: 1, algo: 'dpsgd', codec: 'none', batch, lr } }
  }
  return algoArm(spec, peers, false)
}

export interface EndToEndRow {
  name: string
  kind: ArmKind
  peers: number
  batch: number
  /** rounds (steps for one peer) to the first evaluation at or above target; null if not reached */
  rounds: number | null
  samples: number | null
  /** training time to that evaluation, evaluation excluded */
  seconds: number | null
  /** what the evaluations up to then cost (simulated: tests and consensus distance, inline; processes: an estimate of the tests the cluster ran beside the peers) */
  evalSeconds: number | null
  /** real processes: from launching the cluster to the start of round 1 */
  startupSeconds: number | null
  /** the averaged model's accuracy at that evaluation */
  accuracy: number | null
  /** the worst peer's own model then (simulated: first 500 test images; processes: all of them); null for one peer */
  worstPeer: number | null
  /** bytes sent by all peers up to that round (the algorithm's messages) */
  bytes: number | null
  bytesPerPeerPerRound: number | null
  /** one-minute load average before and after the arm */
  loadBefore: number
  load: number
}

export interface EndToEndOptions {
  target?: number
  maxRounds?: number
  evalEvery?: number
  arms?: string[]
  seed?: number
  peers?: number
  /** keep the folders of the real-process arms */
  keep?: boolean
  log?: (s: string) => void
}

interface Hit { round: number, trainMs: number, elapsedMs: number, bytes: number, accuracy: number, worst: number | null }

async function runSimArm (arm: EndToEndArm, peers: number, target: number, maxRounds: number, evalEvery: number, seed: number, log: (s: string) => void): Promise<EndToEndRow> {
  const loadBefore = loadavg()[0]
  let hit: Hit | null = null
  let trainMs = 0
  const n = arm.config.peers ?? peers
  const batch = arm.config.batch ?? 32
  await runExperiment({ topology: 'ring', seed, ...arm.config, peers: n, rounds: maxRounds, evalEvery, evalLimit: 0, peerEvalLimit: 500 }, {
    onRound: (rec) => {
      trainMs += rec.wallMs
      if (hit !== null || rec.accuracy === null) return
      if (rec.round % (evalEvery * 5) === 0 || rec.accuracy >= target) {
        log(`  ${arm.name}: round ${rec.round}/${maxRounds}, accuracy ${(100 * rec.accuracy).toFixed(2)} %, ${(trainMs / 1000).toFixed(0)} s training (+${((rec.elapsedMs - trainMs) / 1000).toFixed(0)} s evaluating)`)
      }
      if (rec.accuracy >= target) hit = { round: rec.round, trainMs, elapsedMs: rec.elapsedMs, bytes: rec.bytesSent, accuracy: rec.accuracy, worst: n > 1 ? rec.peerAccuracyMin : null }
    },
    shouldStop: () => hit !== null
  })
  const h = hit as Hit | null
  return {
    name: arm.name,
    kind: arm.kind,
    peers: n,
    batch,
    rounds: h?.round ?? null,
    samples: h === null ? null : h.round * n * batch,
    seconds: h === null ? null : h.trainMs / 1000,
    evalSeconds: h === null ? null : (h.elapsedMs - h.trainMs) / 1000,
    startupSeconds: null,
    accuracy: h?.accuracy ?? null,
    worstPeer: h?.worst ?? null,
    bytes: h?.bytes ?? null,
    bytesPerPeerPerRound: h === null ? null : h.bytes / h.round / n,
    loadBefore,
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
  const arms = (opts.arms ?? DEFAULT_ARMS).map((spec) => parseArm(spec, peers)) // every spec checked before anything runs
  const rows: EndToEndRow[] = []
  const total = peers * 32
  for (const [i, arm] of arms.entries()) {
    log(`[${i + 1}/${arms.length}] ${arm.name} (load ${loadavg()[0].toFixed(1)})`)
    if (arm.kind === 'central') {
      // evaluated after the same numbers of samples as the peers: evalEvery × peers × 32
      const batch = arm.config.batch ?? 32
      const scale = total / batch
      rows.push(await runSimArm(arm, peers, target, Math.round(maxRounds * scale), Math.max(1, Math.round(evalEvery * scale)), seed, log))
    } else if (arm.kind === 'sim') {
      rows.push(await runSimArm(arm, peers, target, maxRounds, evalEvery, seed, log))
    } else {
      const loadBefore = loadavg()[0]
      const r = await runProcessArm(arm.config, { peers, target, maxRounds, evalEvery, seed, log, keep: opts.keep })
      if (r.out !== null) log(`  kept ${r.out}`)
      rows.push({
        name: arm.name,
        kind: arm.kind,
        peers,
        batch: 32,
        rounds: r.rounds,
        samples: r.rounds === null ? null : r.rounds * peers * 32,
        seconds: r.seconds,
        evalSeconds: r.evalSeconds,
        startupSeconds: r.startupSeconds,
        accuracy: r.accuracy,
        worstPeer: r.worstPeer,
        bytes: r.bytes,
        bytesPerPeerPerRound: r.bytes === null || r.rounds === null ? null : r.bytes / r.rounds / peers,
        loadBefore,
        load: loadavg()[0]
      })
    }
  }
  return rows
}

const isBaseline = (r: EndToEndRow): boolean => r.kind === 'central' && r.batch === 32

/** The batch-32 centralized row a row's time is compared with: the latest one run before it, else the first. */
export function baselineOf (rows: readonly EndToEndRow[], i: number): EndToEndRow | undefined {
  for (let j = i; j >= 0; j--) if (isBaseline(rows[j])) return rows[j]
  return rows.find(isBaseline)
}

/** The dense D-PSGD row a row's bytes are compared with: the same kind (simulated or processes) first. */
function denseOf (rows: readonly EndToEndRow[], r: EndToEndRow): EndToEndRow | undefined {
  const dense = rows.filter((x) => x.kind !== 'central' && x.name.endsWith('D-PSGD none'))
  return dense.find((x) => x.kind === r.kind) ?? dense[0]
}

const num = (x: number | null, digits = 1): string => x === null ? '—' : x.toFixed(digits)
const int = (x: number | null): string => x === null ? '—' : Math.round(x).toLocaleString('en-US')
const pct = (x: number | null): string => x === null ? '—' : `${(100 * x).toFixed(2)} %`

/** The rows as a table; time as a ratio to the latest batch-32 centralized run before the row, bytes to dense D-PSGD. */
export function formatEndToEnd (rows: EndToEndRow[], target: number): string {
  const procs = rows.find((r) => r.kind === 'processes')
  const lines = [`time and bytes to ${(100 * target).toFixed(0)} % test accuracy of the averaged model (MNIST MLP 784-128-10, iid, ring, batch 32 a peer, η 0.05 momentum 0.9; CHOCO: η 0.02, γ ${CHOCO.gamma})`,
    'seconds: training only, evaluation excluded in every arm (its cost in "eval s"); "vs b32": ratio to the latest centralized batch-32 run before the row;',
    `worst peer: simulated on the first 500 test images, processes on all 10,000; processes share this machine's ${availableParallelism()} cores${procs === undefined ? '' : ` (${procs.peers} processes: ${(availableParallelism() / procs.peers).toFixed(2)} of a core each)`}`]
  lines.push('arm                                  steps  samples     seconds  vs b32   eval s  start s  accuracy  worst peer   bytes (all peers)  bytes/peer/round  vs dense  load')
  for (const [i, r] of rows.entries()) {
    const base = baselineOf(rows, i)
    const ratio = r.seconds !== null && base?.seconds != null ? `${(r.seconds / base.seconds).toFixed(2)}x` : '—'
    const dense = denseOf(rows, r)
    const vsDense = r.bytes !== null && dense?.bytes != null && r.bytes > 0 ? `${(dense.bytes / r.bytes).toFixed(1)}x` : '—'
    lines.push([
      r.name.padEnd(36), String(r.rounds ?? 'not reached').padStart(6), int(r.samples).padStart(8), num(r.seconds).padStart(11), ratio.padStart(7),
      num(r.evalSeconds).padStart(8), num(r.startupSeconds).padStart(8), pct(r.accuracy).padStart(9), pct(r.worstPeer).padStart(11),
      int(r.bytes).padStart(19), int(r.bytesPerPeerPerRound).padStart(17), vsDense.padStart(9), ` ${r.loadBefore.toFixed(1)} -> ${r.load.toFixed(1)}`
    ].join(' '))
  }
  return lines.join('\n')
}

/** What is wrong with a comma-separated list of arms (undefined: nothing). */
function armsProblem (text: string): string | undefined {
  const arms = splitList(text)
  if (arms.length === 0) return `expected a comma-separated list of arms: ${ARM_FORMS}`
  for (const arm of arms) {
    let codec: string | undefined
    try {
      codec = parseArm(arm).config.codec
    } catch (err) {
      if (!(err instanceof InvalidArmError)) throw err
      return err.message.replace(/^--arms: /, '')
    }
    const problem = codec === undefined ? undefined : simOption('codec').check?.(codec)
    if (problem !== undefined) return `arm '${arm}': codec ${problem}`
  }
  return undefined
}

export const END_TO_END_SPEC: ScriptSpec = {
  name: 'end-to-end',
  run: 'node scripts/bench/end-to-end.ts',
  summary: 'Time and bytes to a test accuracy (97 %) on MNIST: peers on a ring, simulated or as real murmur peer processes, against centralized SGD in one process on the same data, backend and optimiser',
  details: `Arms, run in the order given: ${ARM_FORMS}. By default ${DEFAULT_ARMS.join(',')} ` +
    '(about 6 minutes). Time is training time up to the first evaluation at or above --target, evaluation excluded in every arm; each ' +
    'arm\'s time is also a ratio to the latest central:32 run before it. Progress goes to stderr, the table to stdout.',
  options: [
    { name: 'target', type: 'number', min: 0, max: 1, exclusiveMin: true, default: 0.97, placeholder: 'ACC', description: 'test accuracy of the averaged model to reach' },
    { name: 'max-rounds', type: 'int', min: 1, max: MAX_ROUNDS, default: 1500, description: 'the most rounds of an arm of peers (centralized arms: as many samples)' },
    { name: 'eval-every', type: 'int', min: 1, max: MAX_ROUNDS, default: 20, description: 'rounds between evaluations' },
    { ...simOption('peers'), min: 2, default: 16, description: 'peers of the simulated and real-process arms' },
    {
      name: 'arms',
      type: 'string',
      placeholder: 'ARMS',
      allowed: `a comma-separated list of arms: ${ARM_FORMS}`,
      description: 'the arms to run, comma-separated, in order (default: the ten above)',
      check: (v) => armsProblem(String(v))
    },
    seedOption('seed of the data split, the models and the sampling'),
    { name: 'keep', type: 'boolean', default: false, description: 'keep the folders of the real-process arms' },
    { name: 'json', type: 'boolean', default: false, description: 'print the rows as JSON instead of the table' }
  ],
  examples: [
    'node scripts/bench/end-to-end.ts --arms central:32,dpsgd:none,choco:topk:0.01 --json',
    'node scripts/bench/end-to-end.ts --arms central:32,cluster:dpsgd:none'
  ],
  exitCodes: '0 after the table is printed (an arm that did not reach the target included), 1 when an arm failed, 2 for a bad option.'
}

export interface EndToEndCli { options: EndToEndOptions, target: number, json: boolean }

export function parseEndToEndCli (argv: readonly string[]): EndToEndCli | { help: true } {
  const args = parseScriptArgs(END_TO_END_SPEC, argv)
  if (args.help) return { help: true }
  const target = getNumber(args, 'target')
  const arms = getOptionalString(args, 'arms')
  return {
    options: {
      target,
      maxRounds: getNumber(args, 'max-rounds'),
      evalEvery: getNumber(args, 'eval-every'),
      peers: getNumber(args, 'peers'),
      arms: arms === undefined ? undefined : splitList(arms),
      seed: getNumber(args, 'seed'),
      keep: getBoolean(args, 'keep')
    },
    target,
    json: getBoolean(args, 'json')
  }
}

async function main ({ options, target, json }: EndToEndCli): Promise<undefined> {
  const rows = await runEndToEnd(options)
  console.log(json ? JSON.stringify(rows, null, 2) : formatEndToEnd(rows, target))
  return undefined
}

if (import.meta.main) await runScript(END_TO_END_SPEC, process.argv.slice(2), parseEndToEndCli, main)
