import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { addressNotes } from '../../../node/cli/peer-addrs.ts'
import { runCli } from './run.ts'

describe('murmur peer: --listen and --announce checked against each other', function () {
  this.timeout(30_000)

  it('--announce of a fixed port without --listen (a port the system picks): a warning naming the --listen to add', () => {
    const [w, ...rest] = addressNotes(['/ip4/0.0.0.0/tcp/0'], ['/ip4/198.51.100.10/tcp/9000'], 2)
    assert.equal(rest.length, 0)
    assert.match(w, /^warning: --announce \/ip4\/198\.51\.100\.10\/tcp\/9000 tells other peers to dial port 9000, but this peer listens on a port the system picks/)
    assert.match(w, /add --listen \/ip4\/0\.0\.0\.0\/tcp\/9000/)
  })

  it('--listen on loopback only, in a run of several peers: a note that other machines cannot connect', () => {
    const [n] = addressNotes(['/ip4/127.0.0.1/tcp/9000'], undefined, 3)
    assert.match(n, /^note: --listen \/ip4\/127\.0\.0\.1\/tcp\/9000 accepts connections from this machine only/)
    assert.match(n, /--listen \/ip4\/0\.0\.0\.0\/tcp\/9000 --announce \/ip4\/<its address>\/tcp\/9000/)
    assert.deepEqual(addressNotes(['/ip4/127.0.0.1/tcp/9000'], undefined, 1), [], 'a run of one peer needs no one else')
  })

  it('the documented commands get no note: same port announced and listened, or nothing announced', () => {
    assert.deepEqual(addressNotes(['/ip4/0.0.0.0/tcp/9000'], ['/ip4/198.51.100.10/tcp/9000'], 2), [])
    assert.deepEqual(addressNotes(['/ip4/0.0.0.0/tcp/0'], undefined, 2), [])
    assert.deepEqual(addressNotes(['/ip4/0.0.0.0/tcp/9000', '/ip6/::/tcp/9000'], ['/dns4/a.example.org/tcp/9000'], 2), [])
  })

  it('murmur peer prints the warning before it starts (here it then stops at a missing --allow-peers file)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'murmur-peer-addrs-'))
    try {
      const res = await runCli(['peer', '--data-dir', join(dir, 'p'), '--shard', '0/2', '--model', 'softmax', '--announce', '/ip4/198.51.100.10/tcp/9000', '--allow-peers', join(dir, 'missing.txt')])
      assert.notEqual(res.code, 0)
      assert.match(res.err, /murmur peer: warning: --announce \/ip4\/198\.51\.100\.10\/tcp\/9000 tells other peers to dial port 9000/)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
