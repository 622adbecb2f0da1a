import assert from 'node:assert/strict'
import { DEFAULT_RUN_ID } from '../../../lib/experiment/index.ts'
import { bootstrapFailureNote, failedDuringEncryption, noSummaryNotice, watchCommandLine } from '../../../node/watch/index.ts'
import type { NoSummaryEvidence } from '../../../node/watch/index.ts'

const BOOTSTRAP = '/ip4/127.0.0.1/tcp/9000/p2p/12D3KooWR4YquwGY7ePvPP9gUJqwvzjFPA9bYne3Tx95THxo2ksY'

describe('node/watch hints', () => {
  it('watchCommandLine: the run id unless default, the swarm key and the observer\'s --data-dir if any, a path with spaces quoted', () => {
    const cases: Array<{ id: string, init: Parameters<typeof watchCommandLine>[0], expected: string }> = [
      { id: 'default run, no key', init: { bootstrap: BOOTSTRAP, runId: DEFAULT_RUN_ID }, expected: `npx murmur watch --bootstrap ${BOOTSTRAP}` },
      { id: 'run id', init: { bootstrap: BOOTSTRAP, runId: 'exp7' }, expected: `npx murmur watch --bootstrap ${BOOTSTRAP} --run-id exp7` },
      { id: 'swarm key', init: { bootstrap: BOOTSTRAP, swarmKeyFile: '/tmp/run/swarm.key' }, expected: `npx murmur watch --bootstrap ${BOOTSTRAP} --swarm-key /tmp/run/swarm.key` },
      { id: 'observer identity', init: { bootstrap: BOOTSTRAP, swarmKeyFile: '/tmp/run/swarm.key', dataDir: '/tmp/run/observer' }, expected: `npx murmur watch --bootstrap ${BOOTSTRAP} --swarm-key /tmp/run/swarm.key --data-dir /tmp/run/observer` },
      { id: 'quoted key', init: { bootstrap: BOOTSTRAP, runId: 'r', swarmKeyFile: "/tmp/my run/o'k.key" }, expected: `npx murmur watch --bootstrap ${BOOTSTRAP} --run-id r --swarm-key '/tmp/my run/o'\\''k.key'` }
    ]
    for (const c of cases) assert.equal(watchCommandLine(c.init), c.expected, c.id)
  })

  it('noSummaryNotice: every cause, those the evidence points to first', () => {
    const base: NoSummaryEvidence = { runId: 'exp7', waitedMs: 10_000, bootstrap: [BOOTSTRAP], connections: 0, announcements: 0 }
    const cases: Array<{ id: string, evidence: NoSummaryEvidence, first: RegExp }> = [
      { id: 'no connection', evidence: base, first: /--bootstrap address \(\/ip4\/127\.0\.0\.1\/tcp\/9000\/p2p\/12D3KooW\w+\) is not a running peer/ },
      { id: 'connected, no announcement', evidence: { ...base, connections: 1 }, first: /a wrong --run-id: this observer watches run 'exp7'/ },
      { id: 'announcements, no summary', evidence: { ...base, connections: 3, announcements: 40 }, first: /--telemetry-every 0/ },
      { id: 'connections dropped after the handshake', evidence: { ...base, dropped: 2 }, first: /an --allow-peers list on the peers that does not name this observer/ },
      { id: 'the dials broke during encryption', evidence: { ...base, encryptionFailed: true }, first: /a swarm key mismatch: this observer has no --swarm-key/ }
    ]
    for (const c of cases) {
      const text = noSummaryNotice(c.evidence)
      const causes = text.split('\n').filter((l) => l.startsWith('  - '))
      assert.match(causes[0], c.first, c.id)
      for (const cause of [/--run-id/, /swarm key mismatch/, /--telemetry-every 0/, /--bootstrap address/]) assert.ok(causes.some((l) => cause.test(l)), `${c.id}: ${String(cause)}`)
      assert.match(text, /^no peer summary after 10 s /)
      assert.match(text, /Still watching\.$/)
    }
    assert.match(noSummaryNotice(base), /this observer has no --swarm-key; if the peers run with --swarm-key FILE, pass the same file/)
    assert.match(noSummaryNotice({ ...base, swarmKey: { source: 'k.key', fingerprint: '0123456789abcdef' } }), /this observer uses --swarm-key k\.key \(fingerprint 0123456789abcdef\)/)
  })

  it('bootstrapFailureNote: murmur peer\'s reading of the failure, the swarm key first when the dial broke during encryption', () => {
    const named = (name: string, message: string): Error => Object.assign(new Error(message), { name })
    const cases: Array<{ id: string, error: Error, key?: { fingerprint: string }, encryption: boolean, expected: RegExp }> = [
      // libp2p's pnet mismatch: a frame-length complaint on the first dial, only a timeout on later ones
      { id: 'encryption, frame length', error: named('EncryptionFailedError', 'Message length too long - 9877 > 1024'), encryption: true, expected: /: the connection broke during encryption: most likely the peers do not have the same --swarm-key .*\. This observer has no --swarm-key: pass the peers' file with --swarm-key FILE$/ },
      { id: 'encryption, timeout', error: named('EncryptionFailedError', 'The operation was aborted due to timeout'), key: { fingerprint: '0123456789abcdef' }, encryption: true, expected: /^cannot connect to \S+ \(15 tries\): EncryptionFailedError: The operation was aborted due to timeout: the connection broke during encryption: .* This observer's --swarm-key has fingerprint 0123456789abcdef: the peers' must be the same file$/ },
      { id: 'nothing listens', error: named('Error', 'connect ECONNREFUSED 127.0.0.1:9000'), encryption: false, expected: /: nothing listens on that port there: check the port, and that the peer runs; the observer needs the peers' --swarm-key if they use one$/ },
      { id: 'a plain timeout', error: named('TimeoutError', 'The operation was aborted due to timeout'), key: { fingerprint: '0123456789abcdef' }, encryption: false, expected: /: the address cannot be reached: .*; the observer needs the peers' --swarm-key \(this one has fingerprint 0123456789abcdef\)$/ },
      { id: 'an allowlist closed it', error: named('BootstrapConnectionDroppedError', 'connected, then the other side closed the connection 3 ms after the handshake: its --allow-peers list most likely does not name this peer'), encryption: false, expected: /does not name this peer$/ }
    ]
    for (const c of cases) {
      const attempts = c.id === 'encryption, timeout' ? 15 : 1
      const text = bootstrapFailureNote({ addr: BOOTSTRAP, attempts, error: c.error, swarmKey: c.key })
      assert.match(text, c.expected, c.id)
      assert.ok(text.startsWith(`cannot connect to ${BOOTSTRAP} (${attempts} ${attempts === 1 ? 'try' : 'tries'}): ${c.error.name}: ${c.error.message}`), c.id)
      assert.equal(failedDuringEncryption(c.error), c.encryption, c.id)
    }
  })

  it('noSummaryNotice: the allowlist cause names the observer\'s PeerId, and how to keep one when it has no --data-dir', () => {
    const base: NoSummaryEvidence = { runId: 'exp7', waitedMs: 10_000, bootstrap: [BOOTSTRAP], connections: 0, announcements: 0, observerId: '12D3KooWObserver', dropped: 1 }
    const kept = noSummaryNotice({ ...base, dataDir: 'obs' })
    assert.match(kept, /connected to 0 peers \(1 connection closed by the peer right after the handshake\)/)
    assert.match(kept, /add its PeerId 12D3KooWObserver \(kept in --data-dir obs\) to the peers' list/)
    assert.match(noSummaryNotice(base), /its PeerId 12D3KooWObserver is new at each start; run watch with --data-dir DIR to keep one \(--print-id prints it\)/)
    assert.doesNotMatch(noSummaryNotice({ ...base, dropped: 0 }), /closed by the peer/, 'nothing dropped, nothing said')
  })
})
