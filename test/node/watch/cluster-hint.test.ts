import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { readAllowlist, writeSwarmKey } from '../../../node/p2p/index.ts'
import { runCli } from '../cli/run.ts'
import { MURMUR, waitFor } from '../process/helpers.ts'

/**
 * Starts a 2-peer cluster with `args`, checks its printed watch hint with `checkHint`, runs the hint and expects both
 * peers' summaries; then stops the cluster, which must exit 130 (128 + SIGINT).
 */
async function watchClusterByItsHint (out: string, args: string[], checkHint: (hint: string, err: string) => Promise<void> | void): Promise<void> {
  const child = spawn(process.execPath, [MURMUR, 'cluster', '--peers', '2', '--algo', 'gossip', '--dim', '64', '--rounds', '1000000', '--heartbeat', '200',
    '--out', out, '--quiet', '--run-id', 'cluster-watch-test', ...args], { stdio: ['ignore', 'pipe', 'pipe'], detached: true })
  let err = ''
  child.stderr.on('data', (b) => { err += String(b) })
  const exit = new Promise<number | null>((resolve) => { child.on('exit', (code) => { resolve(code) }) })
  try {
    await waitFor(() => /watch it live: .*\n/.test(err), 60_000, 'the watch hint')
    const hint = /watch it live: npx murmur (watch .*?) \[--http 8080\]\n/.exec(err)?.[1] ?? ''
    await checkHint(hint, err)
    const r = await runCli([...hint.split(' '), '--view', 'lines', '--refresh', '250', '--duration', '12'])
    assert.equal(r.code, 0, r.err)
    assert.match(r.out, /peers 2 .*consensus \d/, `the observer gets both peers' summaries:\n${r.out}\n${r.err}`)
    process.kill(-(child.pid as number), 'SIGINT')
    assert.equal(await exit, 130, err)
  } finally {
    try { process.kill(-(child.pid as number), 'SIGKILL') } catch { /* already gone */ }
  }
}

describe('murmur cluster: its watch hint', function () {
  this.timeout(90_000)

  it('--swarm-key: names the swarm key, and the printed command watches the cluster\'s peers', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'murmur-cluster-watch-'))
    const keyFile = join(dir, 'swarm.key')
    await writeSwarmKey(keyFile)
    await watchClusterByItsHint(join(dir, 'run'), ['--swarm-key', keyFile], (hint, err) => {
      assert.match(hint, new RegExp(`--run-id cluster-watch-test --swarm-key ${keyFile.replaceAll('.', '\\.')}$`), err)
    })
  })

  it('--allow-peers: the hint names an observer identity in OUT/observer that the peers\' list allows, and it watches them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'murmur-cluster-watch-'))
    const userList = join(dir, 'peers.txt')
    writeFileSync(userList, '# a machine of ours elsewhere\n12D3KooWR4YquwGY7ePvPP9gUJqwvzjFPA9bYne3Tx95THxo2ksY\n')
    const out = join(dir, 'run')
    await watchClusterByItsHint(out, ['--allow-peers', userList], async (hint, err) => {
      assert.match(hint, new RegExp(`--run-id cluster-watch-test --data-dir ${join(out, 'observer').replaceAll('.', '\\.')}$`), err)
      const id = await runCli(['watch', '--data-dir', join(out, 'observer'), '--print-id'])
      assert.match(id.err, /read .*identity\.key/, 'the cluster made the key')
      const allowed = await readAllowlist(join(out, 'allow-peers.txt'))
      assert.ok(allowed.includes(id.out.trim()), `the observer is on the peers' list: ${allowed.join(' ')}`)
      assert.ok(allowed.includes('12D3KooWR4YquwGY7ePvPP9gUJqwvzjFPA9bYne3Tx95THxo2ksY'), 'beside the user\'s own')
    })
  })
})
