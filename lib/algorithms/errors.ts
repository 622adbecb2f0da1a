import { DEFAULT_GAMMA_LOSSY } from './constants.ts'

/**
 * Errors of lib/algorithms. Each has a static and an instance `name`; callers and tests match on
 * `err.name`, never on message text. Messages say what was expected and what arrived.
 */

/** An algorithm config (or its deps) that cannot run: unknown algo, lr ≤ 0, momentum outside [0, 1)... */
export class InvalidAlgorithmConfigError extends Error {
  static override name = 'InvalidAlgorithmConfigError'
  /** the offending field, e.g. 'lr' */
  readonly field: string
  constructor (field: string, message = `Invalid algorithm config field '${field}'`) {
    super(message)
    this.name = 'InvalidAlgorithmConfigError'
    this.field = field
  }
}

/** A round message frame that is not exactly what `encodeFrame` produces (truncated, bad header, trailing bytes...). */
export class InvalidMessageError extends Error {
  static override name = 'InvalidMessageError'
  constructor (message = 'Invalid round message') {
    super(message)
    this.name = 'InvalidMessageError'
  }
}

/** A frame of a format version this code does not speak. */
export class UnsupportedMessageVersionError extends Error {
  static override name = 'UnsupportedMessageVersionError'
  readonly version: number
  constructor (version: number, message = `Unsupported round message version ${version}`) {
    super(message)
    this.name = 'UnsupportedMessageVersionError'
    this.version = version
  }
}

/** runRound was called for a round earlier than (or equal to) one already run. */
export class RoundOrderError extends Error {
  static override name = 'RoundOrderError'
  constructor (message = 'Rounds must increase') {
    super(message)
    this.name = 'RoundOrderError'
  }
}

/** The peer's own parameters became NaN or ±Infinity (the step size is too large, or the objective is broken). */
export class NonFiniteModelError extends Error {
  static override name = 'NonFiniteModelError'
  readonly round: number
  constructor (round: number, message = `Model parameters became non-finite in round ${round}`) {
    super(message)
    this.name = 'NonFiniteModelError'
    this.round = round
  }
}

/** A state given to importState that does not fit this algorithm (other algo, dimension, missing parts). */
export class InvalidAlgorithmStateError extends Error {
  static override name = 'InvalidAlgorithmStateError'
  constructor (message = 'Invalid algorithm state') {
    super(message)
    this.name = 'InvalidAlgorithmStateError'
  }
}

/** The weight scheme needs the graph's maximum degree but the exchange does not provide `maxDegree()`. */
export class MissingMaxDegreeError extends Error {
  static override name = 'MissingMaxDegreeError'
  constructor (message = 'This weight scheme needs exchange.maxDegree()') {
    super(message)
    this.name = 'MissingMaxDegreeError'
  }
}

/**
 * Whether a codec changes what a peer mixes by more than rounding: every one but none, fp16 and a top-k or random-k
 * that keeps every entry. fp16 is mixed as if exact (D-PSGD on the main job, 16 peers on a ring, 600 rounds:
 * 97.35 % against 97.36 % without compression).
 */
export function isLossyCodec (codec: string): boolean {
  const inner = /^ef\((.*)\)$/.exec(codec)?.[1] ?? codec
  if (inner === 'none' || inner === 'fp16') return false
  const keepsAll = /^(?:topk|randk):(.+)$/.exec(inner)
  return keepsAll === null || Number(keepsAll[1]) !== 1
}

/**
 * What to use instead of a lossy codec that broke (or will break) a run, only settings measured to converge on the
 * main job (MNIST MLP, 16 peers on a ring, 600 rounds, seed 1; averaged model) and on 8 peers, 60 rounds: with
 * D-PSGD, fp16 (97.35 %), ef(topk:0.1) (97.01 %), ef(topk:0.01) (96.29 %), ef(sign) (95.43 %); CHOCO-SGD with the
 * codec itself at η 0.02 (topk:0.1 96.51 %, randk:0.1 96.57 %, qsgd:16 96.44 %, sign 96.55 %; at D-PSGD's η 0.05 its
 * worst peer drifted to 89 to 92 %). Never ef() of randk or qsgd: D-PSGD with ef(randk:0.1) was NaN by round 48 and
 * with ef(qsgd:16) by round 73, the error memory feeding their variance back. Gossip with any ef() never agrees (consensus
 * distance 7 after 600 rounds, fp16 3e-4), and CHOCO-SGD, which trains, is no substitute for it: fp16 only. CHOCO-SGD
 * with a lossy codec needs a small consensus step: γ 1 diverged with topk:0.1, randk:0.1 and qsgd:16 (8 peers), the
 * default 0.05 converged with each.
 */
export function codecInstead (algo: string, codec: string, gamma?: number): string {
  if (algo === 'gossip') return '--codec fp16'
  if (algo === 'choco') {
    const measured = `γ ${DEFAULT_GAMMA_LOSSY} with η 0.02 converged with topk:0.1, randk:0.1, qsgd:16 and sign, where γ 1 diverged`
    return gamma === undefined || gamma > DEFAULT_GAMMA_LOSSY
      ? `--gamma ${DEFAULT_GAMMA_LOSSY}, the default for a lossy codec, and --lr 0.02: ${measured}`
      : `a smaller --gamma, or --lr 0.02: ${measured}`
  }
  const inner = /^ef\((.*)\)$/.exec(codec)?.[1] ?? codec
  const fraction = /^(?:topk|randk):(.+)$/.exec(inner)?.[1]
  const ef = inner === 'sign' ? 'ef(sign)' : `ef(topk:${fraction ?? '0.1'})`
  // CHOCO-SGD at D-PSGD's η 0.05 converges but its worst peer drifts (README, Compression): η 0.02 as there
  return `--codec fp16${ef !== codec ? ` or ${ef}` : ''}, or --algo choco --codec ${inner} --lr 0.02`
}

/**
 * The likely causes of a peer's non-finite model, most likely first, for NonFiniteModelError's message (and murmur
 * sim's warning of a loss that blew up): a lossy codec when the run has one (named, with why and what to use instead),
 * then `others` (the step size, by default). A diverging run used to blame the step size alone, also when the codec
 * was the cause (D-PSGD with ef(randk:0.1) at the default η).
 */
export function nonFiniteCauses (config: { readonly algo: string, readonly codec: string, readonly gamma?: number }, others = 'a step size too large (try a smaller --lr)'): string {
  if (!isLossyCodec(config.codec)) return others
  const why = config.algo === 'choco'
    ? `CHOCO-SGD moves each model by γ${config.gamma !== undefined ? ` ${config.gamma}` : ''} times the decoded changes of its neighbours' copies, which may be too far for this codec`
    : `${config.algo} mixes the decoded models themselves, so the codec's error goes into every model and grows`
  const cause = `the lossy codec ${config.codec} is a likely cause: ${why} (use ${codecInstead(config.algo, config.codec, config.gamma)})`
  // gossip takes no step: nothing else of its own to blame
  return config.algo === 'gossip' && others.startsWith('a step size') ? cause : `${cause}; or ${others}`
}
