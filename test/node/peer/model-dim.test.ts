/**
 * Peers of one training run whose models differ in size (here: --dataset-dir copies of another image size, a
 * per-peer setting outside the agreed fields) are refused by name at membership, `dim` with both parameter counts
 * and the likely cause, instead of training side by side with every message rejected as of another dimension.
 */
import assert from 'node:assert/strict'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { MODEL_DIM_HINT, resolveRunConfig } from '../../../lib/experiment/index.ts'
import type { RunConfig } from '../../../lib/experiment/index.ts'
import type { PeerInit } from '../../../node/peer/index.ts'
import { writeIdxFolder } from '../../lib/data/idx-folder.ts'
import { startLoggedPeer, stopLogged } from './helpers.ts'
import type { LoggedPeer } from './helpers.ts'

const dirs: string[] = []
const running: LoggedPeer[] = []

function tempDir (): string {
  const d = mkdtempSync(join(tmpdir(), 'murmur-model-dim-'))
  dirs.push(d)
  return d
}

function start (config: RunConfig, slot: number, extra: Partial<PeerInit>): LoggedPeer {
  return startLoggedPeer({ config, slot, dataDir: tempDir(), ...extra }, running)
}

describe('node/peer: peers of a training run whose models differ in size', function () {
  this.timeout(60_000)
  afterEach(async () => { await stopLogged(running, dirs) })

  it('are refused with ConfigMismatchError naming dim, both parameter counts and the likely cause', async () => {
    // before: the hash left a training run's dim out (null), so both peers joined one run and each rejected every
    // message of the other as 'dimension' (counted in exchangeRejected), the run ending with no word of why
    const base = { runId: 'model-dim', peers: 2, algo: 'dpsgd', model: 'softmax', dataset: 'mnist', batch: 8, rounds: 3, seed: 1, roundDeadlineMs: 1000 } as const
    const big = resolveRunConfig({ ...base, datasetDir: writeIdxFolder(tempDir(), {}, { rows: 28, cols: 28 }) }) // 28·28·10 + 10 = 7850
    const small = resolveRunConfig({ ...base, datasetDir: writeIdxFolder(tempDir(), {}, { rows: 20, cols: 20 }) }) // 20·20·10 + 10 = 4010
    const a = start(big, 0, { startTimeoutMs: 30_000 })
    const b = start(small, 1, { bootstrap: await a.addrs, startTimeoutMs: 30_000 })
    const ida = await a.peerId
    const err = await b.done.then(() => undefined, (e: unknown) => e as Error & { fields?: string[] })
    assert.ok(err !== undefined, `b fails: ${b.log.join('\n')}`)
    assert.equal(err.name, 'ConfigMismatchError')
    assert.deepEqual(err.fields, ['dim'])
    assert.ok(err.message.includes(`${ida}: dim: ours 4010, theirs 7850 (${MODEL_DIM_HINT})`), err.message)
    assert.ok(b.log.some((l) => l.startsWith(`error: refused peer ${ida}: its run config differs: dim: ours 4010, theirs 7850 (the model sizes differ`)), b.log.join('\n'))
  })
})
