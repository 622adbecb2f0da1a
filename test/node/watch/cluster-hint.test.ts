import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { writeSwarmKey } from '../../../node/p2p/index.ts'
import { runCli } from '../cli/run.ts'
import { MURMUR, waitFor } from '../process/helpers.ts'

describe('murmur cluster --swarm-key: its watch hint', function () {
  this.timeout(90_000)

  it('names the swarm key, and the printed command watches the cluster\'s peers', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'murmur-cluster-watch-'))
    const keyFile = join(dir, 'swarm.key')
    await writeSwarmKey(keyFile)
    const child = spawn(process.execPath, [MURMUR, 'cluster', '--peers', '2', '--algo', 'gossip', '--dim', '64', '--rounds', '1000000', '--heartbeat', '200',
      '--out', join(dir, 'run'), '--quiet', '--run-id', 'cluster-watch-test', '--swarm-key', keyFile], { stdio: ['ignore', 'pipe', 'pipe'], detached: true })
    let err = ''
    child.stderr.on('data', (b) => { err += String(b) })
    const exit = new Promise<number | null>((resolve) => { child.on('exit', (code) => { resolve(code) }) })
    try {
      await waitFor(() => /watch it live: .*\n/.test(err), 60_000, 'the watch hint')
      const hint = /watch it live: npx murmur (watch .*?) \[--http 8080\]\n/.exec(err)?.[1] ?? ''
      assert.match(hint, new RegExp(`--run-id cluster-watch-test --swarm-key ${keyFile.replaceAll('.', '\\.')}$`), err)
      const r = await runCli([...hint.split(' '), '--view', 'lines', '--refresh', '250', '--duration', '12'])
      assert.equal(r.code, 0, r.err)
      assert.match(r.out, /peers 2 .*consensus \d/, `the observer gets both peers' summaries:\n${r.out}\n${r.err}`)
      process.kill(-(child.pid as number), 'SIGINT')
      assert.equal(await exit, 0, err)
    } finally {
      try { process.kill(-(child.pid as number), 'SIGKILL') } catch { /* already gone */ }
    }
  })
})
