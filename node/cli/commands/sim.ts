import { appendFileSync, existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { constants } from 'node:os'
import { join, resolve } from 'node:path'
import { getBoolean, getOptionalString } from '../args.ts'
import type { OptionSpec } from '../args.ts'
import { CliError, checkOutFolder } from '../command.ts'
import type { Command } from '../command.ts'
import { asOptionError, configFromArgs, SIM_OPTIONS } from '../experiment-options.ts'
import { formatNearOne, formatSmall } from '../topology.ts'
import { createProgress } from '../progress.ts'
import { createNewFolder } from '../../peer/files.ts'
import { makeFolder } from '../../fs/make-folder.ts'
import { nonFiniteCauses } from '../../../lib/algorithms/index.ts'

const options: OptionSpec[] = [
  { name: 'out', type: 'string', placeholder: 'DIR', description: 'output folder for metrics.jsonl, config.json, summary.json, created once the run has started; one that holds a run, or a config.json murmur did not write, is refused without --force (default: a new runs/sim-<time>, or runs/sim-<time>-2, ... when taken)' },
  { name: 'force', type: 'boolean', description: 'overwrite the run in --out DIR (its metrics.jsonl, config.json and summary.json), or a config.json of yours there' },
  ...SIM_OPTIONS,
  { name: 'quiet', type: 'boolean', description: 'no progress line' }
]

function pct (x: number | null): string {
  return x === null ? 'n/a' : `${(x * 100).toFixed(2)} %`
}

/** a consensus distance, or n/a when none was measured (NaN: no round ran, or a round that skipped the measurement) */
function sci (x: number, digits: number): string {
  return Number.isFinite(x) ? x.toExponential(digits) : 'n/a'
}

function mb (bytes: number): string {
  return bytes >= 1e9 ? `${(bytes / 1e9).toFixed(2)} GB` : `${(bytes / 1e6).toFixed(2)} MB`
}

function stamp (): string {
  return new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15)
}

/** The files that make a folder a run's: --out refuses to write over them without --force. */
const RUN_FILES = ['metrics.jsonl', 'summary.json']

/**
 * Whether a config.json is one murmur sim wrote ({ experiment, murmur, derived }), which a run in its folder may
 * replace; a hand-written one (a config kept beside the runs, even an { experiment }-wrapped --config) is not.
 */
export function isMurmurRunConfig (file: string): boolean {
  try {
    const c = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown> | null
    const isObject = (x: unknown): boolean => typeof x === 'object' && x !== null && !Array.isArray(x)
    return isObject(c) && isObject(c?.experiment) && isObject(c?.murmur)
  } catch {
    return false
  }
}

/**
 * Refuses, before any work, an --out that is not a folder, already holds a run, or holds a config.json murmur did not
 * write, which the run would replace (unless forced).
 */
function checkOut (out: string, force: boolean): void {
  checkOutFolder(out, '--out')
  if (!existsSync(out)) return
  if (!statSync(out).isDirectory()) throw new CliError(`--out '${out}' exists and is not a folder`)
  if (force) return
  const found = RUN_FILES.filter((f) => existsSync(join(out, f)))
  if (found.length > 0) {
    throw new CliError(`--out '${out}' holds a run (${found.join(', ')}); pass --force to overwrite it, or --out another folder`)
  }
  const config = join(out, 'config.json')
  if (existsSync(config) && !isMurmurRunConfig(config)) {
    throw new CliError(`--out '${out}' holds a config.json that murmur did not write, and the run would replace it with its own; ` +
      'pass --force to replace it, or --out another folder')
  }
}

/** The round the averaged model first reached the highest accuracy threshold it reached, as the summary prints it. */
export function roundsToLine (summary: { rounds: number, bestAccuracy: number | null, roundsToAccuracy: Record<string, number | null> }): string {
  const thresholds = Object.keys(summary.roundsToAccuracy).sort((a, b) => Number(a) - Number(b))
  const label = (t: string): string => `rounds to ${(Number(t) * 100).toFixed(0)} %`.padEnd(18)
  const reached = thresholds.filter((t) => summary.roundsToAccuracy[t] !== null)
  if (thresholds.length === 0 || summary.bestAccuracy === null) return `${label(thresholds[0] ?? '0.9')}n/a (${summary.rounds === 0 ? 'no round ran' : 'no accuracy measured'})`
  if (reached.length === 0) return `${label(thresholds[0])}not reached`
  const top = reached[reached.length - 1]
  const next = thresholds[thresholds.indexOf(top) + 1]
  return `${label(top)}${String(summary.roundsToAccuracy[top])}${next === undefined ? '' : ` (${(Number(next) * 100).toFixed(0)} % not reached)`}`
}

/**
 * A note when the batch is larger than a peer's shard: a step then takes the whole shard (lib/data batcher), so the
 * batch a peer trains on is its shard, not --batch.
 */
export function batchNote (batch: number, shardSizes: { min: number, max: number } | null): string | undefined {
  if (shardSizes === null || batch <= shardSizes.min) return undefined
  const shards = shardSizes.min === shardSizes.max
    ? `a peer's shard (${shardSizes.min.toLocaleString('en-US')} samples)`
    : `${batch > shardSizes.max ? 'every' : 'the smallest'} peer's shard (${shardSizes.min.toLocaleString('en-US')} to ${shardSizes.max.toLocaleString('en-US')} samples)`
  return `batch ${batch.toLocaleString('en-US')} is larger than ${shards}: a step takes the whole shard instead`
}

export const simCommand: Command = {
  name: 'sim',
  summary: 'simulate n peers in one process (same algorithm code as the network) and write metrics',
  details: 'Writes OUT/config.json (everything needed to rerun: murmur sim --config OUT/config.json), ' +
    'OUT/metrics.jsonl (one object a round: round, trainLoss, accuracy, peerAccuracyMin, peerAccuracyMean, ' +
    'consensusDistance, bytesSent, lambda2, ...; schema in the README) and OUT/summary.json. ' +
    'Ctrl-C stops after the current round, evaluates and still writes the summary (with stopped: the round it reached), then exits 130; a second Ctrl-C aborts at once.',
  options,
  examples: [
    'murmur sim --peers 16 --topology ring --algo dpsgd --codec none --dataset mnist --partition iid --rounds 200 --seed 1 --out runs/x',
    'murmur sim --algo choco --codec topk:0.01 --gamma 0.05 --lr 0.02 --rounds 1000 --out runs/choco',
    'murmur sim --algo gossip --topology torus --peers 64 --dim 1000 --rounds 100 --out runs/consensus'
  ],
  async run (args, io) {
    const { configNotes, detectDivergence, DIVERGENCE_FACTOR, EXPERIMENT_DEFAULTS, runExperiment, resolveExperiment, RunDivergedError } = await import('../../../lib/experiment/index.ts')
    // a network run's config (a cluster's run.json, a peer's --config) has fields a simulation has no use for
    const { runId, roundDeadlineMs, ...partial } = configFromArgs(args)
    const ignored = Object.entries({ runId, roundDeadlineMs }).filter(([, v]) => v !== undefined).map(([k]) => k)
    if (ignored.length > 0) io.err(`murmur sim: ignoring ${ignored.join(' and ')} of --config (network run fields)`)
    let config: ReturnType<typeof resolveExperiment>
    try {
      config = resolveExperiment(partial)
    } catch (err) {
      throw asOptionError(err, args)
    }
    for (const note of configNotes(config)) io.err(`murmur sim: warning: ${note}`)
    // like runId and roundDeadlineMs, a network setting: run (and kept in config.json, for murmur cluster --config),
    // but said, since the simulator steps its peers in lockstep and the result is exactly the synchronous one's
    if (config.sync === 'async') {
      const staleness = config.staleness !== EXPERIMENT_DEFAULTS.staleness ? ` (staleness ${config.staleness} has no effect either)` : ''
      io.err('murmur sim: warning: sync async runs as synchronous rounds here: the simulator steps every peer in lockstep, so each mixes ' +
        `its neighbours' messages of the same round, exactly as --sync sync${staleness}; --sync async is for murmur peer and murmur cluster`)
    }
    const given = getOptionalString(args, 'out')
    const force = getBoolean(args, 'force')
    if (given !== undefined) checkOut(resolve(given), force)
    // the folder is created (and an old run's files replaced) only once runExperiment has loaded the data and
    // built the model and the peers: a run that cannot start leaves the disk as it was
    let out = given !== undefined ? resolve(given) : '' // the default folder is named when it is created
    let metricsPath = ''
    let started = false
    const quiet = getBoolean(args, 'quiet')
    const progress = createProgress({ total: config.rounds, label: 'sim', isTTY: io.isTTY, write: (t) => { if (!quiet) process.stderr.write(t) } })
    let stop = false
    const onSigint = (): void => { stop = true; io.err('\nmurmur sim: stopping after this round (Ctrl-C again to abort)'); process.once('SIGINT', () => process.exit(130)) }
    process.once('SIGINT', onSigint)
    let lastAcc: number | null = null
    const losses: Array<{ round: number, trainLoss: number }> = []
    try {
      const summary = await runExperiment(config, {
        onStart: (info) => {
          started = true
          if (given !== undefined) {
            makeFolder(out)
            if (force) rmSync(join(out, 'summary.json'), { force: true }) // the old run's, until this one ends
          } else {
            out = createNewFolder(resolve('runs'), `sim-${stamp()}`)
          }
          metricsPath = join(out, 'metrics.jsonl')
          writeFileSync(metricsPath, '')
          writeFileSync(join(out, 'config.json'), JSON.stringify({
            experiment: config,
            murmur: { command: 'sim', argv: process.argv.slice(2), version: readVersion(), node: process.versions.node, backend: info.backend },
            derived: { dim: info.dim, edges: info.edges, lambda2: info.lambda2, spectralGap: info.spectralGap, trainSamples: info.trainSamples, testSamples: info.testSamples, shardSizes: info.shardSizes, partitionSkew: info.partitionSkew }
          }, null, 2) + '\n')
          io.err(`murmur sim: ${config.peers} ${config.peers === 1 ? 'peer' : 'peers'}, ${config.topology} (${info.topologyNote !== undefined ? `${info.topologyNote}; ` : ''}lambda2 ${formatNearOne(info.lambda2)}, gap ${formatSmall(info.spectralGap)}), ` +
            `${config.algo}${config.algo === 'gossip' ? ` d=${info.dim}` : ` on ${config.dataset} ${config.partition}, ${config.model} (${info.dim} params), backend ${String(info.backend)}`}, ` +
            `codec ${config.codec}, ${config.rounds} ${config.rounds === 1 ? 'round' : 'rounds'} -> ${out}`)
          const batch = config.algo === 'gossip' ? undefined : batchNote(config.batch, info.shardSizes)
          if (batch !== undefined) io.err(`murmur sim: warning: ${batch}`)
          if (config.aggregate !== 'mean' || config.attack !== undefined) {
            io.err(`murmur sim: aggregate ${config.aggregate}${config.attack !== undefined ? `; peers ${(config.attackers ?? []).join(', ')} attack with ${config.attack} (accuracy figures: honest peers only)` : ''}`)
          }
        },
        onRound: (rec) => {
          appendFileSync(metricsPath, JSON.stringify(rec) + '\n')
          losses.push({ round: rec.round, trainLoss: rec.trainLoss })
          if (rec.accuracy !== null) lastAcc = rec.accuracy
          const status = config.algo === 'gossip'
            ? `consensus ${sci(rec.consensusDistance, 2)}`
            : `loss ${rec.trainLoss.toFixed(3)} acc ${pct(lastAcc)} consensus ${sci(rec.consensusDistance, 2)}`
          progress.update(rec.round, status)
        },
        shouldStop: () => stop
      }).catch((err: unknown) => {
        if (!started) throw asOptionError(err, args)
        // the rounds before a divergence are a result too (a step-size sweep wants them): keep their summary
        if (err instanceof RunDivergedError) {
          progress.done(undefined, err.summary.rounds)
          writeFileSync(join(out, 'summary.json'), JSON.stringify(err.summary, null, 2) + '\n')
        }
        throw err
      })
      progress.done(undefined, summary.rounds)
      // stopped by Ctrl-C before its last round: the summary says so, and the exit code is 128 + SIGINT's number, as
      // murmur cluster's (a script that loops over runs can tell a finished run from an interrupted one)
      const stopped = stop && summary.rounds < config.rounds ? { by: 'SIGINT' as const, round: summary.rounds, rounds: config.rounds } : undefined
      writeFileSync(join(out, 'summary.json'), JSON.stringify(stopped !== undefined ? { ...summary, stopped } : summary, null, 2) + '\n')
      const lines = [
        `rounds            ${summary.rounds} in ${summary.wallSeconds.toFixed(1)} s (${summary.roundsPerSecond.toFixed(1)} rounds/s)`,
        ...(config.algo === 'gossip'
          ? []
          : [
              `accuracy          ${pct(summary.accuracy)} averaged model (best ${pct(summary.bestAccuracy)})`,
              `peer accuracy     min ${pct(summary.peerAccuracyMin)}, mean ${pct(summary.peerAccuracyMean)} (each peer's own model)`,
              roundsToLine(summary)
            ]),
        `consensus         ${summary.rounds === 0 ? 'n/a (no round ran)' : `${sci(summary.consensusDistance, 3)}  (1/n) Σ‖x_i − x̄‖²`}`,
        `bytes sent        ${mb(summary.bytesSent)} total, ${Math.round(summary.bytesPerPeerPerRound).toLocaleString('en-US')} a peer a round`,
        `topology          lambda2 ${formatNearOne(summary.lambda2)}, gap ${formatSmall(summary.spectralGap)}`,
        `output            ${out}`,
        ...(stopped !== undefined ? [`stopped           by SIGINT at round ${stopped.round} of ${stopped.rounds}: the figures are those of the rounds run (exit code 130)`] : [])
      ]
      io.out(lines.join('\n'))
      // finite but blown up: exit 0 (the run ran), and say so rather than let the figures pass for a result
      const d = detectDivergence(losses)
      if (d !== null) {
        io.err(`murmur sim: warning: the run diverged: the mean training loss rose from ${sci(d.first, 3)} (round ${d.firstRound}) to ${sci(d.peak, 3)} (round ${d.peakRound}), ` +
          `more than ${DIVERGENCE_FACTOR}× its start; the figures above describe a broken model: ${nonFiniteCauses(config)}`)
      }
      return stopped !== undefined ? 128 + SIGINT_NUMBER : 0
    } finally {
      process.removeListener('SIGINT', onSigint)
    }
  }
}

/** SIGINT's number on this platform (2 on Linux and macOS) */
const SIGINT_NUMBER = constants.signals.SIGINT

function readVersion (): string {
  return (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version
}
