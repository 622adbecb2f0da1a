import assert from 'node:assert/strict'
import { createServer } from 'node:net'
import type { AddressInfo } from 'node:net'
import { runCli } from '../cli/run.ts'

describe('murmur watch command line', () => {
  it('requires --bootstrap, naming it', async () => {
    const r = await runCli(['watch'])
    assert.equal(r.code, 2)
    assert.match(r.err, /--bootstrap is required/)
    const bad = await runCli(['watch', '--bootstrap', '/ip4/127.0.0.1/tcp/9000'])
    assert.equal(bad.code, 2, 'an address without /p2p/<id> is a usage error')
    assert.match(bad.err, /--bootstrap/)
  })

  it('refuses an out-of-range --http port and an unknown --view, naming the option', async () => {
    const a = await runCli(['watch', '--bootstrap', '/ip4/127.0.0.1/tcp/1/p2p/12D3KooWR4YquwGY7ePvPP9gUJqwvzjFPA9bYne3Tx95THxo2ksY', '--http', '70000'])
    assert.equal(a.code, 2)
    assert.match(a.err, /--http/)
    const b = await runCli(['watch', '--bootstrap', 'x', '--view', 'fancy'])
    assert.equal(b.code, 2)
    assert.match(b.err, /--view/)
  })

  it('a --listen port another process holds: one line naming the address and what to do, exit 1 (as murmur peer)', async () => {
    const server = createServer()
    await new Promise<void>((resolve) => { server.listen(0, '127.0.0.1', resolve) })
    const port = (server.address() as AddressInfo).port
    try {
      const r = await runCli(['watch', '--bootstrap', '/ip4/127.0.0.1/tcp/1/p2p/12D3KooWR4YquwGY7ePvPP9gUJqwvzjFPA9bYne3Tx95THxo2ksY', '--listen', `/ip4/127.0.0.1/tcp/${port}`, '--duration', '1'])
      assert.equal(r.code, 1, r.err)
      assert.match(r.err, new RegExp(`^murmur watch: cannot listen on /ip4/127\\.0\\.0\\.1/tcp/${port}: listen EADDRINUSE.*pick another port in --listen`))
      assert.equal(r.err.trimEnd().split('\n').length, 1, `one line: ${r.err}`)
    } finally {
      server.close()
    }
  })

  it('lists its options in --help, and murmur --help lists the command', async () => {
    const r = await runCli(['watch', '--help'])
    assert.equal(r.code, 0)
    for (const o of ['--bootstrap', '--run-id', '--swarm-key', '--data-dir', '--print-id', '--http', '--refresh', '--view', '--duration', '--stay']) assert.ok(r.out.includes(o), o)
    assert.match((await runCli(['--help'])).out, /watch\s+observe a running network/)
  })
})
