/**
 * Codec throughput at a model-sized dimension: encode and decode time of every codec, in MB/s of input
 * float32 (4·d bytes), next to the lossless `none` codec measured in the same run as the baseline.
 *
 *   node scripts/bench/codecs.ts [--d 1000000] [--repeats 15]
 *
 * Targets (issue brief): topk:0.01 encode ≤ 15 ms, sign and qsgd encode ≥ 200 MB/s at d = 1,000,000.
 */
import { pathToFileURL } from 'node:url'
import { parseCodec } from '../../lib/compress/index.ts'
import { createRng } from '../../lib/random/index.ts'

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

function parseFlags (argv: string[]): CodecBenchOptions {
  const opts: CodecBenchOptions = {}
  for (let i = 0; i < argv.length; i += 2) {
    const value = Number(argv[i + 1])
    if (argv[i] === '--d' && Number.isInteger(value) && value > 0) opts.d = value
    else if (argv[i] === '--repeats' && Number.isInteger(value) && value > 0) opts.repeats = value
    else throw new Error(`usage: node scripts/bench/codecs.ts [--d <positive integer>] [--repeats <positive integer>]; got ${argv.slice(i, i + 2).join(' ')}`)
  }
  return opts
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const result = runCodecBench(parseFlags(process.argv.slice(2)))
  console.log(`codecs at d = ${result.d.toLocaleString('en')}, median of ${result.repeats} runs (input ${(4 * result.d / 1e6).toFixed(1)} MB of float32)`)
  console.log(formatTable(result))
}
