/**
 * node/report: run folders (`murmur sim` / `murmur cluster` output, or a `murmur peer` --data-dir) turned into
 * self-contained HTML reports, and the server-side SVG charts that reports and scripts share. This file is the whole
 * public surface but merge.ts (several peers' folders merged through scripts/lib/cluster-merge.ts, which imports this).
 */
export { checkRow, loadRun, parseMetrics, toRow, VALID_ROW } from './load.ts'
export type { ParsedMetrics, SkippedLine } from './load.ts'
export { buildReport, fieldNote, lambda2OfConfig, roundsOf, unusedBecause } from './report.ts'
export type { ReportOptions } from './report.ts'
export { measureContraction, timeBreakdown, bytesPerRound, lambda2Values, detectDivergence, DIVERGENCE_FACTOR, LAMBDA_SQ_ZERO, ROUNDOFF_FLOOR, ROUNDOFF_PER_COORDINATE } from './analysis.ts'
export type { Contraction, ContractionFit, ContractionOptions, ContractionPoint, Divergence, ExcludedInterval, RoundOffSpan, TimeBreakdown } from './analysis.ts'
export { churnOf, exitsOf, membershipChanges } from './membership.ts'
export type { ChurnKind, ChurnRecord, MembershipChange, ProcessExit } from './membership.ts'
export { escapeHtml, inlineSvg } from './html.ts'
export { lineChart, scatterChart, stackedAreaChart, renderSpec } from './plot.ts'
export type { Point, LineChartInit, ScatterInit } from './plot.ts'
export { InvalidMetricsError, NotAPeerFolderError, PeerFoldersMismatchError, RunNotFoundError } from './errors.ts'
export type { LoadedRun, PeerIdentity, RoundRow, RunKind } from './types.ts'
