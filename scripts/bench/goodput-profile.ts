/**
 * Top self-time functions of the `.cpuprofile` files that `node --cpu-prof` wrote for the goodput benchmark's
 * two processes (BENCHMARKS.md, "Exchange goodput"):
 *
 *   NODE_OPTIONS="--cpu-prof --cpu-prof-dir=prof" node scripts/bench/goodput.ts --floats 10000000 --variants noise-stock --codec ''
 *   node scripts/bench/goodput-profile.ts prof [--skip-ms 3000] [--top 20]
 *
 * The first `--skip-ms` of each profile (module loading, node start, warm-up) are left out.
 */
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'

interface CallFrame { functionName: string, url: string, lineNumber: number }
interface Profile { nodes: Array<{ id: number, callFrame: CallFrame }>, samples: number[], timeDeltas: number[] }

/** Self time (µs) by function, after the first `skipUs`. */
export function selfTimes (profile: Profile, skipUs: number): { total: number, rows: Array<{ name: string, us: number }> } {
  const frames = new Map(profile.nodes.map((n) => [n.id, n.callFrame]))
  const byName = new Map<string, number>()
  let t = 0
  let total = 0
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i]
    if (t < skipUs) continue
    const f = frames.get(profile.samples[i])
    if (f === undefined) continue
    const where = f.url === '' ? '' : ` ${f.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*?\/(lib|node|scripts)\//, '$1/').replace(/\/dist\/src\//, ':')}:${f.lineNumber + 1}`
    const name = `${f.functionName === '' ? '(anonymous)' : f.functionName}${where}`
    byName.set(name, (byName.get(name) ?? 0) + profile.timeDeltas[i])
    total += profile.timeDeltas[i]
  }
  return { total, rows: [...byName].map(([name, us]) => ({ name, us })).sort((a, b) => b.us - a.us) }
}

if (import.meta.main) {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { 'skip-ms': { type: 'string', default: '3000' }, top: { type: 'string', default: '20' } } })
  const dir = positionals[0]
  if (dir === undefined) throw new Error('usage: node scripts/bench/goodput-profile.ts DIR [--skip-ms 3000] [--top 20]; DIR holds .cpuprofile files')
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).sort()) {
    const { total, rows } = selfTimes(JSON.parse(readFileSync(join(dir, file), 'utf8')) as Profile, Number(values['skip-ms']) * 1000)
    console.log(`\n${file}: ${(total / 1000).toFixed(0)} ms sampled after the first ${values['skip-ms']} ms`)
    for (const r of rows.slice(0, Number(values.top))) console.log(`${(100 * r.us / total).toFixed(1).padStart(6)} %  ${(r.us / 1000).toFixed(0).padStart(7)} ms  ${r.name}`)
  }
}
