/**
 * Reads a run folder written by `murmur sim` (metrics.jsonl, config.json, summary.json) or `murmur cluster`
 * (metrics.jsonl, run.json, summary.json, peer-i/), or one peer's --data-dir (`murmur peer`: peer.json,
 * metrics.jsonl of its own rounds, checkpoints/ holding the run's agreed config). Nothing here throws on a missing or malformed file but the
 * absence of the run itself, or a metrics.jsonl of which no line is a valid row: each other problem becomes a note
 * (bad lines by number, rows with values out of range dropped), so a report of a crashed run still shows what exists.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { basename, dirname, join, resolve } from 'node:path'
import { decodeCheckpoint, listCheckpoints } from '../checkpoint/index.ts'
import { InvalidMetricsError, RunNotFoundError } from './errors.ts'
import type { LoadedRun, PeerIdentity, RoundRow, RunKind } from './types.ts'

function num (v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null
}

/** What a metrics field may hold when it is a number (null or absent is always allowed: a writer did not measure it). */
type Range = 'finite' | 'nonNegative' | 'unit'
/** lambda2 of a disconnected graph is 1 up to eigensolver round-off */
const UNIT_SLACK = 1e-9
const FIELD_RANGES: ReadonlyArray<[string, Range]> = [
  ['trainLoss', 'finite'], ['accuracy', 'unit'], ['peerAccuracyMin', 'unit'], ['peerAccuracyMean', 'unit'],
  ['consensusDistance', 'nonNegative'], ['bytesThisRound', 'nonNegative'], ['bytesSent', 'nonNegative'], ['lambda2', 'unit'],
  ['online', 'nonNegative'], ['snapshots', 'nonNegative'], ['computeMs', 'nonNegative'], ['commMs', 'nonNegative'], ['wallMs', 'nonNegative'], ['roundMsMax', 'nonNegative'], ['roundMs', 'nonNegative']
]

/** Why a field's value is out of its range, or undefined when it is fine (a number in range, null, or absent). */
function outOfRange (field: string, v: unknown, range: Range): string | undefined {
  if (v === undefined || v === null) return undefined
  if (typeof v !== 'number') return `${field} is ${JSON.stringify(v)}, not a number`
  if (!Number.isFinite(v)) return `${field} is ${String(v)}, not a finite number`
  if (range === 'unit' && (v < 0 || v > 1 + UNIT_SLACK)) return `${field} ${v} is outside [0, 1]`
  if (range === 'nonNegative' && v < 0) return `${field} ${v} is negative`
  return undefined
}

/**
 * One parsed metrics line checked: a row; or `notRecord` when it is not an object with a numeric round (not a
 * metrics record at all); or `refused` when it is one but a value is out of range (an accuracy of 7, negative
 * bytes, a round that is not a non-negative integer, a non-finite number), so plotting it would mislead.
 */
export function checkRow (raw: unknown): { row: RoundRow } | { notRecord: string } | { refused: string } {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return { notRecord: `a JSON ${raw === null ? 'null' : Array.isArray(raw) ? 'array' : typeof raw}, not an object` }
  const r = raw as Record<string, unknown>
  if (typeof r.round !== 'number') return { notRecord: r.round === undefined ? 'no round' : `round is ${JSON.stringify(r.round)}, not a number` }
  if (!Number.isSafeInteger(r.round) || r.round < 0) return { refused: `round ${String(r.round)} is not a non-negative integer` }
  const why = FIELD_RANGES.map(([field, range]) => outOfRange(field, r[field], range)).filter((w) => w !== undefined)
  if (why.length > 0) return { refused: why.join(', ') }
  return {
    row: {
      round: r.round,
      trainLoss: num(r.trainLoss),
      accuracy: num(r.accuracy),
      peerAccuracyMin: num(r.peerAccuracyMin),
      peerAccuracyMean: num(r.peerAccuracyMean),
      consensusDistance: num(r.consensusDistance),
      bytesThisRound: num(r.bytesThisRound),
      bytesSent: num(r.bytesSent),
      lambda2: num(r.lambda2),
      online: num(r.online),
      snapshots: num(r.snapshots),
      computeMs: num(r.computeMs),
      commMs: num(r.commMs),
      roundMs: num(r.wallMs) ?? num(r.roundMsMax) ?? num(r.roundMs)
    }
  }
}

/** One parsed metrics line as a row, or undefined when it is not a metrics record or a value is out of range. */
export function toRow (raw: unknown): RoundRow | undefined {
  const checked = checkRow(raw)
  return 'row' in checked ? checked.row : undefined
}

/** A line of metrics.jsonl that gave no row: its 1-based number and why. */
export interface SkippedLine { line: number, reason: string }

export interface ParsedMetrics {
  /** rows in round order (the last record wins for a repeated round) */
  rows: RoundRow[]
  /** lines that are not metrics records (not JSON, not an object with a numeric round), torn last line included */
  notRecords: SkippedLine[]
  /** metrics records dropped for a value out of range */
  refused: SkippedLine[]
  /** the last line is cut short (not JSON and no newline after it): what a run killed mid-write leaves */
  tornLast: SkippedLine | null
  /** non-empty lines read */
  lines: number
  /** every non-empty line that gave no row */
  skipped: number
  /** the first record's peerId and slot: a peer's own metrics (node/peer PeerRecord) carry them, merged ones do not */
  writer: { peerId: string, slot: number } | null
}

/** metrics.jsonl text → rows in round order (last record wins for a repeated round) and what was skipped, line by line. */
export function parseMetrics (text: string): ParsedMetrics {
  const byRound = new Map<number, RoundRow>()
  const notRecords: SkippedLine[] = []
  const refused: SkippedLine[] = []
  let tornLast: SkippedLine | null = null
  let writer: ParsedMetrics['writer'] | undefined
  let lines = 0
  const all = text.split('\n')
  for (const [i, line] of all.entries()) {
    if (line.trim() === '') continue
    lines++
    let raw: unknown
    try {
      raw = JSON.parse(line)
    } catch {
      const skipped = { line: i + 1, reason: 'not JSON' }
      // no newline after it: the writer stopped in the middle of the line
      if (i === all.length - 1) tornLast = { ...skipped, reason: 'cut short' }
      notRecords.push(tornLast ?? skipped)
      continue
    }
    const checked = checkRow(raw)
    if (writer === undefined && !('notRecord' in checked)) {
      const { peerId, slot } = raw as Record<string, unknown>
      writer = typeof peerId === 'string' && Number.isSafeInteger(slot) && (slot as number) >= 0 ? { peerId, slot: slot as number } : null
    }
    if ('notRecord' in checked) notRecords.push({ line: i + 1, reason: checked.notRecord })
    else if ('refused' in checked) refused.push({ line: i + 1, reason: `round ${String((raw as { round: unknown }).round)}: ${checked.refused}` })
    else byRound.set(checked.row.round, checked.row)
  }
  const rows = [...byRound.values()].sort((a, b) => a.round - b.round)
  return { rows, notRecords, refused, tornLast, lines, skipped: notRecords.length + refused.length, writer: writer ?? null }
}

const lineCount = (n: number): string => n === 1 ? '1 line' : `${n} lines`

/** "line 3 (not JSON), line 9 (no round)", the first `most` of them, then how many more */
function lineList (skipped: readonly SkippedLine[], most = 8): string {
  const shown = skipped.slice(0, most).map((s) => `line ${s.line} (${s.reason})`).join(', ')
  return skipped.length > most ? `${shown} and ${skipped.length - most} more` : shown
}

/** What a valid metrics.jsonl row is, for the error when a file has none. */
export const VALID_ROW = 'one JSON object a line with a non-negative integer round and numeric fields, e.g. ' +
  '{"round":1,"trainLoss":0.52,"accuracy":0.91,"consensusDistance":0.0021,"bytesThisRound":4096}: accuracies ' +
  '(accuracy, peerAccuracyMin, peerAccuracyMean) and lambda2 in [0, 1], bytes, times, online and consensusDistance ' +
  'non-negative, every number finite; a field not measured is null or absent'

/** The notes on what parseMetrics skipped: a torn last line said apart from bad lines elsewhere. */
function metricsNotes (parsed: ParsedMetrics): string[] {
  const notes: string[] = []
  if (parsed.tornLast !== null) {
    notes.push(`metrics.jsonl: its last line (line ${parsed.tornLast.line}) is cut short, as a run killed mid-write leaves it; skipped.`)
  }
  const bad = parsed.notRecords.filter((s) => s !== parsed.tornLast)
  if (bad.length > 0) {
    notes.push(`metrics.jsonl: ${lineCount(bad.length)} ${bad.length === 1 ? 'is not a metrics record' : 'are not metrics records'} (a JSON object with a numeric round), skipped: ${lineList(bad)}.`)
  }
  if (parsed.refused.length > 0) {
    notes.push(`metrics.jsonl: ${parsed.refused.length === 1 ? '1 row holds a value' : `${parsed.refused.length} rows hold values`} out of range, dropped: ${lineList(parsed.refused)}.`)
  }
  return notes
}

type Read = { value: Record<string, unknown> } | { missing: true } | { error: string }

function readObject (path: string): Read {
  if (!existsSync(path)) return { missing: true }
  try {
    const v: unknown = JSON.parse(readFileSync(path, 'utf8'))
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return { error: 'is not a JSON object' }
    return { value: v as Record<string, unknown> }
  } catch (err: any) {
    return { error: `cannot be read (${String(err.code ?? err.message)})` }
  }
}

function asObject (v: unknown): Record<string, unknown> | null {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? v as Record<string, unknown> : null
}

function positiveInt (v: unknown): number | null {
  return typeof v === 'number' && Number.isSafeInteger(v) && v > 0 ? v : null
}

/**
 * A cluster peer's parameter snapshot is raw little-endian float32 (node/peer files.ts): its size / 4 is the model's dim.
 * With `processes` (summary.json's peers: peer-0 to peer-(processes − 1), joiners included) only the run's own peer
 * folders are read, not one an earlier, larger run left in the folder.
 */
function snapshotDim (dir: string, processes: number | null): number | null {
  try {
    const folders = readdirSync(dir).flatMap((name) => { const m = /^peer-(\d+)$/.exec(name); return m === null ? [] : [{ name, i: Number(m[1]) }] })
    for (const { name: peer } of folders.filter(({ i }) => processes === null || i < processes).sort((a, b) => a.i - b.i)) {
      const snaps = join(dir, peer, 'snapshots')
      if (!existsSync(snaps)) continue
      const file = readdirSync(snaps).find((f) => f.endsWith('.f32'))
      if (file === undefined) continue
      const size = statSync(join(snaps, file)).size
      if (size > 0 && size % 4 === 0) return size / 4
    }
  } catch {
    // an unreadable peer folder: the dimension stays unknown, and the round-off floor takes one coordinate
  }
  return null
}

/** node/peer files.ts: what a peer writes at each start */
const PEER_FILE = 'peer.json'
const CHECKPOINT_DIR = 'checkpoints'

/** peer.json's fields, one it lacks taken from the metrics' first record. */
function peerIdentity (dir: string, writer: ParsedMetrics['writer']): PeerIdentity {
  const read = readObject(join(dir, PEER_FILE))
  const p = 'value' in read ? read.value : {}
  return {
    peerId: typeof p.peerId === 'string' ? p.peerId : writer?.peerId ?? null,
    slot: Number.isSafeInteger(p.slot) && (p.slot as number) >= 0 ? p.slot as number : writer?.slot ?? null,
    runId: typeof p.runId === 'string' ? p.runId : null,
    configHash: typeof p.configHash === 'string' ? p.configHash : null
  }
}

/** "peer 12D3KooW…, slot 0 of run 'mnist-ab'", with what is known */
export function peerText (peer: PeerIdentity): string {
  const bits = [`peer ${peer.peerId ?? '(id unknown)'}`]
  if (peer.slot !== null) bits.push(`slot ${peer.slot}${peer.runId !== null ? ` of run '${peer.runId}'` : ''}`)
  else if (peer.runId !== null) bits.push(`run '${peer.runId}'`)
  return bits.join(', ')
}

/** What the page must say first about a peer's folder: whose figures these are, and where the whole run's are. */
function peerNotes (dir: string, peer: PeerIdentity): string[] {
  const notes = [`This is one peer's --data-dir (murmur peer): ${peerText(peer)}. Every figure is this peer's own: its model's test accuracy, ` +
    'the bytes it sent, its round times. A peer writes no summary.json, and the averaged model and the consensus distance need every peer\'s parameters.']
  const parent = dirname(dir)
  // murmur cluster's OUT/peer-i: the run it belongs to has a report of its own
  if (/^peer-\d+$/.test(basename(dir)) && existsSync(join(parent, 'run.json'))) {
    notes.push(`It belongs to the murmur cluster run in ${parent}: 'murmur report ${parent}' reports the whole run.`)
  } else {
    notes.push('For the whole run, gather every peer\'s --data-dir on one machine and give them all: \'murmur report peer-a peer-b ...\' (or the folder holding them).')
  }
  return notes
}

/**
 * The run's agreed config from the peer's newest checkpoint that decodes (node/peer writes agreedConfig(config) into
 * each), when its hash is peer.json's: per-peer settings (evaluation limits, backend, data folder) are not in it. Else
 * why not, naming the run so the user can find its run.json.
 */
function checkpointConfig (dir: string, hash: string | null): { config: Record<string, unknown>, file: string } | { note: string } {
  const ckdir = join(dir, CHECKPOINT_DIR)
  let other: string | undefined
  for (const { file } of listCheckpoints(ckdir).reverse()) {
    let raw: Record<string, unknown> | null
    try {
      raw = asObject(decodeCheckpoint(readFileSync(join(ckdir, file))))
    } catch {
      continue // torn or corrupt: an older one may do
    }
    const agreed = asObject(raw?.config)
    if (agreed === null) continue
    if (hash !== null && raw?.configHash !== hash) { other ??= file; continue }
    // agreedConfig writes an absent optional field (and an older murmur a training run's dim) as null: not a setting of the run
    const config = Object.fromEntries(Object.entries(agreed).filter(([, v]) => v !== null))
    return { config, file: `${CHECKPOINT_DIR}/${file}` }
  }
  const hashText = hash === null ? 'peer.json holds no config hash either' : `peer.json holds only its hash, ${hash.slice(0, 16)}…`
  const why = other !== undefined
    ? `its checkpoints are of another config than peer.json's (${other}): an earlier run's`
    : 'no checkpoint in checkpoints/ holds it (a peer checkpoints every --checkpoint-every rounds and when it stops)'
  return { note: `The run config is not in this folder: ${why}; ${hashText}. The run.json the peer was started with is on its machine.` }
}

export function loadRun (dirArg: string): LoadedRun {
  const dir = resolve(dirArg)
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new RunNotFoundError(dir, `no run folder at '${dir}'; give the --out folder of a 'murmur sim' or 'murmur cluster' run`)
  }
  const metricsPath = join(dir, 'metrics.jsonl')
  const summaryRead = readObject(join(dir, 'summary.json'))
  if (!existsSync(metricsPath) && !('value' in summaryRead)) {
    throw new RunNotFoundError(dir, `'${dir}' holds neither metrics.jsonl nor summary.json; give the --out folder of a 'murmur sim' or 'murmur cluster' run`)
  }
  const notes: string[] = []
  let rows: RoundRow[] = []
  let skippedLines = 0
  let writer: ParsedMetrics['writer'] = null
  let metrics: LoadedRun['metrics'] = 'absent'
  if (existsSync(metricsPath)) {
    let parsed: ParsedMetrics | undefined
    try {
      parsed = parseMetrics(readFileSync(metricsPath, 'utf8'))
      metrics = 'read'
    } catch (err: any) {
      metrics = 'unreadable'
      notes.push(`metrics.jsonl cannot be read (${String(err.code ?? err.message)}).`)
    }
    if (parsed !== undefined) {
      rows = parsed.rows
      skippedLines = parsed.skipped
      writer = parsed.writer
      if (rows.length === 0 && parsed.lines > 0) {
        throw new InvalidMetricsError(metricsPath, `${metricsPath} holds no valid metrics row: ${lineCount(parsed.lines)}, none usable: ` +
          `${lineList([...parsed.notRecords, ...parsed.refused].sort((a, b) => a.line - b.line), 5)}. A valid row is ${VALID_ROW}.`)
      }
      notes.push(...metricsNotes(parsed))
      if (rows.length === 0) notes.push('metrics.jsonl holds no rounds.')
    }
  } else {
    notes.push('metrics.jsonl is absent: no per-round plots.')
  }

  let summary: Record<string, unknown> | null = null
  if ('value' in summaryRead) summary = summaryRead.value

  let kind: RunKind = 'unknown'
  let config: Record<string, unknown> | null = null
  let configFile: string | null = null
  let provenance: Record<string, unknown> | null = null
  const simConfig = readObject(join(dir, 'config.json'))
  const runConfig = readObject(join(dir, 'run.json'))
  // a peer's own records (peerId and slot in every row), or peer.json where no run's config is: one peer's --data-dir
  const peer = writer !== null || (!('value' in simConfig) && !('value' in runConfig) && existsSync(join(dir, PEER_FILE)))
    ? peerIdentity(dir, writer)
    : null
  if (peer !== null) {
    kind = 'peer'
    notes.push(...peerNotes(dir, peer))
    const agreed = checkpointConfig(dir, peer.configHash)
    if ('config' in agreed) {
      config = agreed.config
      configFile = agreed.file
    } else {
      notes.push(agreed.note)
    }
  } else if ('value' in simConfig) {
    kind = 'sim'
    config = asObject(simConfig.value.experiment) ?? simConfig.value
    provenance = asObject(simConfig.value.murmur)
    configFile = 'config.json'
  } else if ('value' in runConfig) {
    kind = 'cluster'
    config = runConfig.value
    configFile = 'run.json'
  } else {
    if ('error' in simConfig) notes.push(`config.json ${simConfig.error}.`)
    if ('error' in runConfig) notes.push(`run.json ${runConfig.error}.`)
    const lambda2 = rows.length > 0
      ? 'lambda2 comes from the metrics only'
      : typeof summary?.lambda2 === 'number' ? 'lambda2 is summary.json\'s only' : 'no lambda2 is known'
    notes.push(`No run config (config.json or run.json): the config section is empty and ${lambda2}.`)
  }
  if (kind !== 'cluster' && kind !== 'peer' && existsSync(join(dir, 'peer-0'))) kind = 'cluster'

  const derived = 'value' in simConfig ? asObject(simConfig.value.derived) : null
  // a training run's config.dim is gossip's option, not its network's size
  const dim = positiveInt(derived?.dim) ?? positiveInt(summary?.dim) ?? (config?.algo === 'gossip' ? positiveInt(config.dim) : null) ??
    (kind === 'cluster' ? snapshotDim(dir, positiveInt(summary?.peers)) : null)

  // a peer never writes summary.json: its absence says nothing of how the run ended
  if ('missing' in summaryRead && kind !== 'peer') notes.push('summary.json is absent (the run may not have finished): figures come from the last metrics records.')
  else if ('error' in summaryRead) notes.push(`summary.json ${summaryRead.error}.`)

  const testSamples = positiveInt(derived?.testSamples)
  return { dir, kind, config, configFile, peer, sources: [], provenance, summary, metrics, rows, dim, testSamples, skippedLines, notes }
}
