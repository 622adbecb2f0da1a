import assert from 'node:assert/strict'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runCli } from './run.ts'

// a small D-PSGD job at the default step size: with randk:0.1 its loss blows up (finite) within 40 rounds (seeded)
const job = ['sim', '--peers', '4', '--model', 'mlp:16', '--batch', '8', '--rounds', '40', '--eval-every', '0', '--seed', '1', '--backend', 'wasm', '--quiet']

describe('murmur sim with a lossy codec that breaks D-PSGD', function () {
  this.timeout(60_000)

  it('the divergence warning names the codec and what to use instead, not only the step size; what it offers runs without either warning', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'murmur-sim-codec-'))
    const broken = await runCli([...job, '--codec', 'randk:0.1', '--out', join(dir, 'randk')])
    assert.equal(broken.code, 0, broken.err)
    const line = broken.err.split('\n').find((l) => l.startsWith('murmur sim: warning: the run diverged: ')) ?? ''
    assert.match(line, /the figures above describe a broken model: the lossy codec randk:0\.1 is a likely cause: dpsgd mixes the decoded models themselves, .*\(use --codec fp16 or ef\(topk:0\.1\), or --algo choco --codec randk:0\.1 --lr 0\.02\); or a step size too large \(try a smaller --lr\)$/, broken.err)
    // the advice, followed: no warning of any kind, and no divergence
    for (const instead of [['--codec', 'ef(topk:0.1)'], ['--codec', 'fp16'], ['--algo', 'choco', '--codec', 'randk:0.1', '--lr', '0.02']]) {
      const r = await runCli([...job, ...instead, '--out', join(dir, instead.join('-'))])
      assert.equal(r.code, 0, r.err)
      assert.doesNotMatch(r.err, /warning/, `${instead.join(' ')}: ${r.err}`)
    }
  })
})
