/**
 * The fault harness of issue 4, runnable by hand: runs the chosen scenarios on real `murmur peer` processes
 * and prints what was held (load, fault, figures, pass/fail of each criterion).
 *
 *   node scripts/reliability/faults.ts                          # all: checkpoint-kill, restart, freeze, long-freeze, transfer, partition, isolate, long-isolate
 *   node scripts/reliability/faults.ts restart freeze --out runs/faults --seed 2
 *
 * Exit code 0 when every check of every scenario that ran passed (a scenario skipped for want of network
 * namespaces, with its reason printed, does not fail the run), 1 otherwise.
 */
import { checkpointKillLoop } from './checkpoint-kill.ts'
import { freezeScenario, isolateScenario, partitionScenario, restartScenario, transferScenario } from './scenarios.ts'
import type { ScenarioOptions, ScenarioResult } from './scenarios.ts'

export const SCENARIOS = ['checkpoint-kill', 'restart', 'freeze', 'long-freeze', 'transfer', 'partition', 'isolate', 'long-isolate'] as const
export type ScenarioName = typeof SCENARIOS[number]

export async function runScenario (name: ScenarioName, opts: ScenarioOptions = {}): Promise<ScenarioResult> {
  switch (name) {
    case 'checkpoint-kill': {
      const r = await checkpointKillLoop({ kills: 20, mb: 24, seed: opts.seed })
      return {
        name,
        load: `${r.kills} writes of 24 MiB killed`,
        fault: 'SIGKILL during checkpoint writes',
        figures: { kills: r.kills, 'kills that cut a write mid-way': r.cutMidWrite, 'checkpoint files checked': r.filesChecked, 'corrupt files': r.corrupt, 'write time (ms)': Math.round(r.writeMs) },
        checks: [
          { name: 'no checkpoint is ever left corrupt', pass: r.corrupt === 0, detail: `${r.corrupt} of ${r.filesChecked}` },
          { name: 'a valid checkpoint loads after every kill', pass: r.newestRounds.every((x) => x > 0), detail: `newest rounds ${r.newestRounds.join(',')}` }
        ],
        out: ''
      }
    }
    case 'restart': return await restartScenario(opts)
    case 'freeze': return await freezeScenario(opts)
    case 'long-freeze': return await freezeScenario(opts, true)
    case 'transfer': return await transferScenario(opts)
    case 'partition': return await partitionScenario(opts)
    case 'isolate': return await isolateScenario(opts)
    case 'long-isolate': return await isolateScenario(opts, true)
  }
}

export function formatResult (r: ScenarioResult): string {
  const lines = [`== ${r.name}: ${r.fault} (${r.load})${r.out !== '' ? ` -> ${r.out}` : ''}`]
  if (r.skipped !== undefined) return [...lines, `   skipped: ${r.skipped}`].join('\n')
  for (const [k, v] of Object.entries(r.figures)) lines.push(`   ${k.padEnd(62)} ${String(v)}`)
  for (const c of r.checks) lines.push(`   ${c.pass ? 'PASS' : 'FAIL'}  ${c.name}: ${c.detail}`)
  return lines.join('\n')
}

export function passed (r: ScenarioResult): boolean {
  return r.skipped !== undefined || (r.checks.length > 0 && r.checks.every((c) => c.pass))
}

if (import.meta.main) {
  const argv = process.argv.slice(2)
  const opts: ScenarioOptions = {}
  const names: ScenarioName[] = []
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--out') opts.out = argv[++i]
    else if (argv[i] === '--seed') opts.seed = Number(argv[++i])
    else if (argv[i] === '--verbose') opts.log = (l) => { console.error(l) }
    else if ((SCENARIOS as readonly string[]).includes(argv[i])) names.push(argv[i] as ScenarioName)
    else { console.error(`faults: unknown argument '${argv[i]}'; expected scenario names (${SCENARIOS.join(', ')}), --out DIR, --seed N, --verbose`); process.exit(2) }
  }
  let ok = true
  const summary: string[] = []
  for (const name of names.length > 0 ? names : SCENARIOS) {
    const t0 = performance.now()
    const r = await runScenario(name, opts)
    console.log(formatResult(r))
    ok &&= passed(r)
    summary.push(`| ${r.name} | ${r.load} | ${r.fault} | ${r.skipped !== undefined ? 'skipped' : r.checks.every((c) => c.pass) ? 'held' : 'FAILED'} | ${((performance.now() - t0) / 1000).toFixed(0)} s |`)
  }
  console.log(['', '| scenario | load | fault | result | time |', '|---|---|---|---|---|', ...summary].join('\n'))
  process.exitCode = ok ? 0 : 1
}
