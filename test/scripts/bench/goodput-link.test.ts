/**
 * The goodput benchmark over a shaped link between two network namespaces (scripts/bench/goodput.ts
 * --link-rate). The smoke test runs the real sender and receiver processes across a 100 Mbit/s link and is
 * skipped, with the reason, where namespaces cannot be made (not root, no iproute2, the kernel refuses).
 */
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { parseGoodputCli } from '../../../scripts/bench/goodput.ts'
import type { GoodputBenchOptions } from '../../../scripts/bench/goodput.ts'
import { runGoodputOverLink } from '../../../scripts/bench/goodput-link.ts'

/** The options of a command line that is not --help. */
function parseFlags (argv: string[]): GoodputBenchOptions {
  const r = parseGoodputCli(argv)
  if ('help' in r) throw new Error('--help')
  return r
}

function ownNamespaces (): string[] {
  try {
    return execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }).split('\n').filter((l) => l.startsWith(`murmur-${process.pid}-`))
  } catch {
    return []
  }
}

describe('scripts/bench/goodput: --link-rate', function () {
  this.timeout(30_000)

  it('--link-rate with a rate tc does not take is a UsageError naming link-rate', () => {
    assert.throws(() => parseFlags(['--floats', '1000', '--link-rate', '1gbps']),
      (err: Error & { option?: string }) => err.name === 'UsageError' && err.option === 'link-rate')
    assert.equal(parseFlags(['--link-rate', '10gbit']).linkRate, '10gbit')
  })

  it('the other flags\' bad values are UsageErrors naming their flag too', () => {
    for (const [argv, option] of [[['--repeats', '0'], 'repeats'], [['--floats', '1e3,x'], 'floats'], [['--speed', '1'], 'speed']] as const) {
      assert.throws(() => parseFlags([...argv]), (err: Error & { option?: string }) => err.name === 'UsageError' && err.option === option, argv.join(' '))
    }
  })

  it('runGoodputOverLink refuses a bad rate before it makes any namespace', async () => {
    await assert.rejects(runGoodputOverLink({ floats: [1000], linkRate: '100' }),
      (err: Error & { option?: string }) => err.name === 'UsageError' && err.option === 'link-rate')
    assert.deepEqual(ownNamespaces(), [])
  })

  it('a model crosses a 100mbit link between two namespaces no faster than the link, every transfer intact, and no namespace is left', async function () {
    const floats = 100_000
    const result = await runGoodputOverLink({ floats: [floats], repeats: 1, warmup: 0, variants: ['default'], stream: 2, linkRate: '100mbit' })
    if ('skipped' in result) {
      const test = this.test
      if (test !== undefined) test.title += ` [skipped: ${result.skipped}]`
      this.skip()
    }
    assert.deepEqual(ownNamespaces(), [], 'the namespaces were removed')
    assert.equal(result.rows.length, 1)
    assert.equal(result.rows[0].nonPositive, 0, 'every transfer took a positive time')
    assert.equal(result.link?.bitsPerSecond, 1e8)
    // gossip, bare stream, raw TCP and TLS each carried the dense model out of the sender's namespace
    assert.ok(result.link !== undefined && result.link.bytesOut > 4 * 4 * floats, `bytes out of the sender: ${String(result.link?.bytesOut)}`)
    // 400 KB through a 12.5 MB/s bucket of 128 KiB takes ≥ 21 ms: shaping can only slow a transfer, so this bound holds under any load
    const linkMBps = 1e8 / 8 / 1e6
    for (const mbps of [result.rows[0].rawMBps, result.rows[0].gossipMBps, result.rows[0].streamMBps]) assert.ok(mbps < 2 * linkMBps, `${mbps} MB/s over a ${linkMBps} MB/s link`)
    // the encryption ceiling (TLS 1.3 on a bare socket) crossed the same link, every transfer intact and timed
    assert.equal(result.ceiling.length, 1)
    assert.equal(result.ceiling[0].nonPositive, 0, 'every TLS and raw transfer took a positive time')
    assert.match(result.ceiling[0].cipher, /^TLS_/)
    assert.ok(result.ceiling[0].tlsMBps > 0 && result.ceiling[0].tlsMBps < 2 * linkMBps, `TLS: ${result.ceiling[0].tlsMBps} MB/s over a ${linkMBps} MB/s link`)
    assert.deepEqual(result.dense.map((d) => d.mode), ['message', 'stream'])
    assert.ok(result.dense.every((d) => d.floats === floats && d.floatsPerSecond > 0 && d.nonPositive === 0))
  })
})
