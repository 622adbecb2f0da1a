/**
 * The terminal view of `murmur watch`: a pure function from a WatchSnapshot to text (the CLI redraws it in place
 * on a terminal, or prints it block after block otherwise). ANSI colour only when asked.
 */
import { livePeer, short } from './model.ts'
import type { PeerRow, WatchSnapshot } from './types.ts'

export interface TerminalOptions {
  /** columns available; default 100 */
  width?: number
  /** ANSI colours; default false */
  color?: boolean
  /** peer rows shown at most (the rest summarised in one line); default 24 */
  maxPeers?: number
  /** latest events shown; default 6 */
  maxEvents?: number
}

const SPARK = '▁▂▃▄▅▆▇█'

export function renderTerminal (s: WatchSnapshot, opts: TerminalOptions = {}): string {
  const width = opts.width ?? 100
  const maxPeers = opts.maxPeers ?? 24
  const maxEvents = opts.maxEvents ?? 6
  const c = colours(opts.color === true)
  const lines: string[] = []
  const clock = new Date(s.time).toISOString().slice(11, 19)
  const run = s.run === null ? (s.ended === null ? 'waiting for the first membership announcement…' : '') : `${s.run.algo} ${s.run.codec} on ${s.run.topology} (${s.run.weights}), ${s.run.peers} peers, ${s.run.rounds} rounds, seed ${s.run.seed}`
  lines.push(`${c.bold(`murmur watch · run '${s.runId}'`)}  ${run}  ${c.dim(clock)}`)
  if (s.ended !== null) lines.push(c.bold(s.ended.text))

  const live = s.peers.filter(livePeer)
  const members = s.peers.filter((p) => p.member).length
  const rounds = live.filter((p) => p.round > 0).map((p) => p.round)
  const roundText = rounds.length === 0 ? '-' : Math.min(...rounds) === Math.max(...rounds) ? String(rounds[0]) : `${Math.min(...rounds)}–${Math.max(...rounds)}`
  const gap = s.graph?.gap ?? null
  lines.push(`peers ${c.bold(String(live.length))} live, ${members} members of round ${s.round ?? '-'} · rounds ${roundText}` +
    ` · spectral gap ${gap === null ? '-' : `${c.bold(gap.toFixed(4))} (λ₂ ${(1 - gap).toFixed(4)})`}`)
  const acc = s.accuracy
  const cons = s.consensus
  lines.push(`accuracy ${acc === null ? '-' : `mean ${c.bold(pct(acc.mean))} min ${c.bold(pct(acc.min))} (round ${acc.round}, ${acc.peers} peers)`}` +
    ` · consensus distance ${cons === null ? '-' : `${c.bold(cons.value.toExponential(3))} (round ${cons.round}, ${cons.peers} sketches)`}` +
    ` · loss ${s.loss === null ? '-' : s.loss.mean.toFixed(4)}`)
  lines.push(`  accuracy  ${spark(s.series.accuracy.points.map((p) => p.mean), width - 14)}`)
  lines.push(`  consensus ${spark(s.series.consensus.points.map((p) => Math.log10(Math.max(p.value, 1e-30))), width - 14)}`)
  if (s.graphError !== null) lines.push(c.red(`graph: ${s.graphError}`))
  lines.push('')

  const header = `${'slot'.padStart(4)}  ${'peer'.padEnd(10)} ${'state'.padEnd(7)} ${'round'.padStart(6)} ${'loss'.padStart(8)} ${'acc'.padStart(7)} ${'deg'.padStart(3)} ${'gap'.padStart(6)} ${'sent/s'.padStart(9)} ${'round ms'.padStart(8)}  compute/comm/wait`
  lines.push(c.dim(header.slice(0, width)))
  for (const p of s.peers.slice(0, maxPeers)) lines.push(peerLine(p, c).slice(0, width + c.extra(p)))
  if (s.peers.length > maxPeers) lines.push(c.dim(`  … ${s.peers.length - maxPeers} more peers`))
  if (s.peers.length === 0) lines.push(c.dim('  no peer heard yet'))
  lines.push('')

  lines.push(c.dim('events'))
  const events = s.events.slice(-maxEvents)
  if (events.length === 0) lines.push(c.dim('  none yet'))
  for (const e of events) {
    const tint = e.kind === 'join' || e.kind === 'back' ? c.green : e.kind === 'heard' ? c.dim : e.kind === 'ended' ? c.bold : c.yellow
    lines.push(`  ${c.dim(new Date(e.time).toISOString().slice(11, 19))} ${tint(e.text)}`.slice(0, width + 20))
  }
  const rejected = Object.entries(s.counters.rejected)
  if (rejected.length > 0) lines.push(c.red(`rejected: ${rejected.map(([k, v]) => `${k} ${v}`).join(', ')}`))
  return lines.join('\n') + '\n'
}

/**
 * The `--view lines` output of one refresh: the events after event `afterSeq`, then the snapshot's status line
 * ('HH:MM:SS round R peers N gap … acc mean/min consensus …'; none while the run is over: there is nothing to report
 * but its end, an event). Each line carries the time it tells of, and the events happened before the snapshot was
 * taken, so the times never go back. N counts the live peers: neither silent nor left.
 */
export function renderLines (s: WatchSnapshot, afterSeq: number): string[] {
  const lines = s.events.filter((e) => e.seq > afterSeq).map((e) => `${clockOf(e.time)} ${e.text}`)
  if (s.ended === null) {
    const a = s.accuracy
    lines.push(`${clockOf(s.time)} round ${s.round ?? '-'} peers ${s.peers.filter(livePeer).length} ` +
      `gap ${s.graph?.gap?.toFixed(4) ?? '-'} acc ${a === null ? '-' : `${pct(a.mean)}/${pct(a.min)}`} ` +
      `consensus ${s.consensus?.value.toExponential(3) ?? '-'}`)
  }
  return lines
}

function clockOf (time: number): string {
  return new Date(time).toISOString().slice(11, 19)
}

function peerLine (p: PeerRow, c: Colours): string {
  const state = p.status === 'silent' ? c.red('silent ') : p.status === 'active' ? c.green('active ') : p.status === 'left' ? c.dim('left   ') : c.yellow(p.status.padEnd(7))
  const split = p.roundMs === null ? '' : `${fmt(p.computeMs)}/${fmt(p.commMs)}/${fmt(p.waitMs)}`
  return `${String(p.slot).padStart(4)}  ${short(p.id).padEnd(10)} ${state} ${String(p.round).padStart(6)} ` +
    `${(p.trainLoss === null ? '-' : p.trainLoss.toFixed(4)).padStart(8)} ${(p.accuracy === null ? '-' : pct(p.accuracy)).padStart(7)} ` +
    `${(p.degree === null ? '-' : String(p.degree)).padStart(3)} ${(p.lambda2 === null ? '-' : (1 - p.lambda2).toFixed(3)).padStart(6)} ` +
    `${(p.sendRate === null ? '-' : bytes(p.sendRate)).padStart(9)} ${(p.roundMs === null ? '-' : p.roundMs.toFixed(0)).padStart(8)}  ${split}`
}

/** the last `n` values as a sparkline scaled to their own range */
export function spark (values: number[], n: number): string {
  const v = values.slice(-Math.max(1, n)).filter(Number.isFinite)
  if (v.length === 0) return '-'
  const lo = Math.min(...v)
  const hi = Math.max(...v)
  const flat = hi - lo <= 1e-9 * Math.max(1, Math.abs(hi))
  return v.map((x) => SPARK[flat ? 3 : Math.round((x - lo) / (hi - lo) * (SPARK.length - 1))]).join('')
}

function pct (x: number): string {
  return `${(x * 100).toFixed(2)}%`
}

function fmt (x: number | null): string {
  return x === null ? '-' : x.toFixed(0)
}

function bytes (perSecond: number): string {
  if (perSecond >= 1e6) return `${(perSecond / 1e6).toFixed(1)} MB`
  if (perSecond >= 1e3) return `${(perSecond / 1e3).toFixed(1)} kB`
  return `${perSecond.toFixed(0)} B`
}

interface Colours {
  bold: (s: string) => string
  dim: (s: string) => string
  red: (s: string) => string
  green: (s: string) => string
  yellow: (s: string) => string
  /** invisible characters the colours add to a peer line (so truncation keeps its visible width) */
  extra: (p: PeerRow) => number
}

function colours (on: boolean): Colours {
  const wrap = (code: string) => (s: string): string => on ? `\u001b[${code}m${s}\u001b[0m` : s
  return { bold: wrap('1'), dim: wrap('2'), red: wrap('31'), green: wrap('32'), yellow: wrap('33'), extra: () => on ? 9 : 0 }
}
