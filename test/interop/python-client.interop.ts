/**
 * docs/PROTOCOL.md is a specification "for someone writing another client": this runs such a client, written in
 * Python from the documents alone (scripts/interop/murmur_client.py), against real `murmur peer` processes over
 * loopback TCP. It needs /usr/bin/python3 (or $PYTHON) with the `cryptography` package (Debian:
 * python3-cryptography); `npm run test:interop`. A failure here means the documents and the code disagree.
 */
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

const ROOT = resolve(import.meta.dirname, '..', '..')
const PYTHON = process.env.PYTHON ?? '/usr/bin/python3'

function run (script: string, args: string[], port: number): { status: number | null, out: string } {
  const work = mkdtempSync(join(tmpdir(), 'murmur-interop-'))
  const res = spawnSync('bash', [join(ROOT, 'scripts', 'interop', script), ...args], {
    cwd: ROOT, encoding: 'utf8', timeout: 240_000, env: { ...process.env, WORK: work, PORT: String(port), PYTHON }
  })
  return { status: res.status, out: `${res.stdout}${res.stderr}` }
}

describe('interop: a Python client written from docs/PROTOCOL.md, against real murmur peers', function () {
  this.timeout(300_000)

  before(function () {
    const probe = spawnSync(PYTHON, ['-c', 'import cryptography'], { encoding: 'utf8' })
    if (probe.status !== 0) {
      throw new Error(`${PYTHON} with the cryptography package is needed (Debian: apt-get install -y python3-cryptography; or set PYTHON): ${probe.error?.message ?? probe.stderr.trim()}`)
    }
  })

  for (const [codec, encrypter] of [['none', 'aesgcm'], ['topk:0.1', 'noise']]) {
    it(`joins a gossip run as a member (codec ${codec}, ${encrypter}): every model received is the sender's, byte for byte or as lib/compress/FORMAT.md makes it; the peers miss nothing`, () => {
      const { status, out } = run('run-interop.sh', [codec, encrypter, '12'], codec === 'none' ? 47401 : 47411)
      assert.equal(status, 0, out)
      const matched = [...out.matchAll(/codec \S+: (\d+)\/(\d+) received models match/g)]
      assert.equal(matched.length, 2, out)
      for (const m of matched) assert.ok(m[1] === m[2] && Number(m[1]) >= 10, m[0])
      const peers = [...out.matchAll(/(\d+) rounds recorded, members (\d+), received (\d+), missing (\d+), exchange rejections \{\}/g)]
      assert.equal(peers.length, 2, `both peers: 3 members, no rejection\n${out}`)
      for (const p of peers) {
        assert.equal(p[2], '3', p[0])
        assert.equal(p[4], '0', p[0])
      }
      const sketches = /(\d+) summaries: (\d+) with every field as FORMAT\.md says; sketches recomputed from the snapshots: (\d+)\/(\d+) equal/.exec(out)
      assert.ok(sketches !== null && sketches[1] === sketches[2] && sketches[3] === sketches[4] && Number(sketches[1]) > 0, out)
    })
  }

  it('hostile frames of each row of § Validation: the peer resets the stream or answers as documented, and counts each reason', () => {
    const { status, out } = run('run-probes.sh', [], 47421)
    assert.equal(status, 0, out)
    const probes = [...out.matchAll(/probe (\S+)\s+expected (.+?)\s+-> (.+)$/gm)]
    assert.ok(probes.length >= 20, out)
    const reasons = new Set<string>()
    for (const [, name, expected, observed] of probes) {
      if (expected.startsWith('kept')) assert.match(observed, /^kept/, `${name}: ${expected} -> ${observed}`)
      else if (expected.startsWith('reset')) assert.match(observed, /^reset/, `${name}: ${expected} -> ${observed}`)
      else if (expected.startsWith('response')) assert.match(observed, /^closed by the peer, got \d+ bytes: type 3/, `${name}: ${expected} -> ${observed}`)
      const reason = /^reset \((\w+)\)/.exec(expected)?.[1]
      if (reason !== undefined) reasons.add(reason)
    }
    const counts = /peer a, exchange rejections by reason: (\{.*\})/.exec(out)
    assert.ok(counts !== null, out)
    for (const reason of reasons) assert.match(counts[1], new RegExp(`'${reason}': [1-9]`), `the peer counted no '${reason}' rejection: ${counts[1]}`)
  })
})
