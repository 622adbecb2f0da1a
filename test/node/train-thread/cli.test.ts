import assert from 'node:assert/strict'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runCli } from '../cli/run.ts'

describe('murmur peer --train-thread', () => {
  it('worker without D-PSGD overlap is refused before any work with exit code 2, naming --train-thread', async () => {
    for (const extra of [[], ['--algo', 'dpsgd'], ['--algo', 'gossip', '--overlap']]) {
      const { code, err } = await runCli(['peer', '--data-dir', mkdtempSync(join(tmpdir(), 'murmur-tt-')), '--shard', '0/1', '--peers', '1', '--train-thread', 'worker', ...extra])
      assert.equal(code, 2, `${extra.join(' ')}: ${err}`)
      assert.ok(err.includes('--train-thread'), err)
    }
  })
})
