/**
 * SIGKILL during checkpoint writes: a child process writes large checkpoints in a loop (node/checkpoint's
 * writeCheckpoint: temporary file, fsync, rename, keep the newest three); the parent kills it at seeded
 * random moments, then checks every file of the folder: each checkpoint-*.ckpt must decode and hold the
 * round its name says, anything else must be a leftover temporary file, which loading ignores.
 *
 *   node scripts/reliability/checkpoint-kill.ts [--kills 20] [--mb 24] [--seed 1]     (prints the figures)
 *   node scripts/reliability/checkpoint-kill.ts --writer DIR MB                      (the child: writes until killed)
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { setTimeout as sleep } from 'node:timers/promises'
import { createRng } from '../../lib/random/index.ts'
import { decodeCheckpoint, listCheckpoints, loadLatestCheckpoint, writeCheckpoint } from '../../node/checkpoint/index.ts'

const SELF = fileURLToPath(import.meta.url)
const HASH = 'checkpoint-kill'

export interface CheckpointKillResult {
  kills: number
  /** kills that left a temporary file behind: the write was cut mid-way */
  cutMidWrite: number
  /** checkpoint files checked after the kills (each decoded in full) */
  filesChecked: number
  /** checkpoint files that did not decode or held another round than their name: must be 0 */
  corrupt: number
  /** rounds of the newest checkpoint loadLatestCheckpoint returned after each kill (never undefined once one was written) */
  newestRounds: number[]
  /** mean time to write one checkpoint in the child (ms) */
  writeMs: number
}

/** the child: checkpoints of `mb` MiB with increasing rounds until killed; prints the time of each write */
async function writer (dir: string, mb: number): Promise<void> {
  const params = new Float32Array((mb * 1024 * 1024) / 4)
  let round = Math.max(0, ...listCheckpoints(dir).map((c) => c.round)) + 1
  for (;;) {
    params.fill(round)
    const t0 = performance.now()
    writeCheckpoint(dir, { configHash: HASH, round, writtenAt: Date.now(), state: { round, params } })
    process.stdout.write(`${(performance.now() - t0).toFixed(1)}\n`)
    round++
    await sleep(0)
  }
}

export async function checkpointKillLoop (opts: { kills?: number, mb?: number, seed?: number, dir?: string } = {}): Promise<CheckpointKillResult> {
  const kills = opts.kills ?? 20
  const mb = opts.mb ?? 24
  const rng = createRng(opts.seed ?? 1)
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'murmur-ckpt-kill-'))
  const result: CheckpointKillResult = { kills: 0, cutMidWrite: 0, filesChecked: 0, corrupt: 0, newestRounds: [], writeMs: 0 }
  const times: number[] = []
  for (let k = 0; k < kills; k++) {
    const child = spawn(process.execPath, [SELF, '--writer', dir, String(mb)], { stdio: ['ignore', 'pipe', 'inherit'] })
    let writes = 0
    child.stdout.on('data', (b: Buffer) => { for (const t of String(b).split('\n')) if (t !== '') { writes++; times.push(Number(t)) } })
    const exited = new Promise<void>((resolve) => { child.on('exit', () => { resolve() }) })
    // let it write at least once, then kill it somewhere inside a later write (a write takes tens of ms)
    while (writes < 1) await sleep(5)
    await sleep(rng.next() * 150)
    child.kill('SIGKILL')
    await exited
    result.kills++
    const names = readdirSync(dir)
    if (names.some((f) => f.startsWith('.tmp-'))) result.cutMidWrite++
    for (const f of names) {
      const m = /^checkpoint-(\d{10})\.ckpt$/.exec(f)
      if (m === null) continue
      result.filesChecked++
      try {
        const c = decodeCheckpoint(readFileSync(join(dir, f))) as { round: number, state: { params: Float32Array } }
        if (c.round !== Number(m[1]) || c.state.params[0] !== c.round || c.state.params[c.state.params.length - 1] !== c.round) result.corrupt++
      } catch {
        result.corrupt++
      }
    }
    const latest = loadLatestCheckpoint(dir, HASH)
    result.newestRounds.push(latest.checkpoint?.round ?? -1)
  }
  result.writeMs = times.length > 0 ? times.reduce((s, t) => s + t, 0) / times.length : 0
  if (opts.dir === undefined) rmSync(dir, { recursive: true, force: true })
  return result
}

if (import.meta.main) {
  const argv = process.argv.slice(2)
  if (argv[0] === '--writer') {
    await writer(argv[1], Number(argv[2]))
  } else {
    const get = (name: string, def: number): number => { const i = argv.indexOf(`--${name}`); return i < 0 ? def : Number(argv[i + 1]) }
    const r = await checkpointKillLoop({ kills: get('kills', 20), mb: get('mb', 24), seed: get('seed', 1) })
    console.log(`SIGKILL during checkpoint writes: ${r.kills} kills, ${r.cutMidWrite} cut a write mid-way (a temporary file left), ` +
      `${r.filesChecked} checkpoint files checked, ${r.corrupt} corrupt; a write of ${get('mb', 24)} MiB takes ${r.writeMs.toFixed(0)} ms`)
    process.exitCode = r.corrupt === 0 && r.newestRounds.every((x) => x > 0) ? 0 : 1
  }
}
