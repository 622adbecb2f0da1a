/**
 * The options that set an experiment (simulated or on the network), declared once for `murmur sim` and
 * `murmur peer`, and how a command line plus an optional --config file become a config.
 */
import { readFileSync } from 'node:fs'
import { closest, getOptionalString, UsageError } from './args.ts'
import type { OptionSpec, ParsedArgs } from './args.ts'
import { CliError, fsReason } from './command.ts'
import { runTopologyOptions } from './topology.ts'
import { JsoncSyntaxError, parseJsonc } from './jsonc.ts'
import { configNotes, EXPERIMENT_BOUNDS as B, EXPERIMENT_DEFAULTS as D, EXPERIMENT_FIELDS } from '../../lib/experiment/config.ts'
import { DEFAULT_ROUND_DEADLINE_MS, DEFAULT_RUN_ID, resolveRunConfig } from '../../lib/experiment/agreement.ts'
import type { RunConfig } from '../../lib/experiment/agreement.ts'
import { CODEC_FORMS, parseCodec } from '../../lib/compress/index.ts'
import { parsePartitionSpec } from '../../lib/data/index.ts'
import { canonicalAggregate, canonicalAttack } from '../../lib/algorithms/index.ts'

const CODEC_ALLOWED = `one of ${CODEC_FORMS.join(', ')}`
const PARTITION_ALLOWED = 'iid, dirichlet:ALPHA (ALPHA > 0, e.g. dirichlet:0.5), shards:K (integer K >= 1 classes a peer)'
const AGGREGATE_ALLOWED = 'mean, clip:TAU (TAU > 0), clip:auto, clip:auto:F (0 < F < 1), trimmed:B (integer B >= 0)'
const ATTACK_ALLOWED = 'signflip, gaussian:SIGMA (SIGMA > 0), alie, alie:Z, ipm, ipm:EPS, nan'
const MODEL_ALLOWED = 'softmax, mlp, mlp:H1,H2,... (hidden layer sizes), cnn, cnn:F1,F2 or cnn:F1,F2,HIDDEN (filters, dense size)'
/**
 * The syntax of lib/model's parseModelSpec, checked here without importing lib/model (it loads tfjs, and
 * `--help` must stay instant); sizes are checked against the dataset when the run starts.
 */
const MODEL_SYNTAX = /^(softmax|mlp(:[1-9]\d*(,[1-9]\d*)*)?|cnn(:[1-9]\d*,[1-9]\d*(,[1-9]\d*)?)?)$/
/** the rule resolveRunConfig enforces on runId (lib/experiment/agreement.ts), checked as the flag is parsed */
const RUN_ID = /^[A-Za-z0-9._-]{1,64}$/
const RUN_ID_ALLOWED = "1 to 64 letters, digits, '.', '_' or '-'"
/** check() of a SPEC option: the parser's own complaint (what arrived, what is allowed), else undefined. */
const parsedBy = (parse: (s: string) => unknown) => (v: unknown): string | undefined => {
  try { parse(String(v)); return undefined } catch (err) { return (err as Error).message }
}

/** CLI option name → config field. */
export const CONFIG_FIELDS: Record<string, string> = {
  peers: 'peers', topology: 'topology', rows: 'rows', weights: 'weights', algo: 'algo', order: 'order', codec: 'codec',
  gamma: 'gamma', lr: 'lr', momentum: 'momentum', 'weight-decay': 'weightDecay', 'local-steps': 'localSteps', overlap: 'overlap', sync: 'sync', staleness: 'staleness', batch: 'batch',
  dataset: 'dataset', 'dataset-dir': 'datasetDir', normalize: 'normalize', partition: 'partition', model: 'model', backend: 'backend',
  dim: 'dim', rounds: 'rounds', 'eval-every': 'evalEvery', 'eval-limit': 'evalLimit', 'peer-eval-limit': 'peerEvalLimit',
  drop: 'drop', offline: 'offline', seed: 'seed', 'run-id': 'runId', 'round-deadline': 'roundDeadlineMs',
  aggregate: 'aggregate', attack: 'attack', attackers: 'attackers'
}

const with0 = (o: OptionSpec): OptionSpec => ({ ...o, default: undefined, description: `${o.description}${o.default !== undefined ? ` (default: ${String(o.default)})` : ''}` })

// Defaults are shown in --help but applied by resolveExperiment, so that --config values are not overridden by them.
const SHARED: OptionSpec[] = [
  { name: 'config', type: 'string', placeholder: 'FILE', description: 'start from a run config (JSON of config fields, or a run\'s config.json); flags given too override its fields' },
  { name: 'peers', type: 'int', ...B.peers, description: `number of peers n (default: ${D.peers})` },
  // a run's --rows has the config's bound (murmur graph's has none)
  ...runTopologyOptions.map((o) => with0(o.name === 'rows' ? { ...o, ...B.rows } : o)),
  { name: 'algo', type: 'string', choices: ['gossip', 'dpsgd', 'choco'], description: `algorithm: gossip averaging of random vectors, D-PSGD, CHOCO-SGD (default: ${D.algo})` },
  { name: 'order', type: 'string', choices: ['atc', 'cta'], description: `D-PSGD: adapt-then-combine or combine-then-adapt (default: ${D.order})` },
  { name: 'codec', type: 'string', placeholder: 'SPEC', allowed: CODEC_ALLOWED, check: parsedBy(parseCodec), description: `compression: none, fp16, qsgd:S, topk:F, randk:F, sign, ef(SPEC) (default: ${D.codec})` },
  { name: 'gamma', type: 'number', ...B.gamma, placeholder: 'X', description: 'CHOCO-SGD consensus step γ (default: 1 for lossless codecs, 0.05 otherwise)' },
  { name: 'lr', type: 'number', ...B.lr, description: `SGD step size η (default: ${D.lr})` },
  { name: 'momentum', type: 'number', ...B.momentum, description: `heavy-ball momentum (default: ${D.momentum})` },
  { name: 'weight-decay', type: 'number', ...B.weightDecay, description: `L2 weight decay (default: ${D.weightDecay})` },
  { name: 'local-steps', type: 'int', ...B.localSteps, description: `local SGD steps H between gossip rounds (default: ${D.localSteps})` },
  { name: 'overlap', type: 'boolean', description: 'gossip, D-PSGD: send the model a round starts from and take the local steps while it travels (one-step-stale mixing)' },
  { name: 'sync', type: 'string', choices: ['sync', 'async'], description: `sync: lockstep rounds; async (murmur peer and murmur cluster; murmur sim runs lockstep rounds): never wait, mix each neighbour's newest message while it is at most --staleness of this peer's rounds old (default: ${D.sync})` },
  { name: 'staleness', type: 'int', ...B.staleness, description: `--sync async: a neighbour's message is mixed for up to N of this peer's rounds after it arrived, whatever the sender's round (default: ${D.staleness})` },
  { name: 'batch', type: 'int', ...B.batch, description: `minibatch size a peer (default: ${D.batch})` },
  { name: 'dataset', type: 'string', choices: ['mnist', 'fashion-mnist'], description: `dataset (default: ${D.dataset})` },
  { name: 'dataset-dir', type: 'string', placeholder: 'DIR', description: 'folder with the dataset\'s four IDX files (raw or .gz) instead of the packaged/system copy' },
  { name: 'normalize', type: 'boolean', description: `standardise pixels with the train set's mean/std; --no-normalize keeps [0, 1] (default: ${String(D.normalize)})` },
  { name: 'partition', type: 'string', placeholder: 'SPEC', allowed: PARTITION_ALLOWED, check: parsedBy(parsePartitionSpec), description: `data split: iid, dirichlet:ALPHA, shards:K (default: ${D.partition})` },
  { name: 'model', type: 'string', placeholder: 'SPEC', allowed: MODEL_ALLOWED, check: (v) => MODEL_SYNTAX.test(String(v)) ? undefined : `expected ${MODEL_ALLOWED}`, description: `softmax, mlp, mlp:H1,H2,..., cnn (default: ${D.model})` },
  { name: 'backend', type: 'string', choices: ['auto', 'tensorflow', 'wasm', 'cpu'], description: `tfjs backend; auto = tfjs-node, else wasm, else cpu (default: ${D.backend})` },
  { name: 'dim', type: 'int', ...B.dim, description: `gossip only: dimension of the averaged vectors (default: ${D.dim})` },
  { name: 'rounds', type: 'int', ...B.rounds, description: `rounds to run (default: ${D.rounds})` },
  { name: 'seed', type: 'int', ...B.seed, description: `seed of everything random (default: ${D.seed})` },
  { name: 'aggregate', type: 'string', placeholder: 'RULE', allowed: AGGREGATE_ALLOWED, check: parsedBy(canonicalAggregate), description: `mixing rule: mean, clip:TAU, clip:auto (ClippedGossip, adaptive radius), clip:auto:F, trimmed:B (coordinate-wise trimmed mean) (default: ${D.aggregate})` },
  { name: 'attack', type: 'string', placeholder: 'SPEC', allowed: ATTACK_ALLOWED, check: parsedBy(canonicalAttack), description: 'EXPERIMENTS ONLY: misbehave by sending signflip, gaussian:SIGMA, alie[:Z], ipm[:EPS] or nan instead of the model (sim: the --attackers peers; peer: this peer)' }
]

export const SIM_OPTIONS: OptionSpec[] = [
  ...SHARED,
  { name: 'eval-every', type: 'int', ...B.evalEvery, description: `test the averaged model every N rounds; 0 = at the end only (default: ${D.evalEvery})` },
  { name: 'eval-limit', type: 'int', ...B.evalLimit, description: `test samples for the averaged model; 0 = all (default: ${D.evalLimit})` },
  { name: 'peer-eval-limit', type: 'int', ...B.peerEvalLimit, description: `test samples for each peer's own model between evaluations; the last round uses all; 0 = all (default: ${D.peerEvalLimit})` },
  { name: 'drop', type: 'number', min: 0, max: 0.99, description: `probability that a message is lost (default: ${D.drop})` },
  { name: 'offline', type: 'number', min: 0, max: 0.99, description: `probability that a peer sits a round out (default: ${D.offline})` },
  { name: 'attackers', type: 'string', placeholder: 'N|I,J,...', description: 'with --attack: how many peers attack (chosen from the seed), or their slots as a list (3,7; one slot: 3,)' }
]



export const NETWORK_RUN_OPTIONS: OptionSpec[] = [
  ...SHARED,
  { name: 'run-id', type: 'string', placeholder: 'ID', allowed: RUN_ID_ALLOWED, check: (v) => RUN_ID.test(String(v)) ? undefined : `expected ${RUN_ID_ALLOWED}`, description: `name of the run; peers of other runs are ignored (default: ${DEFAULT_RUN_ID})` },
  { name: 'round-deadline', type: 'int', min: 1, max: 3_600_000, placeholder: 'MS', description: `how long a peer waits for its neighbours' messages of a round before mixing what it has (default: ${DEFAULT_ROUND_DEADLINE_MS})` },
  { name: 'eval-every', type: 'int', ...B.evalEvery, description: `test each peer's own model every N rounds; 0 = at the end only (default: ${D.evalEvery})` },
  { name: 'eval-limit', type: 'int', ...B.evalLimit, description: `test samples for those evaluations; 0 = all (default: ${D.evalLimit})` }
]

/** Who may connect to a peer (`murmur peer`; `murmur cluster` passes them to every peer). Not run config: peers need not agree on them. */
export const ACCESS_OPTIONS: OptionSpec[] = [
  { name: 'swarm-key', type: 'string', placeholder: 'FILE', description: 'private swarm: only peers holding this pre-shared key can connect (create it with murmur swarm-key --out FILE; the file must not be readable by group or others)' },
  { name: 'allow-peers', type: 'string', placeholder: 'FILE', description: 'only the PeerIds in FILE (one a line, # comments) may connect, checked after the Noise handshake' }
]

function readConfigFile (path: string): Record<string, unknown> {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (err: any) {
    throw new CliError(`cannot read --config '${path}': ${fsReason(err)}`)
  }
  let parsed: any
  try {
    // murmur init writes comments; editors add trailing commas and (on Windows) a BOM
    parsed = parseJsonc(text, 'a JSON object of config fields')
  } catch (err) {
    if (err instanceof JsoncSyntaxError) throw new CliError(`--config '${path}' at ${err.message}`)
    throw err
  }
  // a run's config.json wraps the experiment in { experiment, ... }
  const exp = parsed.experiment ?? parsed
  if (exp == null || typeof exp !== 'object' || Array.isArray(exp)) throw new CliError(`--config '${path}' must hold a JSON object of config fields`)
  // a typo in a file is named with the file and the likely field, as a mistyped flag is
  for (const key of Object.keys(exp)) {
    if (FILE_FIELDS.includes(key)) continue
    const hint = likelyField(key)
    throw new CliError(`--config '${path}': unknown field '${key}'${hint !== undefined ? `; did you mean '${hint}'?` : ''} (fields: ${FILE_FIELDS.join(', ')}; murmur init writes them all with their meaning)`)
  }
  return exp
}

/** the fields a --config file may hold */
const FILE_FIELDS: readonly string[] = [...EXPERIMENT_FIELDS, 'runId', 'roundDeadlineMs']

/** a field name compared without case, '-', '_' or spaces: learning_rate, learning-rate and learningRate are one */
const folded = (name: string): string => name.toLowerCase().replace(/[-_\s]/g, '')

/**
 * Other programs' names of config fields (folded), which no edit distance reaches: `learningRate` is 10 edits from
 * `lr`. A name that is a field or a flag apart from case and separators (weight-decay, eval_every) needs no entry.
 */
const FIELD_ALIASES: Readonly<Record<string, string>> = {
  learningrate: 'lr', stepsize: 'lr', eta: 'lr',
  batchsize: 'batch', minibatch: 'batch', minibatchsize: 'batch',
  numpeers: 'peers', npeers: 'peers', nodes: 'peers', numnodes: 'peers', workers: 'peers', numworkers: 'peers',
  epochs: 'rounds', iterations: 'rounds', numrounds: 'rounds',
  graph: 'topology', compression: 'codec', compressor: 'codec', algorithm: 'algo',
  l2: 'weightDecay', wd: 'weightDecay', localepochs: 'localSteps', evalinterval: 'evalEvery'
}

/** The field a --config file most likely meant by an unknown `key`, or undefined. */
export function likelyField (key: string): string | undefined {
  const f = folded(key)
  const same = FILE_FIELDS.find((field) => folded(field) === f) ??
    Object.entries(CONFIG_FIELDS).find(([flag]) => folded(flag) === f)?.[1] ??
    FIELD_ALIASES[f]
  return same ?? closest(key, FILE_FIELDS)
}

/** --attackers: a count ('2') or a list of slots ('3,7', '3,'); anything else is left for resolveExperiment to refuse. */
export function parseAttackers (v: unknown): unknown {
  const s = String(v).trim()
  if (/^\d+$/.test(s)) return Number(s)
  if (/^\d+(,\d+)*,?$/.test(s)) return s.split(',').filter((t) => t !== '').map(Number)
  throw new UsageError(`invalid value for --attackers: expected a count (2) or a list of slots (3,7; one slot: 3,), got '${s}'`, 'attackers')
}

/** config field → the option that sets it */
const OPTION_OF: Record<string, string> = Object.fromEntries(Object.entries(CONFIG_FIELDS).map(([flag, field]) => [field, flag]))

/**
 * The library's refusal of a command line's config, as the CLI reports it. An InvalidExperimentConfigError names
 * the field at fault; when an option of the command line set that field, it is that option's usage error (exit 2,
 * like the parser's own refusals: bounds that depend on other fields, such as --attackers against --peers, are
 * only checked by the library). A field the --config file set is refused naming the file (exit 1, as its unknown
 * fields are); one left at its default keeps the library's error.
 */
export function asOptionError (err: unknown, args: ParsedArgs): unknown {
  if (!(err instanceof Error) || err.name !== 'InvalidExperimentConfigError') return err
  const field = (err as Error & { field?: unknown }).field
  const option = typeof field === 'string' ? OPTION_OF[field] : undefined
  if (option === undefined || args.values[option] === undefined) {
    // a field of the --config file: named with the file, as its unknown fields and syntax errors are
    const file = configFiles.get(args)
    if (typeof field === 'string' && file?.fields.has(field) === true) return new CliError(`--config '${file.path}': ${err.message}`)
    return err
  }
  const reason = err.message.startsWith(`${String(field)}: `) ? err.message.slice(String(field).length + 2) : err.message
  return new UsageError(`invalid value for --${option}: ${reason}`, option)
}

/** the --config file a command line's config was read from, and the fields it set (configFromArgs), for asOptionError */
const configFiles = new WeakMap<ParsedArgs, { path: string, fields: ReadonlySet<string> }>()

/**
 * A network run's config (murmur peer, murmur cluster) from its command line's partial config: the library's refusal
 * of a field an option set is that option's usage error, as in murmur sim (asOptionError); the config's warnings
 * (lib/experiment configNotes) are printed.
 */
export function resolveNetworkRunConfig (partial: Record<string, unknown>, args: ParsedArgs, command: string, io: { err: (text: string) => void }): RunConfig {
  let config: RunConfig
  try {
    config = resolveRunConfig(partial as Partial<RunConfig>)
  } catch (err) {
    throw asOptionError(err, args)
  }
  for (const note of configNotes(config)) io.err(`murmur ${command}: warning: ${note}`)
  return config
}

/**
 * Config fields only `murmur sim` uses (it simulates message loss, absent peers and a cheap test of each peer's
 * model; a network run has the real ones), with what each does, for the warning of a network run that ignores them.
 */
export const SIM_ONLY_FIELDS: Readonly<Record<string, string>> = {
  drop: 'simulated message loss',
  offline: 'simulated peers sitting rounds out',
  peerEvalLimit: 'the test samples of each simulated peer\'s model between evaluations; a network peer uses evalLimit'
}

/**
 * A network run's partial config without the simulator's fields, which a --config file may hold (a sim's
 * config.json, a file of murmur init): one warning for each set to other than its default, which would otherwise be
 * silently without effect (murmur sim warns the same way about the network fields it ignores). `attackers` is
 * refused instead (exit 2): which peers attack is each network peer's own --attack, and ignoring it would run an
 * honest network the user meant to be attacked.
 */
export function withoutSimOnlyFields (partial: Record<string, unknown>, command: string, io: { err: (text: string) => void }): Record<string, unknown> {
  if (partial.attackers !== undefined) {
    throw new UsageError(`attackers (from --config) is a simulator setting: it only applies to murmur sim; a network peer misbehaves only with its own --attack SPEC`, 'attackers')
  }
  const out = { ...partial }
  for (const [field, what] of Object.entries(SIM_ONLY_FIELDS)) {
    const value = out[field]
    delete out[field]
    if (value === undefined || value === (D as unknown as Record<string, unknown>)[field]) continue
    io.err(`murmur ${command}: ignoring ${field} ${JSON.stringify(value)} of --config: it only applies to murmur sim (${what})`)
  }
  return out
}

/** The config of a command line: --config first, then every config flag given explicitly. */
export function configFromArgs (args: ParsedArgs): Record<string, unknown> {
  const file = getOptionalString(args, 'config')
  const partial: Record<string, unknown> = file !== undefined ? { ...readConfigFile(file) } : {}
  if (file !== undefined) configFiles.set(args, { path: file, fields: new Set(Object.keys(partial)) })
  for (const [flag, field] of Object.entries(CONFIG_FIELDS)) {
    const v = args.values[flag]
    if (v !== undefined) partial[field] = field === 'attackers' ? parseAttackers(v) : v
  }
  return partial
}
