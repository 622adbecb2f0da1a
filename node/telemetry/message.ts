/**
 * The per-round summary a peer publishes for observers: versioned JSON of at most 8 KiB on the gossipsub topic
 * `murmur/<runId>/telemetry/1`, signed by its author (gossipsub StrictSign). Pure encode/decode; the decoder
 * never throws and names the first wrong field, so an observer counts malformed summaries by kind.
 */
import { isObject, readJsonObject } from '../../lib/protocol/index.ts'
import { MAX_ID_CHARS, MAX_LINKS, MAX_SUMMARY_BYTES, MAX_TRAIN_LOSS, SKETCH_SIZE, TELEMETRY_VERSION } from './constants.ts'
import { InvalidSketchError, SummaryTooLargeError } from './errors.ts'

/** Traffic with one neighbour of the round, cumulative since the peer started (bytes). */
export interface LinkTraffic {
  id: string
  in: number
  out: number
}

/** The sketch of the peer's parameters after the round (node/telemetry/sketch.ts). */
export interface SummarySketch {
  /** the map's seed: sketches are comparable only under the same seed */
  seed: number
  /** SKETCH_SIZE float32 values */
  values: Float32Array
}

export interface RoundSummary {
  v: typeof TELEMETRY_VERSION
  /** the author's PeerId string; must equal the gossipsub signer */
  id: string
  slot: number
  /** rounds the author has completed */
  round: number
  /** members of the round in the author's view, and its degree in the round's topology */
  members: number
  degree: number
  /** null when not finite (gossip has no loss) */
  trainLoss: number | null
  /** the author's own model on its test set at its latest evaluation, and that round; null before the first */
  accuracy: number | null
  accuracyRound: number | null
  /** λ₂ of the round's W over the members the author sees; null when not computed */
  lambda2: number | null
  bytesSent: number
  bytesThisRound: number
  received: number
  missing: number
  /** messages the algorithm refused this round, all reasons */
  rejected: number
  computeMs: number
  commMs: number
  waitMs: number
  roundMs: number
  /** the author's clock at the end of the round (ms since the epoch) */
  time: number
  links: LinkTraffic[]
  sketch: SummarySketch | null
}

export type SummaryFault =
  | 'size' | 'json' | 'shape' | 'version' | 'id' | 'slot' | 'round' | 'members' | 'degree' | 'train-loss' | 'accuracy'
  | 'lambda2' | 'bytes' | 'counts' | 'times' | 'links' | 'sketch'

export type SummaryDecodeResult =
  | { ok: true, value: RoundSummary }
  | { ok: false, fault: SummaryFault, detail: string }

/** The gossipsub topic of a run's telemetry. */
export function telemetryTopic (runId: string): string {
  return `murmur/${runId}/telemetry/${TELEMETRY_VERSION}`
}

const encoder = new TextEncoder()

/** JSON bytes of a summary (the sketch as base64 little-endian float32); SummaryTooLargeError beyond the bounds. */
export function encodeSummary (s: RoundSummary): Uint8Array {
  if (s.links.length > MAX_LINKS) throw new SummaryTooLargeError(0, `a summary lists at most ${MAX_LINKS} links, this one ${s.links.length}`)
  if (s.sketch !== null && s.sketch.values.length !== SKETCH_SIZE) throw new InvalidSketchError(`a summary's sketch has ${SKETCH_SIZE} values, this one ${s.sketch.values.length}`)
  const sketch = s.sketch === null ? null : { seed: s.sketch.seed, data: Buffer.from(toLittleEndian(s.sketch.values)).toString('base64') }
  const body = { ...s, links: s.links.map((l) => [l.id, l.in, l.out]), sketch }
  const bytes = encoder.encode(JSON.stringify(body))
  if (bytes.length > MAX_SUMMARY_BYTES) throw new SummaryTooLargeError(bytes.length, `a summary holds at most ${MAX_SUMMARY_BYTES} bytes, this one ${bytes.length}`)
  return bytes
}

/** Parses and checks a summary; never throws. Unknown top-level keys are allowed (newer minor fields). */
export function decodeSummary (bytes: Uint8Array): SummaryDecodeResult {
  const read = readJsonObject(bytes, MAX_SUMMARY_BYTES)
  if (!read.ok) return fault(read.fault, read.detail)
  const o = read.object
  if (o.v !== TELEMETRY_VERSION) return fault('version', `expected v = ${TELEMETRY_VERSION}, got ${JSON.stringify(o.v)}`)
  if (!isId(o.id)) return fault('id', `expected a peer id string of 1 to ${MAX_ID_CHARS} characters`)
  if (!isCount(o.slot)) return fault('slot', `expected a non-negative integer slot, got ${JSON.stringify(o.slot)}`)
  if (!isCount(o.round)) return fault('round', `expected a non-negative integer round, got ${JSON.stringify(o.round)}`)
  if (!isCount(o.members) || o.members < 1) return fault('members', `expected a positive integer member count, got ${JSON.stringify(o.members)}`)
  if (!isCount(o.degree) || o.degree >= o.members) return fault('degree', `expected a degree in [0, members), got ${JSON.stringify(o.degree)}`)
  if (!(o.trainLoss === null || (isFiniteNumber(o.trainLoss) && Math.abs(o.trainLoss) <= MAX_TRAIN_LOSS))) return fault('train-loss', `expected a number of magnitude at most ${MAX_TRAIN_LOSS}, or null`)
  const accOk = (o.accuracy === null && o.accuracyRound === null) ||
    (isFiniteNumber(o.accuracy) && o.accuracy >= 0 && o.accuracy <= 1 && isCount(o.accuracyRound) && o.accuracyRound <= o.round)
  if (!accOk) return fault('accuracy', 'expected accuracy in [0, 1] with the round it was measured at (≤ round), or both null')
  if (!(o.lambda2 === null || (isFiniteNumber(o.lambda2) && o.lambda2 >= 0 && o.lambda2 <= 1 + 1e-9))) return fault('lambda2', 'expected a number in [0, 1] or null')
  if (!isCount(o.bytesSent) || !isCount(o.bytesThisRound)) return fault('bytes', 'expected non-negative integer byte counts')
  if (!isCount(o.received) || !isCount(o.missing) || !isCount(o.rejected)) return fault('counts', 'expected non-negative integer message counts')
  for (const k of ['computeMs', 'commMs', 'waitMs', 'roundMs', 'time'] as const) {
    const t = o[k]
    if (!isFiniteNumber(t) || t < 0) return fault('times', `expected ${k} to be a non-negative number, got ${JSON.stringify(t)}`)
  }
  const links = checkLinks(o.links)
  if (links === undefined) return fault('links', `expected at most ${MAX_LINKS} [peer id, bytes in, bytes out] triples`)
  let sk: SummarySketch | null = null
  if (o.sketch !== null) {
    const parsed = checkSketch(o.sketch)
    if (parsed === undefined) return fault('sketch', `expected null or { seed: u32, data: base64 of ${SKETCH_SIZE} finite float32 }`)
    sk = parsed
  }
  return {
    ok: true,
    value: {
      v: TELEMETRY_VERSION, id: o.id, slot: o.slot, round: o.round, members: o.members, degree: o.degree,
      trainLoss: o.trainLoss, accuracy: o.accuracy as number | null, accuracyRound: o.accuracyRound as number | null,
      lambda2: o.lambda2, bytesSent: o.bytesSent, bytesThisRound: o.bytesThisRound, received: o.received, missing: o.missing,
      rejected: o.rejected, computeMs: o.computeMs as number, commMs: o.commMs as number, waitMs: o.waitMs as number,
      roundMs: o.roundMs as number, time: o.time as number, links, sketch: sk
    }
  }
}

function checkLinks (x: unknown): LinkTraffic[] | undefined {
  if (!Array.isArray(x) || x.length > MAX_LINKS) return undefined
  const out: LinkTraffic[] = []
  for (const l of x) {
    if (!Array.isArray(l) || l.length !== 3 || !isId(l[0]) || !isCount(l[1]) || !isCount(l[2])) return undefined
    out.push({ id: l[0], in: l[1], out: l[2] })
  }
  return out
}

const SKETCH_BASE64 = /^[A-Za-z0-9+/]*={0,2}$/

function checkSketch (x: unknown): SummarySketch | undefined {
  if (!isObject(x) || !isCount(x.seed) || x.seed > 0xffffffff || typeof x.data !== 'string' || !SKETCH_BASE64.test(x.data)) return undefined
  const raw = Buffer.from(x.data, 'base64')
  if (raw.length !== SKETCH_SIZE * 4) return undefined
  const view = new DataView(raw.buffer, raw.byteOffset, raw.length)
  const values = new Float32Array(SKETCH_SIZE)
  for (let i = 0; i < SKETCH_SIZE; i++) {
    const v = view.getFloat32(i * 4, true)
    if (!Number.isFinite(v)) return undefined
    values[i] = v
  }
  return { seed: x.seed, values }
}

function toLittleEndian (values: Float32Array): Uint8Array {
  const out = new Uint8Array(values.length * 4)
  const view = new DataView(out.buffer)
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i], true)
  return out
}

function isId (x: unknown): x is string {
  return typeof x === 'string' && x.length > 0 && x.length <= MAX_ID_CHARS
}

function isCount (x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0
}

function isFiniteNumber (x: unknown): x is number {
  return typeof x === 'number' && Number.isFinite(x)
}

function fault (f: SummaryFault, detail: string): SummaryDecodeResult {
  return { ok: false, fault: f, detail }
}
