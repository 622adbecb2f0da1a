/**
 * Reads a run folder written by `murmur sim` (metrics.jsonl, config.json, summary.json) or `murmur cluster`
 * (metrics.jsonl, run.json, summary.json, peer-i/). Nothing here throws on a missing or malformed file but the
 * absence of the run itself: each problem becomes a note, so a report of a crashed run still shows what exists.
 */
import { existsSync, readFileSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { RunNotFoundError } from './errors.ts'
import type { LoadedRun, RoundRow, RunKind } from './types.ts'

function num (v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null
}

/** One parsed metrics line as a row, or undefined when it is not an object with a numeric round. */
export function toRow (raw: unknown): RoundRow | undefined {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return undefined
  const r = raw as Record<string, unknown>
  const round = num(r.round)
  if (round === null) return undefined
  return {
    round,
    trainLoss: num(r.trainLoss),
    accuracy: num(r.accuracy),
    peerAccuracyMin: num(r.peerAccuracyMin),
    peerAccuracyMean: num(r.peerAccuracyMean),
    consensusDistance: num(r.consensusDistance),
    bytesThisRound: num(r.bytesThisRound),
    bytesSent: num(r.bytesSent),
    lambda2: num(r.lambda2),
    online: num(r.online),
    computeMs: num(r.computeMs),
    commMs: num(r.commMs),
    roundMs: num(r.wallMs) ?? num(r.roundMsMax)
  }
}

/** metrics.jsonl text → rows in round order (last record wins for a repeated round) and the count of bad lines. */
export function parseMetrics (text: string): { rows: RoundRow[], skipped: number } {
  const byRound = new Map<number, RoundRow>()
  let skipped = 0
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue
    let row: RoundRow | undefined
    try { row = toRow(JSON.parse(line)) } catch { row = undefined }
    if (row === undefined) { skipped++; continue }
    byRound.set(row.round, row)
  }
  return { rows: [...byRound.values()].sort((a, b) => a.round - b.round), skipped }
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
  if (existsSync(metricsPath)) {
    try {
      const parsed = parseMetrics(readFileSync(metricsPath, 'utf8'))
      rows = parsed.rows
      skippedLines = parsed.skipped
      if (skippedLines > 0) notes.push(`metrics.jsonl: ${skippedLines} line(s) were not metrics records and were skipped (a run killed mid-write leaves a torn last line).`)
      if (rows.length === 0) notes.push('metrics.jsonl holds no rounds.')
    } catch (err: any) {
      notes.push(`metrics.jsonl cannot be read (${String(err.code ?? err.message)}).`)
    }
  } else {
    notes.push('metrics.jsonl is absent: no per-round plots.')
  }

  let kind: RunKind = 'unknown'
  let config: Record<string, unknown> | null = null
  let configFile: string | null = null
  let provenance: Record<string, unknown> | null = null
  const simConfig = readObject(join(dir, 'config.json'))
  const runConfig = readObject(join(dir, 'run.json'))
  if ('value' in simConfig) {
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
    notes.push('No run config (config.json or run.json): the config section is empty and lambda2 comes from the metrics only.')
  }
  if (kind !== 'cluster' && existsSync(join(dir, 'peer-0'))) kind = 'cluster'

  let summary: Record<string, unknown> | null = null
  if ('value' in summaryRead) summary = summaryRead.value
  else notes.push('missing' in summaryRead ? 'summary.json is absent (the run may not have finished): figures come from the last metrics records.' : `summary.json ${summaryRead.error}.`)

  return { dir, kind, config, configFile, provenance, summary, rows, skippedLines, notes }
}
