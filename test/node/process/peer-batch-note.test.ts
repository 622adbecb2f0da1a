import assert from 'node:assert/strict'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { batchNote } from '../../../node/cli/commands/sim.ts'
import { startPeer } from './helpers.ts'

/**
 * `murmur sim` warns when --batch is larger than a peer's shard (a step then takes the whole shard); `murmur peer`
 * said nothing, so a peer of 4 with --batch 20000 trained on its 15,000 samples a step without a word.
 */
describe('murmur peer: a --batch larger than this peer\'s shard', function () {
  this.timeout(60_000)

  // MNIST's 60,000 training samples split iid over 4 peers: 15,000 each; --rounds 0 ends once the peer has started
  const run = async (batch: number): Promise<string> => {
    const dir = mkdtempSync(join(tmpdir(), 'murmur-peer-batch-'))
    const p = startPeer(['--data-dir', dir, '--shard', '1/4', '--peers', '4', '--model', 'softmax', '--batch', String(batch), '--rounds', '0',
      '--listen', '/ip4/127.0.0.1/tcp/0', '--heartbeat', '100', '--start-timeout', '0', '--quiet'])
    const { code } = await p.exit
    assert.equal(code, 0, p.err())
    return p.err()
  }

  it('is said once at the start, in the words of murmur sim, with this peer\'s shard size', async () => {
    const err = await run(20_000)
    const note = batchNote(20_000, { min: 15_000, max: 15_000 })
    assert.equal(note, 'batch 20,000 is larger than a peer\'s shard (15,000 samples): a step takes the whole shard instead')
    const lines = err.split('\n').filter((l) => l.includes('is larger than'))
    assert.deepEqual(lines, [`murmur peer: warning: ${note}`], err)
  })

  it('is not said when the batch fits in the shard', async () => {
    assert.doesNotMatch(await run(15_000), /is larger than/)
  })
})
