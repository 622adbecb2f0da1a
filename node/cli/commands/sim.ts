import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { getBoolean, getOptionalString } from '../args.ts'
import type { OptionSpec, ParsedArgs } from '../args.ts'
import { CliError } from '../command.ts'
import type { Command } from '../command.ts'
import { createProgress } from '../progress.ts'
import { topologyOptions } from '../topology.ts'
import { EXPERIMENT_DEFAULTS as D } from '../../../lib/experiment/config.ts'
import type { ExperimentConfig } from '../../../lib/experiment/config.ts'

/** CLI option name → config field, for every option that sets a config field. */
const FIELDS: Record<string, keyof ExperimentConfig> = {
  peers: 'peers', topology: 'topology', rows: 'rows', weights: 'weights', algo: 'algo', order: 'order', codec: 'codec',
  gamma: 'gamma', lr: 'lr', momentum: 'momentum', 'weight-decay': 'weightDecay', 'local-steps': 'localSteps', batch: 'batch',
  dataset: 'dataset', 'data-dir': 'dataDir', normalize: 'normalize', partition: 'partition', model: 'model', backend: 'backend',
  dim: 'dim', rounds: 'rounds', 'eval-every': 'evalEvery', 'eval-limit': 'evalLimit', 'peer-eval-limit': 'peerEvalLimit',
  drop: 'drop', offline: 'offline', seed: 'seed'
}

// Defaults are shown in --help but applied by resolveExperiment, so that --config values are not overridden by them.
const options: OptionSpec[] = [
  { name: 'config', type: 'string', placeholder: 'FILE', description: 'start from a run config (e.g. runs/x/config.json); flags given too override its fields' },
  { name: 'out', type: 'string', placeholder: 'DIR', description: 'output folder for metrics.jsonl, config.json, summary.json (default: runs/sim-<time>)' },
  { name: 'peers', type: 'int', min: 1, max: 4096, description: `number of virtual peers (default: ${D.peers})` },
  ...topologyOptions.map((o) => ({ ...o, default: undefined, description: `${o.description}${o.default !== undefined ? ` (default: ${String(o.default)})` : ''}` })),
  { name: 'algo', type: 'string', choices: ['gossip', 'dpsgd', 'choco'], description: `algorithm: gossip averaging of random vectors, D-PSGD, CHOCO-SGD (default: ${D.algo})` },
  { name: 'order', type: 'string', choices: ['atc', 'cta'], description: `D-PSGD: adapt-then-combine or combine-then-adapt (default: ${D.order})` },
  { name: 'codec', type: 'string', placeholder: 'SPEC', description: `compression: none, fp16, qsgd:S, topk:F, randk:F, sign, ef(SPEC) (default: ${D.codec})` },
  { name: 'gamma', type: 'number', min: 0, max: 1, placeholder: 'X', description: 'CHOCO-SGD consensus step γ (default: 1 for lossless codecs, 0.1 otherwise)' },
  { name: 'lr', type: 'number', min: 0, description: `SGD step size η (default: ${D.lr})` },
  { name: 'momentum', type: 'number', min: 0, max: 0.999, description: `heavy-ball momentum (default: ${D.momentum})` },
  { name: 'weight-decay', type: 'number', min: 0, max: 1, description: `L2 weight decay (default: ${D.weightDecay})` },
  { name: 'local-steps', type: 'int', min: 1, description: `local SGD steps H between gossip rounds (default: ${D.localSteps})` },
  { name: 'batch', type: 'int', min: 1, description: `minibatch size a peer (default: ${D.batch})` },
  { name: 'dataset', type: 'string', choices: ['mnist', 'fashion-mnist'], description: `dataset (default: ${D.dataset})` },
  { name: 'data-dir', type: 'string', placeholder: 'DIR', description: 'folder with the four IDX files (raw or .gz) instead of the packaged data' },
  { name: 'normalize', type: 'boolean', description: `standardise pixels with the train set's mean/std; --no-normalize keeps [0, 1] (default: ${String(D.normalize)})` },
  { name: 'partition', type: 'string', placeholder: 'SPEC', description: `data split: iid, dirichlet:ALPHA, shards:K (default: ${D.partition})` },
  { name: 'model', type: 'string', placeholder: 'SPEC', description: `softmax, mlp, mlp:H1,H2,..., cnn (default: ${D.model})` },
  { name: 'backend', type: 'string', choices: ['auto', 'tensorflow', 'wasm', 'cpu'], description: `tfjs backend; auto = tfjs-node, else wasm, else cpu (default: ${D.backend})` },
  { name: 'dim', type: 'int', min: 1, description: `gossip only: dimension of the averaged vectors (default: ${D.dim})` },
  { name: 'rounds', type: 'int', min: 0, description: `rounds to run (default: ${D.rounds})` },
  { name: 'eval-every', type: 'int', min: 0, description: `test the averaged model every N rounds; 0 = at the end only (default: ${D.evalEvery})` },
  { name: 'eval-limit', type: 'int', min: 0, description: `test samples for the averaged model; 0 = all (default: ${D.evalLimit})` },
  { name: 'peer-eval-limit', type: 'int', min: 0, description: `test samples for each peer's own model between evaluations; the last round uses all; 0 = all (default: ${D.peerEvalLimit})` },
  { name: 'drop', type: 'number', min: 0, max: 0.99, description: `probability that a message is lost (default: ${D.drop})` },
  { name: 'offline', type: 'number', min: 0, max: 0.99, description: `probability that a peer sits a round out (default: ${D.offline})` },
  { name: 'seed', type: 'int', min: 0, max: 0xffffffff, description: `seed of everything random (default: ${D.seed})` },
  { name: 'quiet', type: 'boolean', description: 'no progress line' }
]

function readConfigFile (path: string): Partial<ExperimentConfig> {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (err: any) {
    throw new CliError(`cannot read --config '${path}': ${err.code ?? err.message}`)
  }
  let parsed: any
  try {
    parsed = JSON.parse(text)
  } catch (err: any) {
    throw new CliError(`--config '${path}' is not valid JSON: ${err.message}`)
  }
  // a run's config.json wraps the experiment in { experiment, ... }
  const exp = parsed?.experiment ?? parsed
  if (exp == null || typeof exp !== 'object' || Array.isArray(exp)) throw new CliError(`--config '${path}' must hold a JSON object of config fields`)
  return exp
}

/** The experiment config of a command line: --config first, then every flag given explicitly. */
export function experimentFromArgs (args: ParsedArgs): Partial<ExperimentConfig> {
  const file = getOptionalString(args, 'config')
  const partial: Record<string, unknown> = file !== undefined ? { ...readConfigFile(file) } : {}
  for (const [flag, field] of Object.entries(FIELDS)) {
    const v = args.values[flag]
    if (v !== undefined) partial[field] = v
  }
  return partial as Partial<ExperimentConfig>
}

function pct (x: number | null): string {
  return x === null ? 'n/a' : `${(x * 100).toFixed(2)} %`
}

function mb (bytes: number): string {
  return bytes >= 1e9 ? `${(bytes / 1e9).toFixed(2)} GB` : `${(bytes / 1e6).toFixed(2)} MB`
}

function stamp (): string {
  return new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15)
}

export const simCommand: Command = {
  name: 'sim',
  summary: 'simulate n peers in one process (same algorithm code as the network) and write metrics',
  details: 'Writes OUT/config.json (everything needed to rerun: murmur sim --config OUT/config.json), ' +
    'OUT/metrics.jsonl (one object a round: round, trainLoss, accuracy, peerAccuracyMin, peerAccuracyMean, ' +
    'consensusDistance, bytesSent, lambda2, ...; schema in the README) and OUT/summary.json. ' +
    'Ctrl-C stops after the current round, evaluates and still writes the summary.',
  options,
  examples: [
    'murmur sim --peers 16 --topology ring --algo dpsgd --codec none --dataset mnist --partition iid --rounds 200 --seed 1 --out runs/x',
    'murmur sim --algo choco --codec topk:0.01 --gamma 0.1 --rounds 600 --out runs/choco',
    'murmur sim --algo gossip --topology torus --peers 64 --dim 1000 --rounds 100 --out runs/consensus'
  ],
  async run (args, io) {
    const { runExperiment, resolveExperiment } = await import('../../../lib/experiment/index.ts')
    const config = resolveExperiment(experimentFromArgs(args))
    const out = resolve(getOptionalString(args, 'out') ?? join('runs', `sim-${stamp()}`))
    mkdirSync(out, { recursive: true })
    const metricsPath = join(out, 'metrics.jsonl')
    writeFileSync(metricsPath, '')
    const quiet = getBoolean(args, 'quiet')
    const progress = createProgress({ total: config.rounds, label: 'sim', isTTY: io.isTTY, write: (t) => { if (!quiet) process.stderr.write(t) } })
    let stop = false
    const onSigint = (): void => { stop = true; io.err('\nmurmur sim: stopping after this round (Ctrl-C again to abort)'); process.once('SIGINT', () => process.exit(130)) }
    process.once('SIGINT', onSigint)
    let lastAcc: number | null = null
    try {
      const summary = await runExperiment(config, {
        onStart: (info) => {
          writeFileSync(join(out, 'config.json'), JSON.stringify({
            experiment: config,
            murmur: { command: 'sim', argv: process.argv.slice(2), version: readVersion(), node: process.versions.node, backend: info.backend },
            derived: { dim: info.dim, edges: info.edges, lambda2: info.lambda2, spectralGap: info.spectralGap, trainSamples: info.trainSamples, shardSizes: info.shardSizes, partitionSkew: info.partitionSkew }
          }, null, 2) + '\n')
          io.err(`murmur sim: ${config.peers} peers, ${config.topology} (lambda2 ${info.lambda2.toFixed(4)}, gap ${info.spectralGap.toFixed(4)}), ` +
            `${config.algo}${config.algo === 'gossip' ? ` d=${info.dim}` : ` on ${config.dataset} ${config.partition}, ${config.model} (${info.dim} params), backend ${String(info.backend)}`}, ` +
            `codec ${config.codec}, ${config.rounds} rounds -> ${out}`)
        },
        onRound: (rec) => {
          appendFileSync(metricsPath, JSON.stringify(rec) + '\n')
          if (rec.accuracy !== null) lastAcc = rec.accuracy
          const status = config.algo === 'gossip'
            ? `consensus ${rec.consensusDistance.toExponential(2)}`
            : `loss ${rec.trainLoss.toFixed(3)} acc ${pct(lastAcc)} consensus ${rec.consensusDistance.toExponential(2)}`
          progress.update(rec.round, status)
        },
        shouldStop: () => stop
      })
      progress.done()
      writeFileSync(join(out, 'summary.json'), JSON.stringify(summary, null, 2) + '\n')
      const lines = [
        `rounds            ${summary.rounds} in ${summary.wallSeconds.toFixed(1)} s (${summary.roundsPerSecond.toFixed(1)} rounds/s)`,
        ...(config.algo === 'gossip'
          ? []
          : [
              `accuracy          ${pct(summary.accuracy)} averaged model (best ${pct(summary.bestAccuracy)})`,
              `peer accuracy     min ${pct(summary.peerAccuracyMin)}, mean ${pct(summary.peerAccuracyMean)} (each peer's own model)`,
              `rounds to 97 %    ${summary.roundsToAccuracy['0.97'] ?? 'not reached'}`
            ]),
        `consensus         ${summary.consensusDistance.toExponential(3)}  (1/n) Σ‖x_i − x̄‖²`,
        `bytes sent        ${mb(summary.bytesSent)} total, ${Math.round(summary.bytesPerPeerPerRound).toLocaleString('en-US')} a peer a round`,
        `topology          lambda2 ${summary.lambda2.toFixed(6)}, gap ${summary.spectralGap.toFixed(6)}`,
        `output            ${out}`
      ]
      io.out(lines.join('\n'))
      return 0
    } finally {
      process.removeListener('SIGINT', onSigint)
    }
  }
}

function readVersion (): string {
  return (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version
}
