/**
 * A run folder → one self-contained HTML page: the run at a glance, accuracy and consensus distance vs round,
 * bytes per round, the round-time breakdown, measured contraction vs λ₂², and the run's config. Each section
 * that lacks its data says what is absent instead of failing, so a crashed or partial run still gets a report.
 */
import { readFileSync } from 'node:fs'
import { nonFiniteCauses } from '../../lib/algorithms/index.ts'
import { buildLiveGraph, describeSparse, fromEdgeList, lambda2, mixingMatrix, parseTopologySpec } from '../../topologies/index.ts'
import type { Graph } from '../../topologies/index.ts'
import { bytesPerRound, detectDivergence, DIVERGENCE_FACTOR, LAMBDA_SQ_ZERO, lambda2Values, measureContraction, ROUNDOFF_FLOOR, ROUNDOFF_PER_COORDINATE, timeBreakdown } from './analysis.ts'
import { absent, escapeHtml, figure, keyValueTable, page } from './html.ts'
import type { Section } from './html.ts'
import { churnOf, exitsOf, membershipChanges } from './membership.ts'
import type { ChurnRecord, MembershipChange, ProcessExit } from './membership.ts'
import { lineChart, stackedAreaChart } from './plot.ts'
import type { Point } from './plot.ts'
import type { TimeBreakdown } from './analysis.ts'
import type { LoadedRun, PeerIdentity, RoundRow } from './types.ts'

/** Above this many peers the fallback λ₂ uses Lanczos instead of a dense eigendecomposition. */
const DENSE_LIMIT = 1024

export interface ReportOptions {
  /** shown in the footer; omit for a byte-for-byte reproducible page */
  generatedAt?: string
}

function str (v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined
}
function int (v: unknown): number | undefined {
  return typeof v === 'number' && Number.isInteger(v) ? v : undefined
}
function num (v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null
}

/**
 * λ₂ of the topology a run's config names (peers, topology, rows, weights, seed), for metrics that do not
 * record it. Null when the config lacks the fields or the graph cannot be built (e.g. an edge list gone).
 */
export function lambda2OfConfig (config: Record<string, unknown> | null, baseDir = '.'): number | null {
  if (config === null) return null
  const peers = int(config.peers)
  const topology = str(config.topology)
  if (peers === undefined || topology === undefined) return null
  const weights = str(config.weights) ?? 'metropolis'
  try {
    const spec = parseTopologySpec(topology)
    let graph: Graph
    if (spec.kind === 'file') {
      const path = spec.path.startsWith('/') ? spec.path : `${baseDir}/${spec.path}`
      graph = fromEdgeList(readFileSync(path, 'utf8'), peers)
    } else {
      // the graph the run mixed over: the network's and the simulator's nearest one where the spec has none on `peers`
      graph = buildLiveGraph(spec, peers, { seed: int(config.seed) ?? 1, rows: int(config.rows) }).graph
    }
    return peers <= DENSE_LIMIT ? lambda2(mixingMatrix(graph, weights)) : describeSparse(graph, weights).lambda2
  } catch {
    return null
  }
}

const pct = (x: number): string => `${(x * 100).toFixed(2)} %`
const sci = (x: number): string => x === 0 ? '0' : Math.abs(x) >= 1e-2 && Math.abs(x) < 1e4 ? x.toPrecision(4) : x.toExponential(3)
const thousands = (x: number): string => Math.round(x).toLocaleString('en-US')
/** λ₂² for the text: 0 below LAMBDA_SQ_ZERO (eigensolver round-off of a λ₂ that is 0 in theory), else 5 significant digits */
const lambdaSqText = (x: number): string => x < LAMBDA_SQ_ZERO ? '0' : x.toPrecision(5)
function bytesText (x: number): string {
  if (x >= 1e9) return `${(x / 1e9).toFixed(2)} GB`
  if (x >= 1e6) return `${(x / 1e6).toFixed(2)} MB`
  if (x >= 1e3) return `${(x / 1e3).toFixed(1)} kB`
  return `${Math.round(x)} B`
}

function lastOf (rows: readonly RoundRow[], pick: (r: RoundRow) => number | null): number | null {
  for (let i = rows.length - 1; i >= 0; i--) {
    const v = pick(rows[i])
    if (v !== null) return v
  }
  return null
}

/** The round of the last row that has the field, or null. */
function lastRoundOf (rows: readonly RoundRow[], pick: (r: RoundRow) => number | null): number | null {
  for (let i = rows.length - 1; i >= 0; i--) if (pick(rows[i]) !== null) return rows[i].round
  return null
}

/**
 * MNIST's and Fashion-MNIST's test sets (their t10k files) hold 10,000 images each. A --dataset-dir may hold other
 * files: murmur sim records their size (config.json's derived.testSamples); a cluster's or a peer's folder does not,
 * so such a run says "all the test samples" without a number.
 */
const PACKAGED_TEST_SET = 10_000

function testSetSize (config: Record<string, unknown> | null, recorded?: number | null): number | null {
  if (recorded !== undefined && recorded !== null) return recorded
  if (config === null || config.datasetDir !== undefined) return null
  const dataset = str(config.dataset) ?? 'mnist'
  return dataset === 'mnist' || dataset === 'fashion-mnist' ? PACKAGED_TEST_SET : null
}

/** "all 10,000 test samples", "2,000 test samples" for an --eval-limit style limit (0 = all); null when it is not known */
function samplesText (limit: number | undefined, size: number | null): string | null {
  if (limit === undefined) return null
  if (limit === 0 || (size !== null && limit >= size)) return size === null ? 'all the test samples' : `all ${thousands(size)} test samples`
  return `${thousands(limit)} test samples`
}

/**
 * How many test samples each accuracy figure used, by who measured it. The simulator tests the averaged model on
 * --eval-limit and each peer's own on --peer-eval-limit, but on all of them in the last round (lib/experiment run.ts);
 * a cluster's peers and its merge both use --eval-limit; peers on several machines each their own, not recorded.
 */
interface Samples {
  /** the averaged model's, every time */
  averaged: string | null
  /** the peers' own models' between evaluations */
  peers: string | null
  /** the peers' own in the run's last round, when it differs from `peers` (murmur sim: all of them) */
  peersLast: string | null
  /** the run's last round (the config's --rounds), when known */
  lastRound: number | null
}

function samplesOf (run: LoadedRun): Samples {
  const c = run.config ?? {}
  const size = testSetSize(run.config, run.testSamples)
  const averaged = samplesText(int(c.evalLimit), size)
  const lastRound = int(c.rounds) ?? null
  if (run.kind === 'sim') {
    const peers = samplesText(int(c.peerEvalLimit), size)
    const all = samplesText(0, size)
    return { averaged, peers, peersLast: peers === all ? null : all, lastRound }
  }
  if (run.kind === 'cluster') return { averaged, peers: averaged, peersLast: null, lastRound }
  if (run.kind === 'peers') return { averaged, peers: 'each peer\'s own --eval-limit, not recorded', peersLast: null, lastRound }
  return { averaged: null, peers: null, peersLast: null, lastRound }
}

/** The samples behind the peers' figure of a round: the last round's when it is the run's last. */
function peerSamplesAt (s: Samples, round: number | null): string | null {
  return s.peersLast !== null && round !== null && round === s.lastRound ? s.peersLast : s.peers
}

/** The run's rounds: summary.json's, else the last round of metrics.jsonl; null when neither says. */
export function roundsOf (run: LoadedRun): number | null {
  return num(run.summary?.rounds) ?? (run.rows.length > 0 ? run.rows[run.rows.length - 1].round : null)
}

/** What a per-round section says when metrics.jsonl gave no rows: null when it did. */
function noRows (run: LoadedRun, what: string, glanceHint = false): string | null {
  if (run.rows.length > 0) return null
  const why = run.metrics === 'absent' ? 'metrics.jsonl is absent' : run.metrics === 'unreadable' ? 'metrics.jsonl cannot be read' : 'metrics.jsonl holds no rounds'
  return absent(`${why}: no ${what}.${glanceHint && run.summary !== null ? ' At a glance shows summary.json\'s figures for the end of the run.' : ''}`)
}

function glance (run: LoadedRun, peers: number | undefined): string {
  const s = run.summary ?? {}
  const rows = run.rows
  const items: Array<[string, string]> = []
  const add = (label: string, value: number | null, fmt: (x: number) => string): void => { if (value !== null) items.push([fmt(value), label]) }
  const rounds = roundsOf(run)
  add('rounds', rounds, thousands)
  if (run.kind === 'peer') return peerGlance(run, items) + notesList(run, [...run.notes])
  // each accuracy with the test samples behind it: a peer's figure on fewer samples than the averaged model's is no comparison
  const samples = samplesOf(run)
  // the peers' figures are those of the last evaluation; without rows summary.json's are the last round's when it ran them all
  const peerRound = lastRoundOf(rows, (r) => r.peerAccuracyMin) ?? (num(s.rounds) !== null && num(s.rounds) === samples.lastRound ? samples.lastRound : null)
  const peerSamples = peerSamplesAt(samples, peerRound)
  const peerNote = peerSamples === null ? '' : ` (${peerSamples}${samples.peersLast !== null && peerRound !== null ? `, round ${peerRound}` : ''})`
  add(`averaged model, test accuracy${samples.averaged === null ? '' : ` (${samples.averaged})`}`, num(s.accuracy) ?? lastOf(rows, (r) => r.accuracy), pct)
  add(`worst peer's own model${peerNote}`, num(s.peerAccuracyMin) ?? lastOf(rows, (r) => r.peerAccuracyMin), pct)
  add(`mean of the peers' own models${peerNote}`, num(s.peerAccuracyMean) ?? lastOf(rows, (r) => r.peerAccuracyMean), pct)
  const r97 = (s.roundsToAccuracy as Record<string, unknown> | undefined)?.['0.97']
  // "not reached" only where an accuracy was measured: a gossip run, or one that never evaluated, has none to reach
  const measured = num(s.accuracy) !== null || rows.some((r) => r.accuracy !== null)
  if (r97 !== undefined && (r97 !== null || measured)) items.push([r97 === null ? 'not reached' : thousands(r97 as number), 'first round at 97 %'])
  add('consensus distance (1/n) Σ‖x_i − x̄‖²', num(s.consensusDistance) ?? lastOf(rows, (r) => r.consensusDistance), sci)
  const total = num(s.bytesSent) ?? lastOf(rows, (r) => r.bytesSent)
  add('bytes sent, all peers', total, bytesText)
  const perPeer = num(s.bytesPerPeerPerRound) ?? (total !== null && rounds !== null && rounds > 0 && peers !== undefined ? total / rounds / peers : null)
  add('bytes a peer a round', perPeer, thousands)
  add('wall time, s', num(s.wallSeconds), (x) => x.toFixed(1))
  add('round time p50, ms', num(s.roundTimeP50), (x) => x.toFixed(0))
  add('round time p95, ms', num(s.roundTimeP95), (x) => x.toFixed(0))
  add('peak RSS of a peer, MB', num(s.peakRssMbMax), (x) => x.toFixed(0))
  add('lambda2 of W', num(s.lambda2) ?? lastOf(rows, (r) => r.lambda2), (x) => x.toFixed(6))
  add('spectral gap 1 − lambda2', num(s.spectralGap), (x) => x.toFixed(6))
  if (typeof s.backend === 'string') items.push([escapeHtml(s.backend), 'tfjs backend'])
  return figuresHtml(items) + notesList(run, [...run.notes])
}

function figuresHtml (items: ReadonlyArray<[string, string]>): string {
  return `<div class="figures">${items.map(([v, l]) => `<div><b>${v}</b><span>${escapeHtml(l)}</span></div>`).join('')}</div>`
}

/**
 * One peer's folder at a glance: its own figures, labelled as such (its metrics rows are its own, not a merge's).
 * No summary.json exists there, so each comes from the last record that has it, and the round times from its rows.
 */
function peerGlance (run: LoadedRun, items: Array<[string, string]>): string {
  const rows = run.rows
  const add = (label: string, value: number | null, fmt: (x: number) => string): void => { if (value !== null) items.push([fmt(value), label]) }
  add('this peer\'s own model, test accuracy', lastOf(rows, (r) => r.accuracy), pct)
  add('bytes this peer sent', lastOf(rows, (r) => r.bytesSent), bytesText)
  const perRound = bytesPerRound(rows)
  add('bytes this peer sent a round', perRound.length > 0 ? perRound.reduce((a, b) => a + b.bytes, 0) / perRound.length : null, thousands)
  const times = rows.flatMap((r) => r.roundMs === null ? [] : [r.roundMs]).sort((a, b) => a - b)
  const q = (p: number): number | null => times.length === 0 ? null : times[Math.min(times.length - 1, Math.floor(p * times.length))]
  add('this peer\'s round time p50, ms', q(0.5), (x) => x.toFixed(0))
  add('this peer\'s round time p95, ms', q(0.95), (x) => x.toFixed(0))
  add('lambda2 of W, over the peers this peer saw', lastOf(rows, (r) => r.lambda2), (x) => x.toFixed(6))
  return figuresHtml(items)
}

function notesList (run: LoadedRun, all: string[]): string {
  const s = run.summary ?? {}
  const rows = run.rows
  const stopped = s.diverged
  if (typeof stopped === 'object' && stopped !== null && typeof (stopped as { round?: unknown }).round === 'number') {
    const { round, reason } = stopped as { round: number, reason?: unknown }
    all.push(`The run stopped in round ${round}: the model became non-finite${typeof reason === 'string' ? ` (${reason})` : ''}; ` +
      'the figures are those of the rounds before it.')
  }
  // murmur cluster's and murmur sim's summary.json: a run stopped before its last round (a signal, --timeout, or
  // every peer gone; a simulation only by Ctrl-C)
  const early = s.stopped
  if (typeof early === 'object' && early !== null && typeof (early as { round?: unknown }).round === 'number') {
    const { by, round, rounds } = early as { by?: unknown, round: number, rounds?: unknown }
    const cause = by === 'timeout' ? 'by the cluster\'s --timeout' : by === 'peers' ? 'because every peer exited early' : typeof by === 'string' ? `by ${by}` : 'early'
    all.push(`The run was stopped at round ${round}${typeof rounds === 'number' ? ` of ${rounds}` : ''} ${cause}: the figures are those of the rounds run. ` +
      (run.kind === 'sim'
        ? 'A simulation does not resume: run it again with the --rounds wanted.'
        : 'To go on, restart each peer with murmur peer --resume on its folder, then report the peers\' folders together (README, murmur cluster).'))
  }
  const d = detectDivergence(rows)
  if (d !== null) {
    all.push(`${run.kind === 'peer' ? 'This peer\'s model diverged: its' : 'The run diverged: the mean'} training loss rose from ${sci(d.first)} (round ${d.firstRound}) to ${sci(d.peak)} (round ${d.peakRound}), ` +
      `more than ${DIVERGENCE_FACTOR}× its start; its accuracy and consensus figures describe a broken model. Why: ${divergenceCauses(run)}.`)
  }
  return all.length > 0 ? `<ul class="notes">${all.map((n) => `<li>${escapeHtml(n)}</li>`).join('')}</ul>` : ''
}

/** what to suspect of a diverged run: its lossy codec, where it had one, else the step size */
function divergenceCauses (run: LoadedRun): string {
  const c = run.config ?? {}
  const others = 'a step size too large (try a smaller --lr)'
  if (typeof c.algo !== 'string' || typeof c.codec !== 'string') return others
  return nonFiniteCauses({ algo: c.algo, codec: c.codec, gamma: typeof c.gamma === 'number' ? c.gamma : undefined }, others)
}

/** How the run tested its models, by who ran it: the simulator and cluster peers use different options. */
function evaluationText (run: LoadedRun): string {
  const c = run.config ?? {}
  const every = int(c.evalEvery)
  const samples = (limit: number | undefined, option: string): string => limit === undefined
    ? `the test samples <code>${option}</code> allows (0 = all)`
    : limit === 0 ? `all the test samples (<code>${option} 0</code>)` : `the first ${thousands(limit)} test samples (<code>${option}</code>)`
  const everyText = every !== undefined ? ` (${every})` : ''
  const evalRounds = `<code>--eval-every</code>${everyText} rounds`
  if (run.kind === 'sim') {
    return `Measured on ${evalRounds} and the last round. The averaged model x̄ = (1/n) Σ x_i is tested on ${samples(int(c.evalLimit), '--eval-limit')}; ` +
      `each peer's own model on ${samples(int(c.peerEvalLimit), '--peer-eval-limit')} between evaluations and on all of them in the last round.`
  }
  if (run.kind === 'peer') {
    return `This peer tests its own model on its ${evalRounds} and the last round, on the test samples its <code>--eval-limit</code> allows ` +
      '(a setting of each peer, not recorded in its folder).'
  }
  if (run.kind === 'peers') {
    return 'The averaged model x̄ = (1/n) Σ x_i is tested by murmur report, from the parameters the peers saved (<code>snapshots/</code>, every ' +
      `<code>--snapshot-every</code> rounds), on ${samples(int(c.evalLimit), '--eval-limit')}; each peer tests its own model on its <code>--eval-every</code> rounds ` +
      'and the last round, on the test samples its own <code>--eval-limit</code> allows.'
  }
  if (run.kind === 'cluster') {
    return 'The averaged model x̄ = (1/n) Σ x_i is tested by murmur cluster, from the parameters the peers saved, on snapshot rounds ' +
      `(<code>--snapshot-every</code>, by default <code>--eval-every</code>${everyText}) and the last round; each peer tests its own model on its ${evalRounds} ` +
      `and the last round. Both use ${samples(int(c.evalLimit), '--eval-limit')} every time.`
  }
  return 'Measured on the run\'s evaluation rounds; the averaged model is x̄ = (1/n) Σ x_i, each peer\'s own model is its replica.'
}

/** Dashed marker lines at the rounds churn events were applied, for the round-indexed plots. */
type Rules = Array<{ x: number, label: string }>

function rulesNote (rules: Rules): string {
  return rules.length === 0 ? '' : ' Dashed lines: the rounds churn events were applied at (see Membership).'
}

async function accuracySection (run: LoadedRun, algo: string | undefined, rules: Rules): Promise<string> {
  const none = noRows(run, 'accuracy round by round', true)
  if (none !== null) return none
  const samples = samplesOf(run)
  const last = samples.lastRound !== null && run.rows.some((r) => r.round === samples.lastRound && r.peerAccuracyMin !== null) ? samples.lastRound : null
  // the legend names the test samples behind each line (the simulator tests the peers on all in the last round),
  // short: vega cuts a legend label at about 50 characters
  const short = (text: string): string => text.replace(/ test samples$/, ' samples').replace(/^each peer's own (--eval-limit), not recorded$/, 'own $1')
  const peerSamples = samples.peers === null ? '' : ` (${short(samples.peers)}${samples.peersLast !== null && last !== null ? `; all in round ${last}` : ''})`
  const points: Point[] = []
  const own = run.kind === 'peer' ? 'this peer\'s own model' : `averaged model x̄${samples.averaged === null ? '' : ` (${short(samples.averaged)})`}`
  for (const r of run.rows) {
    if (r.accuracy !== null) points.push({ x: r.round, y: r.accuracy, series: own })
    if (r.peerAccuracyMean !== null) points.push({ x: r.round, y: r.peerAccuracyMean, series: `peers' mean${peerSamples}` })
    if (r.peerAccuracyMin !== null) points.push({ x: r.round, y: r.peerAccuracyMin, series: `worst peer${peerSamples}` })
  }
  if (points.length === 0) {
    return absent(algo === 'gossip'
      ? 'No accuracy: a gossip run averages random vectors, so there is no model to test. See the consensus distance below.'
      : 'No accuracy was recorded in metrics.jsonl (no evaluation round was reached).')
  }
  const svg = await lineChart({ title: 'Test accuracy vs round', xTitle: 'round', xFormat: 'd', yTitle: 'test accuracy', points, markers: true, rules })
  let apart = ''
  if (run.kind === 'sim' && samples.peers !== null && samples.averaged !== null && samples.peers !== samples.averaged) {
    apart = ` Between evaluations the peers' own models are tested on ${samples.peers} and the averaged model on ${samples.averaged}: ` +
      'their accuracies are not measured alike, and the worst peer can score above the averaged model there without being better.' +
      (last === null || samples.peersLast === null ? '' : ` In round ${last} the peers are tested on ${samples.peersLast}${samples.peersLast === samples.averaged ? ', as the averaged model is' : ''}.`)
  }
  // HTML: fixed words, numbers and option names only
  return figure(svg, 'acc', evaluationText(run) + escapeHtml(apart) + rulesNote(rules))
}

/** Why one peer's folder has no consensus distance (nor a contraction of it): said in place of either. */
const PEER_NO_CONSENSUS = 'One peer\'s folder holds no consensus distance: it is measured across every peer\'s parameters. ' +
  'Give every peer\'s --data-dir to murmur report (murmur report peer-a peer-b ...) to have it.'

async function consensusSection (run: LoadedRun, rules: Rules): Promise<string> {
  if (run.kind === 'peer') return absent(PEER_NO_CONSENSUS)
  const none = noRows(run, 'consensus distance round by round')
  if (none !== null) return none
  const points: Point[] = run.rows.filter((r) => r.consensusDistance !== null && r.consensusDistance > 0)
    .map((r) => ({ x: r.round, y: r.consensusDistance as number, series: 'consensus distance' }))
  if (points.length === 0) {
    if (run.rows.some((r) => r.consensusDistance === 0)) {
      return absent('Every recorded consensus distance is 0: the replicas agree exactly (one peer, or a W = 11ᵀ/n such as Metropolis weights on a complete graph, ' +
        'which averages in one round), and 0 has no place on a log axis.')
    }
    return absent('No consensus distance was recorded (a cluster records it only on snapshot rounds, from the peers\' saved parameters).')
  }
  const svg = await lineChart({ title: 'Consensus distance vs round', xTitle: 'round', xFormat: 'd', yTitle: '(1/n) Σ‖x_i − x̄‖² (log)', points, logY: true, markers: points.length <= 60, rules })
  const where = run.kind === 'cluster' || run.kind === 'peers' ? 'computed from the peers\' parameter snapshots (every <code>--snapshot-every</code> rounds)' : 'computed every round over all peers'
  return figure(svg, 'cons', `How far the replicas are from their average, ${where}. Zero values (exact agreement) have no place on the log axis and are left out.${rulesNote(rules)}`)
}

async function bytesSection (run: LoadedRun, peers: number | undefined, rules: Rules): Promise<string> {
  const none = noRows(run, 'byte counts round by round')
  if (none !== null) return none
  const series = bytesPerRound(run.rows)
  if (series.length === 0) return absent('No byte counts were recorded (bytesThisRound / bytesSent).')
  const mine = run.kind === 'peer'
  const points: Point[] = series.map((b) => ({ x: b.round, y: b.bytes, series: mine ? 'this peer' : 'all peers' }))
  const svg = await lineChart({ title: 'Bytes on the wire per round', xTitle: 'round', xFormat: 'd', yTitle: 'bytes sent in the round', points, zeroY: true, yFormat: '~s', rules })
  const mean = series.reduce((s, b) => s + b.bytes, 0) / series.length
  const perPeer = peers !== undefined && peers > 0 ? `, ${thousands(mean / peers)} a peer` : ''
  return figure(svg, 'bytes', `Every byte ${mine ? 'this peer' : 'the peers'} sent, codec payload and framing included. Mean ${bytesText(mean)} a round${perPeer}.${rulesNote(rules)}`)
}

/**
 * summary.json's timeShare of a cluster run (scripts/lib/cluster-merge.ts timeSplit): shares of the peers' summed
 * time. `other` is there since the merge counts a hold once; an older summary lacks it, and it is then the remainder.
 */
function timeShareOf (summary: Record<string, unknown> | null): { compute: number, communicate: number, wait: number, other: number | null } | null {
  const t = summary?.timeShare
  if (t === null || typeof t !== 'object') return null
  const { compute, communicate, wait, other } = t as Record<string, unknown>
  const c = num(compute)
  const m = num(communicate)
  const w = num(wait)
  if (c === null || m === null || w === null) return null
  // all 0: no round ran (--rounds 0), so there is no time to split (timeSplit's answer without time)
  const o = num(other)
  return c + m + w + (o ?? 0) > 0 ? { compute: c, communicate: m, wait: w, other: o } : null
}

/**
 * The run's time split as murmur cluster printed it, and what its three measured shares leave out: a peer's round
 * (node/peer peer.ts) holds its compute and exchange, and also the evaluation of its own model, the parameter snapshot
 * and the round's bookkeeping (membership, topology, lambda2), which no share names: the remainder is those, so the
 * parts sum to 100 %. (Before timeSplit, a round held while cut off was counted twice in the whole, and its hold
 * showed up in this remainder.)
 */
function clusterShareText (share: { compute: number, communicate: number, wait: number, other: number | null }, algo: string | undefined, kind: LoadedRun['kind']): string {
  const other = share.other ?? Math.max(0, 1 - share.compute - share.communicate - share.wait)
  const p = (x: number): string => `${(100 * x).toFixed(1)} %`
  const source = kind === 'peers' ? 'as murmur cluster computes it, from every peer\'s records' : 'summary.json, as murmur cluster prints it'
  return ` Over the run, of the peers' summed time (${source}): compute ${p(share.compute)}, ` +
    `communicate ${p(share.communicate)}, wait ${p(share.wait)}, other (${algo === 'gossip' ? '' : 'evaluating the peer\'s own model, '}writing snapshots, ` +
    `the round's bookkeeping) ${p(other)}. Wait is time blocked outside the exchange: for the run to start or the peer's join round, or held while cut off from the run.`
}

async function timeSection (run: LoadedRun, algo: string | undefined): Promise<string> {
  const none = noRows(run, 'timings round by round')
  const share = run.kind === 'cluster' || run.kind === 'peers' ? timeShareOf(run.summary) : null
  if (none !== null) return share === null ? none : `${none}<p>${escapeHtml(clusterShareText(share, algo, run.kind).trim())}</p>`
  const rounds = timeBreakdown(run.rows, run.kind)
  if (rounds.length === 0) return absent('No timings were recorded (computeMs / commMs).')
  const points: Point[] = []
  const totals = new Map<string, number>()
  for (const r of rounds) {
    for (const p of r.parts) {
      points.push({ x: r.round, y: p.ms, series: p.label })
      totals.set(p.label, (totals.get(p.label) ?? 0) + p.ms)
    }
  }
  const svg = await stackedAreaChart({ title: 'Where a round\'s time goes', xTitle: 'round', xFormat: 'd', yTitle: 'ms', points })
  const what = run.kind === 'peer'
    ? 'This peer\'s rounds: its own work (local steps, encoding, mixing), its exchange (which includes waiting for its neighbours\' messages), ' +
      'and the rest of its round (evaluating its own model, its snapshot and bookkeeping, and any hold while cut off from the run).'
    : run.kind === 'sim'
    ? 'The simulator runs every peer in one thread: a round\'s wall time is all peers\' local steps, encoding and mixing one after the other, plus the in-memory exchange and the simulator\'s bookkeeping (evaluation is not counted).'
    : 'Peer processes run side by side. Each round: the mean peer\'s own work (local steps, encoding, mixing) and exchange (which includes waiting for neighbours), ' +
      'and the rest of the slowest peer\'s round (its evaluation, snapshot and bookkeeping, and how much longer it took).'
  const all = [...totals.values()].reduce((a, b) => a + b, 0)
  // a cluster's summary has the split over every peer's time, the one murmur cluster prints: that one, not the plot's
  if (share !== null) return figure(svg, 'time', escapeHtml(what + clusterShareText(share, algo, run.kind)))
  const whose = run.kind === 'sim' ? 'of their summed wall time' : run.kind === 'peer' ? 'of this peer\'s round time summed over them' : 'of the slowest peer\'s round time summed over them'
  const split = all > 0 ? ` Over ${timedRoundsText(rounds, run.rows.length)}, ${whose}: ${[...totals].map(([label, ms]) => `${label} ${(100 * ms / all).toFixed(1)} %`).join(', ')}.` : ''
  const notPrinted = run.kind === 'cluster'
    ? ` ${run.summary === null ? 'summary.json is absent (the run may not have finished)' : 'summary.json holds no time split'}, so this is not the split murmur cluster prints ` +
      '(over every peer\'s time, with the time peers waited for the run to start or held while cut off): here a round counts once, at its slowest peer.'
    : ''
  return figure(svg, 'time', escapeHtml(what + split + notPrinted))
}

/** "the 40 rounds in metrics.jsonl (rounds 1 to 40)", or "38 of the 40 rounds ... (those with timings, ...)" */
function timedRoundsText (timed: readonly TimeBreakdown[], rows: number): string {
  const first = timed[0].round
  const last = timed[timed.length - 1].round
  const span = timed.length === 1 ? `round ${first}` : `rounds ${first} to ${last}`
  if (timed.length === rows) return timed.length === 1 ? `the one round in metrics.jsonl (${span})` : `the ${rows} rounds in metrics.jsonl (${span})`
  return `${timed.length} of the ${rows} rounds in metrics.jsonl (those with timings, ${span})`
}

/** What makes a run's rounds mix with less than the W its lambda2 describes: message loss, peers sitting rounds out. */
function lossText (config: Record<string, unknown> | null): string | null {
  const drop = typeof config?.drop === 'number' && config.drop > 0 ? `--drop ${config.drop}` : null
  const offline = typeof config?.offline === 'number' && config.offline > 0 ? `--offline ${config.offline}` : null
  const parts = [drop, offline].filter((p) => p !== null)
  return parts.length === 0 ? null : parts.join(', ')
}

/** "rounds 60 to 80 (at round 61 ...; at round 64 ...); rounds 100 to 120 (...)" */
function excludedText (excluded: ReadonlyArray<{ from: number, to: number, why: string[] }>): string {
  return excluded.map((e) => `rounds ${e.from} to ${e.to} (${e.why.join('; ')})`).join('; ')
}

/** "3 records from round 30 on", "2 records of rounds 30 to 35 (until membership changed) and 4 from round 120 on" */
function roundOffText (spans: ReadonlyArray<{ from: number, to: number, records: number, toEnd: boolean }>): string {
  return spans.map((o, i) => {
    const n = i === 0 ? `${o.records} record(s)` : String(o.records)
    return o.toEnd ? `${n} from round ${o.from} on` : `${n} of ${o.from === o.to ? `round ${o.from}` : `rounds ${o.from} to ${o.to}`} (until membership changed)`
  }).join(' and ')
}

async function contractionSection (run: LoadedRun, algo: string | undefined, fallback: number | null, changes: readonly MembershipChange[], rules: Rules): Promise<string> {
  if (run.kind === 'peer') return absent(PEER_NO_CONSENSUS)
  const none = noRows(run, 'consensus distances to measure a contraction from')
  if (none !== null) return none
  const recorded = lambda2Values(run.rows)
  const c = measureContraction(run.rows, fallback, { dim: run.dim ?? undefined, changes })
  const source = recorded.length > 0
    ? `lambda2 as recorded in the metrics (${recorded.length === 1 ? recorded[0].toFixed(6) : `${recorded.length} values from ${recorded[0].toFixed(4)} to ${recorded[recorded.length - 1].toFixed(4)}: the topology changed with membership`})`
    : fallback !== null ? `lambda2 ${fallback.toFixed(6)}, computed from the run config's topology (the metrics record none)` : ''
  const floorText = `at or below ${sci(c.floor)} (${ROUNDOFF_PER_COORDINATE} × the model's ${run.dim === null ? 'coordinates, unknown here: taken as 1' : `${thousands(run.dim)} coordinates`}, ` +
    `or ${ROUNDOFF_FLOOR} of the first recorded distance, whichever is larger)`
  if (c.points.length === 0) {
    if (recorded.length === 0 && fallback === null) return absent('No lambda2: the metrics record none and the run config (peers, topology, weights, seed) is absent or cannot be rebuilt.')
    if (c.excluded.length > 0) {
      return absent(`Membership changed within every interval between records above round-off, so none measures a contraction (the distances on either side of a change are over different peers): ${excludedText(c.excluded)}.`)
    }
    const positive = run.rows.some((r) => r.consensusDistance !== null && r.consensusDistance > 0)
    if (c.floorRound !== null && positive) {
      return absent(`The consensus reached float32 round-off by round ${c.floorRound}; too few records above it to measure a contraction. ` +
        `A record ${floorText} is round-off, not mixing${run.kind === 'cluster' || run.kind === 'peers' ? '; a cluster records the distance only on snapshot rounds (--snapshot-every), and fast mixing reaches round-off before the first or second of them' : ''}.`)
    }
    return absent('Fewer than two rounds with a positive consensus distance: nothing to measure a contraction from.')
  }
  const points: Point[] = []
  for (const p of c.points) {
    if (p.measured > 0) points.push({ x: p.round, y: p.measured, series: 'measured (c_r / c_prev) per round' })
    if (p.predicted > 0) points.push({ x: p.round, y: p.predicted, series: 'lambda2² (gossip theory)' })
  }
  const svg = await lineChart({ title: 'Measured contraction vs lambda2²', xTitle: 'round', xFormat: 'd', yTitle: 'per-round factor of the consensus distance (log)', points, logY: true, markers: c.points.length <= 60, rules })
  // HTML: the dynamic parts are numbers and fixed words, the source text and the reasons are escaped
  const lines: string[] = [`Per round, the ratio of consecutive consensus distances (over k rounds between records, its k-th root, plotted at the later record) beside ${escapeHtml(source)}.`]
  if (c.excluded.length > 0) {
    lines.push(escapeHtml(`Left out, because membership changed within them: ${excludedText(c.excluded)}. The distances on either side of a change are over different peers, so their ratio is no contraction. ` +
      `The other ${c.points.length} ${c.points.length === 1 ? 'interval' : 'intervals'} between records${c.belowFloor > 0 ? ' above round-off' : ''} are used.`))
  }
  if (c.fit !== null) {
    const err = c.fit.relativeError === null || algo !== 'gossip' ? ' against' : `, ${(c.fit.relativeError * 100).toFixed(2)} % from`
    const window = c.fit.gaps === 0 && c.excluded.length === 0 ? 'the last third above round-off' : `the last third of the ${c.points.length} intervals used${c.fit.gaps > 0 ? ', less those left out between them' : ''}`
    lines.push(`Rounds ${c.fit.from} to ${c.fit.to} (${window}): measured ${c.fit.rate.toPrecision(5)} a round${err} lambda2² = ${lambdaSqText(c.fit.predicted)}.`)
  }
  const lossy = lossText(run.config)
  if (lossy !== null) {
    lines.push(`This run lost messages or peers (${lossy}): a missing neighbour's weight stays with the receiver, so its rounds mix with a lazier W ` +
      'than the full graph\'s that lambda2 describes, and the consensus distance contracts more slowly than lambda2².')
  }
  if (c.belowFloor > 0) lines.push(`${roundOffText(c.roundOff)} are left out: the consensus distance was ${floorText}, which float32 round-off, not mixing, sets.`)
  if (algo !== undefined && algo !== 'gossip') {
    lines.push('This is a training run: every round\'s local steps pull the replicas apart again, so the ratio settles near 1 once the distance is at its steady state; only gossip averaging (<code>--algo gossip</code>) contracts at lambda2².')
  }
  return figure(svg, 'contr', lines.join(' ') + rulesNote(rules))
}

/** "At round 61 the peers ..." from a change's "at round 61 the peers ..." */
const sentence = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1)

/**
 * Who took part: the churn events murmur cluster applied (summary.json), the peer processes that did not exit 0 and
 * whether churn explains it, and the changes the metrics show. A network run's only: a simulator's peers are fixed.
 */
function membershipSection (run: LoadedRun, churn: readonly ChurnRecord[], changes: readonly MembershipChange[]): string {
  const parts: string[] = []
  const s = run.summary
  if (run.kind === 'peers') {
    parts.push('<p>Churn events and process exits are what murmur cluster records of its own processes: for peers\' folders gathered from several machines they are not known. What the peers\' metrics show is below.</p>')
  } else if (s === null) {
    parts.push(absent('summary.json is absent (the run may not have finished): the churn events applied and how the peer processes exited are not known. What the metrics show is below.'))
  } else {
    const lines: string[] = []
    if (churn.length === 0) {
      lines.push('No churn events.')
    } else {
      const target = (e: ChurnRecord): string => e.target === null ? '' : e.kind === 'join' ? `${e.target} new ${e.target === 1 ? 'peer' : 'peers'}` : `slot ${e.target}`
      const rows = churn.map((e) => `<tr><td>${e.round === null ? 'not applied' : e.round}</td><td>${escapeHtml(e.kind ?? e.event)}</td><td>${target(e)}</td>` +
        `<td><code>${escapeHtml(e.event)}</code>: ${escapeHtml(e.outcome === '' ? 'no outcome recorded' : e.outcome)}</td></tr>`)
      parts.push('<table class="events"><tr><th>round</th><th>event</th><th>peer</th><th>outcome</th></tr>' + rows.join('') + '</table>' +
        '<p class="muted">A round is the one the event was applied at: murmur cluster applies it once a peer has recorded that round, so slower peers may not have finished it.</p>')
    }
    const processes = Array.isArray(s.exits) ? s.exits.length : null
    const bad = exitsOf(s, churn)
    if (processes !== null && bad.length === 0) lines.push(`All ${processes} peer ${processes === 1 ? 'process' : 'processes'} exited 0.`)
    else if (processes !== null) lines.push(`${processes - bad.length} of the ${processes} peer processes exited 0; the others:`)
    else lines.push('summary.json does not record how the peer processes exited.')
    parts.push(`<p>${escapeHtml(lines.join(' '))}</p>`)
    if (bad.length > 0) {
      const how = (e: ProcessExit): string => e.signal !== null ? `killed by ${e.signal}` : e.exitCode !== null ? `exit code ${e.exitCode}` : 'no exit status recorded'
      parts.push(`<ul>${bad.map((e) => `<li>${escapeHtml(`peer-${e.process} (slot ${e.slot}): ${how(e)}; ${e.expected !== null ? `expected: ${e.expected}.` : `not caused by churn: see peer-${e.process}/log.txt.`}`)}</li>`).join('')}</ul>`)
    }
  }
  if (changes.length > 0) {
    parts.push(`<p>What the metrics show (the measured contraction leaves out the intervals between records these fall in):</p><ul>${changes.map((c) => `<li>${escapeHtml(sentence(c.why))}.</li>`).join('')}</ul>`)
  } else if (run.rows.some((r) => r.online !== null)) {
    parts.push('<p>The metrics show no change: the same number of peers ran every round, over the same graph.</p>')
  }
  return parts.join('')
}

function valueText (v: unknown): string {
  return escapeHtml(typeof v === 'string' ? v : JSON.stringify(v))
}

/** Settings of a run that only the simulator reads: cluster and network peers ignore them (node/cli peer.ts). */
const SIM_ONLY = ['drop', 'offline', 'peerEvalLimit']
/** What --algo gossip ignores: it averages a vector of --dim values and trains nothing (lib/experiment configNotes). */
const TRAINING_ONLY = ['model', 'dataset', 'partition', 'normalize', 'lr', 'momentum', 'weightDecay', 'localSteps', 'batch', 'evalLimit', 'peerEvalLimit']

/** Why a config field does nothing in this run, or undefined when it applies: the table marks it instead of hiding it. */
export function unusedBecause (field: string, config: Record<string, unknown>, kind: LoadedRun['kind']): string | undefined {
  const algo = str(config.algo)
  if (kind !== 'sim' && kind !== 'unknown' && SIM_ONLY.includes(field)) return `not used by murmur ${kind === 'cluster' ? 'cluster' : 'peer'}: murmur sim only`
  if (algo === 'gossip' && TRAINING_ONLY.includes(field)) return 'not used by gossip: it trains nothing'
  // a peer's folder holds its checkpoint's agreed config, whose dim is its model's parameter count (fieldNote)
  if (field === 'dim' && algo !== undefined && algo !== 'gossip' && kind !== 'peer' && kind !== 'peers') return `not used by ${algo}: the model sets the size`
  if (field === 'gamma' && algo !== undefined && algo !== 'choco') return `not used by ${algo}: choco only`
  if (field === 'staleness' && config.sync !== undefined && config.sync !== 'async') return 'not used by sync rounds: async only'
  if (field === 'rows' && typeof config.topology === 'string' && !config.topology.startsWith('torus')) return 'not used by this topology: torus only'
  return undefined
}

/**
 * What a field the run uses holds, where its name alone would mislead: a training run's agreed `dim` (from a peer's
 * checkpoint) is its model's parameter count, not a --dim anyone gave.
 */
export function fieldNote (field: string, config: Record<string, unknown>, kind: LoadedRun['kind']): string | undefined {
  const algo = str(config.algo)
  if (field === 'dim' && algo !== undefined && algo !== 'gossip' && (kind === 'peer' || kind === 'peers')) return 'the model\'s parameter count, agreed by the peers'
  return undefined
}

function configTable (config: Record<string, unknown>, kind: LoadedRun['kind']): string {
  return keyValueTable(Object.entries(config).map(([k, v]) => {
    const note = unusedBecause(k, config, kind) ?? fieldNote(k, config, kind)
    return [k, `<code>${valueText(v)}</code>${note === undefined ? '' : ` <span class="unused">(${escapeHtml(note)})</span>`}`]
  }))
}

function identityRows (p: PeerIdentity): Array<[string, string]> {
  const rows: Array<[string, string]> = []
  if (p.peerId !== null) rows.push(['peer id', `<code>${escapeHtml(p.peerId)}</code>`])
  if (p.slot !== null) rows.push(['slot (--shard)', `<code>${p.slot}</code>`])
  if (p.runId !== null) rows.push(['run id', `<code>${escapeHtml(p.runId)}</code>`])
  if (p.configHash !== null) rows.push(['config hash', `<code>${escapeHtml(p.configHash)}</code>`])
  return rows
}

function configSection (run: LoadedRun): string {
  if (run.kind === 'peer') return peerConfigSection(run)
  if (run.config === null) return absent('No run config was found (config.json from murmur sim, run.json from murmur cluster).')
  const from = run.kind === 'peers'
    ? '<p>The fields every peer of the run agreed on, from the peers\' checkpoints (every folder\'s <code>peer.json</code> has their hash). ' +
      'Per-peer settings (evaluation limits, backend, data folder, snapshot and checkpoint intervals) are not recorded; the averaged model was tested with this table\'s <code>evalLimit</code>.</p>'
    : `<p>From <code>${escapeHtml(run.configFile ?? '')}</code>. ${run.kind === 'sim'
    ? 'Repeat the run with <code>murmur sim --config ' + escapeHtml(run.configFile ?? 'config.json') + '</code>.'
    : 'Every peer of the run loaded this config.'}</p>`
  const parts = [from, configTable(run.config, run.kind)]
  if (run.sources.length > 0) {
    parts.push('<h3>Peer folders merged</h3>', keyValueTable(run.sources.map((p) => [p.slot === null ? '?' : `slot ${p.slot}`,
      `<code>${escapeHtml(p.dir)}</code>${p.peerId === null ? '' : ` (<code>${escapeHtml(p.peerId)}</code>)`}`])))
  }
  if (run.provenance !== null) {
    const prov: Array<[string, string]> = Object.entries(run.provenance).map(([k, v]) => [k, `<code>${valueText(v)}</code>`])
    parts.push('<h3>How it was run</h3>', keyValueTable(prov))
  }
  if (run.summary !== null) parts.push(`<details><summary>summary.json</summary><pre>${escapeHtml(JSON.stringify(run.summary, null, 2))}</pre></details>`)
  return parts.join('')
}

/** A peer's folder: who it is, and the run's agreed config when its checkpoint holds it. */
function peerConfigSection (run: LoadedRun): string {
  const who = run.peer === null ? [] : identityRows(run.peer)
  const parts = [who.length > 0 ? `<h3>This peer</h3>${keyValueTable(who)}` : '']
  if (run.config === null) {
    parts.unshift(absent('This folder does not hold the run config: see the note at the top. Below, which run and peer it is.'))
  } else {
    parts.unshift(`<p>From <code>${escapeHtml(run.configFile ?? '')}</code>: the fields every peer of the run agreed on (their hash is <code>peer.json</code>'s). ` +
      'Per-peer settings (evaluation limits, backend, data folder, snapshot and checkpoint intervals) are not recorded.</p>', configTable(run.config, run.kind))
  }
  return parts.join('')
}

function leadText (run: LoadedRun): string {
  const c = run.config ?? {}
  const slot = run.peer?.slot ?? null
  const kind = run.kind === 'sim'
    ? 'simulator run (murmur sim)'
    : run.kind === 'cluster'
      ? 'local cluster of peer processes (murmur cluster)'
      : run.kind === 'peer'
        ? `one peer's folder (murmur peer${slot === null ? '' : `, slot ${slot}`})${run.peer?.runId != null ? ` of run ${run.peer.runId}` : ''}`
        : run.kind === 'peers' ? `${run.sources.length} peers' folders (murmur peer), merged by murmur report` : 'run'
  const bits = [kind]
  if (int(c.peers) !== undefined) bits.push(`${run.kind === 'peer' ? 'a run of ' : ''}${String(c.peers)} ${c.peers === 1 ? 'peer' : 'peers'}`)
  if (str(c.topology) !== undefined) bits.push(`${String(c.topology)} topology, ${str(c.weights) ?? 'metropolis'} weights`)
  if (str(c.algo) !== undefined) bits.push(`${String(c.algo)}${str(c.codec) !== undefined ? `, codec ${String(c.codec)}` : ''}`)
  if (str(c.algo) !== 'gossip' && str(c.dataset) !== undefined) bits.push(`${String(c.dataset)} ${str(c.partition) ?? ''}, model ${str(c.model) ?? ''}`)
  return `<p class="lead">${escapeHtml(bits.join(' · '))}</p>`
}

/** The whole HTML page of a loaded run. */
export async function buildReport (run: LoadedRun, opts: ReportOptions = {}): Promise<string> {
  const algo = str(run.config?.algo)
  // one peer's figures are its own: nothing of theirs is divided among the run's peers
  const peers = run.kind === 'peer' ? undefined : run.kind === 'peers' ? run.sources.length : int(run.config?.peers) ?? int(run.summary?.peers)
  const fallback = lambda2OfConfig(run.config, run.dir)
  const name = run.dir.split('/').filter((p) => p !== '').pop() ?? run.dir
  // membership changes only in a network run: a simulator's `online` counts --offline peers sitting a round out
  const network = run.kind === 'cluster' || run.kind === 'peers'
  const churn = network ? churnOf(run.summary) : []
  const changes = network ? membershipChanges(run.rows, churn) : []
  const rules: Rules = churn.flatMap((e) => e.happened && e.round !== null ? [{ x: e.round, label: e.event }] : [])
  const sections: Section[] = [
    { id: 'glance', title: 'At a glance', body: glance(run, peers) },
    ...(network ? [{ id: 'membership', title: 'Membership', body: membershipSection(run, churn, changes) }] : []),
    { id: 'accuracy', title: 'Accuracy vs round', body: await accuracySection(run, algo, rules) },
    { id: 'consensus', title: 'Consensus distance vs round', body: await consensusSection(run, rules) },
    { id: 'bytes', title: 'Bytes per round', body: await bytesSection(run, peers, rules) },
    { id: 'time', title: 'Round-time breakdown', body: await timeSection(run, algo) },
    { id: 'contraction', title: 'Measured contraction vs lambda2²', body: await contractionSection(run, algo, fallback, changes, rules) },
    { id: 'config', title: 'Run config', body: configSection(run) }
  ]
  const when = opts.generatedAt !== undefined ? ` on ${escapeHtml(opts.generatedAt)}` : ''
  return page({
    title: `murmur report: ${name}`,
    lead: leadText(run),
    sections,
    footer: `Generated by <code>murmur report</code>${when} from <code>${escapeHtml(run.dir)}</code>. One self-contained file: no scripts, fonts or links outside it.`
  })
}
