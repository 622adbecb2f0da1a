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
import { getNumber } from '../../node/cli/args.ts'
import { parseScriptArgs, runScript } from '../lib/script-args.ts'
import type { ScriptSpec } from '../lib/script-args.ts'

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

export const GOODPUT_PROFILE_SPEC: ScriptSpec = {
  name: 'goodput-profile',
  run: 'node scripts/bench/goodput-profile.ts',
  summary: 'Top self-time functions of the .cpuprofile files that node --cpu-prof wrote for the goodput benchmark\'s two processes',
  details: 'DIR holds the .cpuprofile files, e.g. from\n' +
    "  NODE_OPTIONS=\"--cpu-prof --cpu-prof-dir=prof\" node scripts/bench/goodput.ts --floats 10000000 --variants noise-stock --codec ''\n" +
    'The first --skip-ms of each profile (module loading, start, warm-up) are left out.',
  options: [
    { name: 'skip-ms', type: 'number', min: 0, default: 3000, placeholder: 'MS', description: 'milliseconds left out at the start of each profile' },
    { name: 'top', type: 'int', min: 1, default: 20, description: 'functions listed per profile' }
  ],
  positionals: { name: 'DIR', min: 1, max: 1 },
  examples: ['node scripts/bench/goodput-profile.ts prof --skip-ms 1500 --top 30'],
  exitCodes: '0 after the tables are printed, 1 when DIR cannot be read or holds no .cpuprofile file, 2 for a bad option.'
}

export interface ProfileCli { dir: string, skipMs: number, top: number }

export function parseProfileCli (argv: readonly string[]): ProfileCli | { help: true } {
  const args = parseScriptArgs(GOODPUT_PROFILE_SPEC, argv)
  if (args.help) return { help: true }
  return { dir: args.positionals[0], skipMs: getNumber(args, 'skip-ms'), top: getNumber(args, 'top') }
}

async function main ({ dir, skipMs, top }: ProfileCli): Promise<number | undefined> {
  let files: string[]
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).sort()
  } catch (err) {
    console.error(`goodput-profile: cannot read ${dir}: ${(err as Error).message}`)
    return 1
  }
  if (files.length === 0) {
    console.error(`goodput-profile: no .cpuprofile file in ${dir}`)
    return 1
  }
  for (const file of files) {
    const { total, rows } = selfTimes(JSON.parse(readFileSync(join(dir, file), 'utf8')) as Profile, skipMs * 1000)
    console.log(`\n${file}: ${(total / 1000).toFixed(0)} ms sampled after the first ${skipMs} ms`)
    for (const r of rows.slice(0, top)) console.log(`${(100 * r.us / total).toFixed(1).padStart(6)} %  ${(r.us / 1000).toFixed(0).padStart(7)} ms  ${r.name}`)
  }
  return undefined
}

if (import.meta.main) await runScript(GOODPUT_PROFILE_SPEC, process.argv.slice(2), parseProfileCli, main)
