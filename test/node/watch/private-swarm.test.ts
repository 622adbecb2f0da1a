import assert from 'node:assert/strict'
import { chmodSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { main } from '../../../node/cli/main.ts'
import { writeSwarmKey } from '../../../node/p2p/index.ts'
import type { SwarmKey } from '../../../node/p2p/index.ts'
import { runCli } from '../cli/run.ts'
import { startLiveRun } from './live-run.ts'
import type { LiveRun } from './live-run.ts'

const config = { runId: 'watch-pnet' }

/** Runs the CLI in-process, keeping stdout and stderr lines in the order they were written. */
async function runOrdered (argv: string[]): Promise<{ code: number, lines: Array<{ to: 'out' | 'err', text: string }> }> {
  const lines: Array<{ to: 'out' | 'err', text: string }> = []
  const code = await main(argv, { out: (text) => { lines.push({ to: 'out', text }) }, err: (text) => { lines.push({ to: 'err', text }) }, isTTY: false })
  return { code, lines }
}

describe('murmur watch of a private swarm, real peers over loopback', function () {
  this.timeout(30_000)
  let run: LiveRun | undefined
  let dir: string
  let keyFile: string
  let key: SwarmKey

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'murmur-watch-pnet-'))
    keyFile = join(dir, 'swarm.key')
    key = await writeSwarmKey(keyFile)
  })

  afterEach(async () => { await run?.stop(); run = undefined })

  /** two members of run `config.runId` in the swarm of `key`, publishing a summary of a new round every 100 ms */
  async function privateRun (): Promise<string> {
    run = await startLiveRun(config.runId, [{ swarmKey: key }, { swarmKey: key }])
    return run.bootstrap
  }

  it('with the peers\' --swarm-key it connects, sees both peers and their summaries, and gives no notice', async () => {
    const bootstrap = await privateRun()
    const r = await runCli(['watch', '--bootstrap', bootstrap, '--run-id', config.runId, '--swarm-key', keyFile, '--view', 'lines',
      '--refresh', '200', '--peer-timeout', '3000', '--duration', '4'])
    assert.equal(r.code, 0, r.err)
    assert.match(r.err, new RegExp(`private swarm of key fingerprint ${key.fingerprint}`))
    assert.match(r.out, /peers 2 .*acc 90\.00%\/90\.00%/, 'both peers\' summaries reached the observer')
    assert.doesNotMatch(r.err, /no peer summary/)
  })

  it('without the key: after --peer-timeout one notice on stderr with the likely causes, then it keeps watching', async () => {
    const bootstrap = await privateRun()
    const r = await runOrdered(['watch', '--bootstrap', bootstrap, '--run-id', config.runId, '--view', 'lines', '--refresh', '200', '--peer-timeout', '1000', '--duration', '3'])
    assert.equal(r.code, 0, 'it keeps watching until --duration')
    const notices = r.lines.filter((l) => l.to === 'err' && /no peer summary/.test(l.text))
    assert.equal(notices.length, 1, 'said once')
    const notice = notices[0].text
    assert.match(notice, /connected to 0 peers/)
    assert.match(notice, /this observer has no --swarm-key; if the peers run with --swarm-key FILE, pass the same file/)
    assert.match(notice, /watches run 'watch-pnet'/)
    assert.match(notice, /--telemetry-every 0/)
    assert.ok(notice.includes(bootstrap), 'names the bootstrap address')
    const causes = notice.split('\n').filter((l) => l.startsWith('  - '))
    assert.match(causes[0], /--bootstrap address/, 'without any connection the address and the key come first')
    assert.match(causes[1], /swarm key mismatch/)
    const after = r.lines.slice(r.lines.indexOf(notices[0]) + 1).filter((l) => l.to === 'out' && /^\S+ round /.test(l.text))
    assert.ok(after.length >= 3, `status lines go on after the notice (${after.length})`)
    assert.ok(r.lines.every((l) => !/peers [1-9]/.test(l.text)), 'the peers stay out of reach')
  })

  it('without the key: the dial broke during encryption, so its line and the notice name the swarm key first, as murmur peer does', async () => {
    const bootstrap = await privateRun()
    // the first redial fails about 2 s in (BOOTSTRAP_RETRY_MS), or, when it joins libp2p's first dial still under way,
    // once that one times out (5 s, up to about 7 s on a loaded machine); the notice, at 10 s, comes after it
    const r = await runCli(['watch', '--bootstrap', bootstrap, '--run-id', config.runId, '--view', 'none', '--refresh', '200', '--peer-timeout', '10000', '--duration', '11'])
    assert.equal(r.code, 0, r.err)
    const dial = r.err.split('\n').find((l) => l.startsWith('murmur watch: cannot connect to')) ?? ''
    // the handshake breaks (EncryptionFailedError) or, on some random bytes, hangs until the dial's timeout (HandshakeTimeoutError)
    assert.match(dial, /\(1 try\): (EncryptionFailedError|HandshakeTimeoutError): /, r.err)
    // murmur peer's own reading of the failure (node/peer bootstrapHint), then what this observer lacks
    assert.match(dial, /: the connection broke during encryption: most likely the peers do not have the same --swarm-key .*\. This observer has no --swarm-key: pass the peers' file with --swarm-key FILE$/)
    const notice = r.err.split('murmur watch: ').find((t) => t.startsWith('no peer summary')) ?? ''
    assert.match(notice, /connected to 0 peers \(the dials broke during encryption\)/, r.err)
    const causes = notice.split('\n').filter((l) => l.startsWith('  - '))
    assert.match(causes[0], /^ {2}- a swarm key mismatch: this observer has no --swarm-key/)
    assert.match(causes[1], /--bootstrap address/)
  })

  it('the right key but another --run-id: connected, no announcement; the notice puts the run id first', async () => {
    const bootstrap = await privateRun()
    const r = await runCli(['watch', '--bootstrap', bootstrap, '--run-id', 'not-this-run', '--swarm-key', keyFile, '--view', 'none',
      '--refresh', '200', '--peer-timeout', '1500', '--duration', '2'])
    assert.equal(r.code, 0, r.err)
    const notice = r.err.split('murmur watch: ').find((t) => t.startsWith('no peer summary')) ?? ''
    assert.match(notice, /connected to [12] peers?, 0 membership announcements of run 'not-this-run' heard/)
    const causes = notice.split('\n').filter((l) => l.startsWith('  - '))
    assert.match(causes[0], /a wrong --run-id: this observer watches run 'not-this-run'/)
    assert.match(notice, new RegExp(`this observer uses --swarm-key ${keyFile.replaceAll('.', '\\.')} \\(fingerprint ${key.fingerprint}\\)`))
  })

  it('refuses a missing or group-readable key file with murmur peer\'s own message, before starting anything', async () => {
    const missing = join(dir, 'nope.key')
    const bootstrap = '/ip4/127.0.0.1/tcp/1/p2p/12D3KooWR4YquwGY7ePvPP9gUJqwvzjFPA9bYne3Tx95THxo2ksY'
    chmodSync(keyFile, 0o644)
    for (const file of [missing, keyFile]) {
      const watch = await runCli(['watch', '--bootstrap', bootstrap, '--swarm-key', file, '--duration', '1'])
      const peer = await runCli(['peer', '--data-dir', join(dir, 'peer'), '--shard', '0/2', '--algo', 'gossip', '--dim', '8', '--swarm-key', file])
      assert.equal(watch.code, 1, watch.err)
      assert.equal(peer.code, 1, peer.err)
      assert.equal(watch.err.replace('murmur watch: ', ''), peer.err.replace('murmur peer: ', ''))
      assert.match(watch.err, file === missing ? /^murmur watch: SwarmKeyNotFoundError: --swarm-key \S+: no such file/ : /^murmur watch: InsecureSwarmKeyError: .*chmod 600/)
      assert.doesNotMatch(watch.err, /observer .* watching/, 'nothing started')
    }
  })
})
