import assert from 'node:assert/strict'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { loadOrCreateIdentity } from '../../../node/p2p/index.ts'
import { PEER_FILE } from '../../../node/peer/index.ts'
import { runCli } from '../cli/run.ts'
import { startLiveRun } from './live-run.ts'
import type { LiveRun } from './live-run.ts'

const RUN_ID = 'watch-allowlist'

describe('murmur watch of a run with --allow-peers, real peers over loopback', function () {
  this.timeout(30_000)
  let run: LiveRun | undefined
  let dir: string

  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'murmur-watch-allow-')) })
  afterEach(async () => { await run?.stop(); run = undefined })

  /** two members that admit only each other and `extra` */
  async function allowlistedRun (extra: string[]): Promise<LiveRun> {
    const keys = await Promise.all([0, 1].map(async () => await generateKeyPair('Ed25519')))
    const allowPeers = [...keys.map((k) => peerIdFromPrivateKey(k).toString()), ...extra]
    run = await startLiveRun(RUN_ID, keys.map((privateKey) => ({ privateKey, allowPeers })))
    return run
  }

  it('an observer whose --data-dir PeerId is on the list is let in: both peers\' summaries, no notice', async () => {
    const observer = await loadOrCreateIdentity(join(dir, 'observer'))
    const { bootstrap } = await allowlistedRun([observer.peerId])
    const r = await runCli(['watch', '--bootstrap', bootstrap, '--run-id', RUN_ID, '--data-dir', join(dir, 'observer'), '--view', 'lines',
      '--refresh', '200', '--peer-timeout', '3000', '--duration', '4'])
    assert.equal(r.code, 0, r.err)
    assert.match(r.err, new RegExp(`observer ${observer.peerId} \\(key in `), 'it prints the PeerId kept in --data-dir')
    assert.match(r.out, /peers 2 .*acc 90\.00%\/90\.00%/, 'both peers\' summaries reached the observer')
    assert.doesNotMatch(r.err, /no peer summary/)
  })

  it('off the list: the peers drop it after the handshake, and the notice puts the allowlist first with the PeerId to add', async () => {
    const { bootstrap } = await allowlistedRun([])
    const dataDir = join(dir, 'observer')
    // 4 s: the first redial (BOOTSTRAP_RETRY_MS, 2 s) is dropped too, and that dial's failure is printed
    const r = await runCli(['watch', '--bootstrap', bootstrap, '--run-id', RUN_ID, '--data-dir', dataDir, '--view', 'none', '--refresh', '200', '--peer-timeout', '1500', '--duration', '4'])
    assert.equal(r.code, 0, r.err)
    const id = (await loadOrCreateIdentity(dataDir)).peerId
    const notice = r.err.split('murmur watch: ').find((t) => t.startsWith('no peer summary')) ?? ''
    assert.match(notice, /connected to 0 peers \([1-9]\d* connections? closed by the peer right after the handshake\)/, r.err)
    const causes = notice.split('\n').filter((l) => l.startsWith('  - '))
    assert.match(causes[0], new RegExp(`--allow-peers list on the peers that does not name this observer: add its PeerId ${id} \\(kept in --data-dir ${dataDir.replaceAll('.', '\\.')}\\)`))

    // the dial's own line names the allowlist; the wrong-address advice would mislead here
    const dial = r.err.split('\n').find((l) => l.startsWith('murmur watch: cannot connect to')) ?? ''
    assert.match(dial, /its --allow-peers list most likely does not name this peer/, r.err)
    assert.doesNotMatch(dial, /Check the address/)
  })

  it('off the list without --data-dir: the notice says its PeerId is new at each start and how to keep one', async () => {
    const { bootstrap } = await allowlistedRun([])
    const r = await runCli(['watch', '--bootstrap', bootstrap, '--run-id', RUN_ID, '--view', 'none', '--refresh', '200', '--peer-timeout', '1500', '--duration', '2'])
    assert.equal(r.code, 0, r.err)
    const id = /observer (12D3KooW\w+) \(a new PeerId/.exec(r.err)?.[1]
    assert.ok(id !== undefined, r.err)
    const causes = r.err.split('\n').filter((l) => l.startsWith('  - '))
    assert.match(causes[0], new RegExp(`does not name this observer: its PeerId ${id} is new at each start; run watch with --data-dir DIR to keep one`))
  })
})

describe('murmur watch --data-dir and --print-id', () => {
  it('--print-id prints the PeerId kept in DIR/identity.key (murmur peer\'s key file), the same at every call; it needs --data-dir', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'murmur-watch-id-'))
    const first = await runCli(['watch', '--data-dir', join(dir, 'obs'), '--print-id'])
    assert.equal(first.code, 0, first.err)
    assert.match(first.err, /created .*identity\.key/)
    const again = await runCli(['watch', '--data-dir', join(dir, 'obs'), '--print-id'])
    assert.equal(again.out, first.out)
    assert.equal(first.out.trim(), (await loadOrCreateIdentity(join(dir, 'obs'))).peerId)
    const none = await runCli(['watch', '--print-id'])
    assert.equal(none.code, 2)
    assert.match(none.err, /--print-id .*--data-dir/)
  })

  it('refuses a peer\'s data dir: the observer would take that peer\'s PeerId', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'murmur-watch-id-'))
    writeFileSync(join(dir, PEER_FILE), '{}')
    for (const extra of [['--print-id'], ['--bootstrap', '/ip4/127.0.0.1/tcp/1/p2p/12D3KooWR4YquwGY7ePvPP9gUJqwvzjFPA9bYne3Tx95THxo2ksY', '--duration', '1']]) {
      const r = await runCli(['watch', '--data-dir', dir, ...extra])
      assert.equal(r.code, 2, r.err)
      assert.match(r.err, /--data-dir .* is a murmur peer's data dir/)
      assert.doesNotMatch(r.err, /observer .* watching/, 'nothing started')
    }
  })
})
