/**
 * Codec throughput at a model-sized dimension: encode and decode time of every codec, in MB/s of input
 * float32 (4·d bytes), next to the lossless `none` codec measured in the same run as the baseline.
 *
 *   node scripts/bench/codecs.ts [--d 1000000] [--repeats 15]
 *   node scripts/bench/codecs.ts --topk 100000,1000000,10000000 [--spec topk:0.01] [--repeats 15]
 *
 * Targets (issue brief): topk:0.01 encode ≤ 15 ms, sign and qsgd encode ≥ 200 MB/s at d = 1,000,000.
 * The second form is the top-k section (issue 5, dense-equivalent rate): Mfloats/s of encode and
 * addDecoded at each size, against the previous implementation (test/lib/compress/topk-previous.ts) and a
 * plain Float32Array.prototype.set copy of the same floats, all three measured in turn within each repeat.
 */
import { getNumber, getOptionalString, UsageError } from '../../node/cli/args.ts'
import { parseScriptArgs, runScript } from '../lib/script-args.ts'
import type { ScriptSpec } from '../lib/script-args.ts'
import { intList, intListOption } from './cli.ts'
import { parseCodec } from '../../lib/compress/index.ts'
import { createRng } from '../../lib/random/index.ts'
import { PreviousTopk } from '../../test/lib/compress/topk-previous.ts'

const TOPK_ALLOWED = 'topk:F, a top-k codec keeping the fraction 0 < F <= 1'

export interface CodecBenchOptions {
  /** vector length; default 1,000,000 */
  d?: number
  /** timed repetitions per codec after warm-up (the median is reported); default 15 */
  repeats?: number
  /** codec specs; default every codec family */
  specs?: string[]
  /** seed of the input vector and of the codecs' randomness; default 1 */
  seed?: number
}

export interface CodecBenchRow {
  spec: string
  bytes: number
  /** 4·d / bytes */
  ratio: number
  encodeMs: number
  decodeMs: number
  encodeMBps: number
  decodeMBps: number
  /** encode time relative to `none` (the fp32 copy) in the same run */
  encodeVsNone: number
  decodeVsNone: number
}

export interface CodecBenchResult { d: number, repeats: number, rows: CodecBenchRow[] }

export const DEFAULT_SPECS = ['none', 'fp16', 'qsgd:16', 'qsgd:4', 'topk:0.01', 'topk:0.1', 'randk:0.01', 'sign', 'ef(topk:0.01)', 'ef(sign)']

export function runCodecBench (opts: CodecBenchOptions = {}): CodecBenchResult {
  const d = opts.d ?? 1_000_000
  const repeats = opts.repeats ?? 15
  const specs = opts.specs ?? DEFAULT_SPECS
  const rng = createRng(opts.seed ?? 1)
  const x = new Float32Array(d)
  for (let i = 0; i < d; i++) x[i] = rng.normal()
  const out = new Float32Array(d)
  const inputMB = (4 * d) / 1e6
  const measured = (specs.includes('none') ? specs : ['none', ...specs]).map((spec) => {
    const codec = parseCodec(spec)
    const encodeTimes: number[] = []
    const decodeTimes: number[] = []
    let bytes = codec.encode(x, rng)
    for (let r = 0; r < repeats + 3; r++) {
      const t0 = performance.now()
      bytes = codec.encode(x, rng)
      const t1 = performance.now()
      codec.decodeInto(bytes, d, out)
      const t2 = performance.now()
      if (r >= 3) { encodeTimes.push(t1 - t0); decodeTimes.push(t2 - t1) }
    }
    return { spec, bytes: bytes.length, encodeMs: median(encodeTimes), decodeMs: median(decodeTimes) }
  })
  const base = measured.find((m) => m.spec === 'none')
  if (base === undefined) throw new Error('none was measured')
  const rows = measured.filter((m) => specs.includes(m.spec)).map((m) => ({
    ...m,
    ratio: (4 * d) / m.bytes,
    encodeMBps: inputMB / (m.encodeMs / 1000),
    decodeMBps: inputMB / (m.decodeMs / 1000),
    encodeVsNone: m.encodeMs / base.encodeMs,
    decodeVsNone: m.decodeMs / base.decodeMs
  }))
  return { d, repeats, rows }
}

export interface TopkBenchOptions {
  /** vector lengths; default 100,000, 1,000,000 and 10,000,000 */
  sizes?: number[]
  /** a topk:<f> spec; default topk:0.01 */
  spec?: string
  /** timed repetitions after warm-up (the median is reported); default 15 */
  repeats?: number
  /** seed of the Gaussian input; default 1 */
  seed?: number
}

export interface TopkBenchRow {
  d: number
  k: number
  bytes: number
  /** medians in ms: the current codec, the previous implementation, a plain copy of the d floats */
  encodeMs: number
  previousEncodeMs: number
  decodeMs: number
  previousDecodeMs: number
  copyMs: number
}

/**
 * The top-k codec at several sizes. Each repeat times, in turn, a `set` copy of x into a spare vector,
 * the current encode, the previous encode, the current addDecoded and the previous one, so load on the
 * shared machine hits all of them alike; the payloads are checked equal byte for byte first.
 */
export function runTopkBench (opts: TopkBenchOptions = {}): TopkBenchRow[] {
  const sizes = opts.sizes ?? [100_000, 1_000_000, 10_000_000]
  const spec = opts.spec ?? 'topk:0.01'
  const repeats = opts.repeats ?? 15
  const fraction = /^topk:(.+)$/.exec(spec)
  if (fraction === null) throw new Error(`--spec: expected topk:<fraction>, got ${spec}`)
  return sizes.map((d) => {
    const rng = createRng(opts.seed ?? 1)
    const x = new Float32Array(d)
    for (let i = 0; i < d; i++) x[i] = rng.normal()
    const codec = parseCodec(spec)
    const previous = new PreviousTopk()
    const bytes = codec.encode(x, rng)
    const k = (bytes[8] | (bytes[9] << 8) | (bytes[10] << 16)) + bytes[11] * 2 ** 24
    const before = previous.encode(x, k)
    if (before.length !== bytes.length || before.some((b, i) => b !== bytes[i])) throw new Error(`${spec} at d = ${d}: the payload differs from the previous implementation's`)
    const spare = new Float32Array(d)
    const outNew = new Float32Array(d)
    const outOld = new Float32Array(d)
    const times: number[][] = [[], [], [], [], []]
    const steps: Array<() => unknown> = [
      () => { spare.set(x) },
      () => codec.encode(x, rng),
      () => previous.encode(x, k),
      () => { codec.addDecoded(bytes, d, outNew, 1) },
      () => { previous.addDecoded(bytes, d, outOld, 1) }
    ]
    // V8 reaches its optimised code for these loops only after some 30 calls: warm up to steady state,
    // which is what a peer that encodes and decodes every round runs
    const warmup = Math.max(3, Math.ceil(3e7 / d))
    for (let r = 0; r < repeats + warmup; r++) {
      for (let s = 0; s < steps.length; s++) {
        const t0 = performance.now()
        steps[s]()
        if (r >= warmup) times[s].push(performance.now() - t0)
      }
    }
    const [copyMs, encodeMs, previousEncodeMs, decodeMs, previousDecodeMs] = times.map(median)
    return { d, k, bytes: bytes.length, encodeMs, previousEncodeMs, decodeMs, previousDecodeMs, copyMs }
  })
}

export function formatTopkBench (rows: TopkBenchRow[]): string {
  const mf = (d: number, ms: number): string => (d / 1e3 / ms).toFixed(0)
  const head = ['d', 'k', 'bytes', 'enc ms', 'enc Mf/s', 'vs prev', 'vs copy', 'dec ms', 'dec Mf/s', 'vs prev', 'copy Mf/s']
  const lines = rows.map((r) => [
    r.d.toLocaleString('en-US'), String(r.k), String(r.bytes),
    r.encodeMs.toFixed(3), mf(r.d, r.encodeMs), `${(r.previousEncodeMs / r.encodeMs).toFixed(2)}x`, `${(r.copyMs / r.encodeMs).toFixed(2)}x`,
    r.decodeMs.toFixed(3), mf(r.d, r.decodeMs), `${(r.previousDecodeMs / r.decodeMs).toFixed(2)}x`, mf(r.d, r.copyMs)
  ])
  const widths = head.map((h, c) => Math.max(h.length, ...lines.map((l) => l[c].length)))
  const fmt = (cells: string[]): string => cells.map((cell, c) => cell.padStart(widths[c])).join('  ')
  return [fmt(head), ...lines.map(fmt)].join('\n')
}

function median (xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  const mid = s.length >> 1
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2
}

function formatTable (result: CodecBenchResult): string {
  const head = ['codec', 'bytes', 'ratio', 'enc ms', 'enc MB/s', 'enc/none', 'dec ms', 'dec MB/s', 'dec/none']
  const lines = result.rows.map((r) => [
    r.spec, String(r.bytes), r.ratio.toFixed(1), r.encodeMs.toFixed(2), r.encodeMBps.toFixed(0), r.encodeVsNone.toFixed(1),
    r.decodeMs.toFixed(2), r.decodeMBps.toFixed(0), r.decodeVsNone.toFixed(1)
  ])
  const widths = head.map((h, c) => Math.max(h.length, ...lines.map((l) => l[c].length)))
  const fmt = (cells: string[]): string => cells.map((cell, c) => c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c])).join('  ')
  return [fmt(head), ...lines.map(fmt)].join('\n')
}

export const CODECS_SPEC: ScriptSpec = {
  name: 'codecs',
  run: 'node scripts/bench/codecs.ts',
  summary: 'Codec throughput: encode and decode time of every codec at a model-sized dimension, beside the lossless none codec (an fp32 copy) measured in the same run',
  details: 'Without --topk: one table of every codec family (none, fp16, qsgd, topk, randk, sign, ef) at --d floats, in MB/s of input ' +
    'float32, in a few seconds. Targets at d = 1,000,000: topk:0.01 encode <= 15 ms, sign and qsgd encode >= 200 MB/s.\n' +
    'With --topk SIZES: the top-k section instead (npm run bench\'s second codecs table): encode and addDecoded of --spec in Mfloats/s ' +
    'at each size, against the previous implementation and a plain Float32Array copy, the three measured in turn within each repeat.',
  options: [
    { name: 'd', type: 'int', min: 1, default: 1_000_000, placeholder: 'N', description: 'vector length of the codec table' },
    { name: 'repeats', type: 'int', min: 1, default: 15, description: 'timed repetitions after the warm-up, of the table or of --topk; the median is reported' },
    intListOption('topk', { min: 1, placeholder: 'SIZES', description: 'run the top-k section at these vector lengths instead of the table' }),
    {
      name: 'spec',
      type: 'string',
      placeholder: 'topk:F',
      allowed: TOPK_ALLOWED,
      description: 'with --topk: the top-k codec to measure (default: topk:0.01)',
      check: (v) => topkProblem(String(v))
    }
  ],
  examples: [
    'node scripts/bench/codecs.ts --d 1000000 --repeats 15',
    'node scripts/bench/codecs.ts --topk 100000,1000000,10000000 --spec topk:0.01'
  ],
  exitCodes: '0 after the table is printed (a missed target is printed, not an error), 2 for a bad option.'
}

function topkProblem (spec: string): string | undefined {
  if (!spec.startsWith('topk:')) return `expected ${TOPK_ALLOWED}`
  try {
    parseCodec(spec)
  } catch (err) {
    return (err as Error).message
  }
  return undefined
}

interface Flags { table: CodecBenchOptions, topk?: TopkBenchOptions }

/** The codec table's options, or the top-k section's with --topk; a UsageError for a bad option or --spec without --topk. */
export function parseCodecsCli (argv: readonly string[]): Flags | { help: true } {
  const args = parseScriptArgs(CODECS_SPEC, argv)
  if (args.help) return { help: true }
  const table: CodecBenchOptions = { d: getNumber(args, 'd'), repeats: getNumber(args, 'repeats') }
  const sizes = getOptionalString(args, 'topk')
  const spec = getOptionalString(args, 'spec')
  if (sizes === undefined) {
    if (spec !== undefined) throw new UsageError('--spec goes with --topk (the top-k section); the table measures every codec', 'spec', 'with --topk')
    return { table }
  }
  return { table, topk: { sizes: intList(sizes, 1), repeats: table.repeats, ...(spec === undefined ? {} : { spec }) } }
}

async function main ({ table, topk }: Flags): Promise<undefined> {
  if (topk !== undefined) {
    const rows = runTopkBench(topk)
    console.log(`${topk.spec ?? 'topk:0.01'}: encode and addDecoded in Mfloats/s of the input vector, median of ${topk.repeats ?? 15}; vs prev = previous implementation's time / this one's, vs copy = Float32Array set copy's time / this one's (same run)`)
    console.log(formatTopkBench(rows))
  } else {
    const result = runCodecBench(table)
    console.log(`codecs at d = ${result.d.toLocaleString('en')}, median of ${result.repeats} runs (input ${(4 * result.d / 1e6).toFixed(1)} MB of float32)`)
    console.log(formatTable(result))
  }
  return undefined
}

if (import.meta.main) await runScript(CODECS_SPEC, process.argv.slice(2), parseCodecsCli, main)
