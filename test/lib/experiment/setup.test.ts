import assert from 'node:assert/strict'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { prepareTraining, resolveExperiment } from '../../../lib/experiment/index.ts'
import { createRng } from '../../../lib/random/index.ts'
import { writeIdxFolder } from '../data/idx-folder.ts'

function idx (dims: number[], data: Uint8Array, type = 0x08): Uint8Array {
  const head = new Uint8Array(4 + 4 * dims.length)
  head[2] = type; head[3] = dims.length
  const view = new DataView(head.buffer)
  dims.forEach((d, i) => { view.setUint32(4 + 4 * i, d) })
  const out = new Uint8Array(head.length + data.length)
  out.set(head); out.set(data, head.length)
  return out
}

function writeSet (dir: string, prefix: string, n: number, seed: number): void {
  const r = createRng(seed)
  const images = new Uint8Array(n * 784).map(() => r.int(256))
  const labels = new Uint8Array(n).map(() => r.int(10))
  writeFileSync(join(dir, `${prefix}-images-idx3-ubyte`), idx([n, 28, 28], images))
  writeFileSync(join(dir, `${prefix}-labels-idx1-ubyte`), idx([n], labels))
}

describe('lib/experiment prepareTraining', function () {
  this.timeout(20_000)

  it('a slot with its own data trains on all of its own samples and tests on its own test set', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'murmur-own-'))
    writeSet(dir, 'train', 20, 1)
    writeSet(dir, 't10k', 7, 2)
    const config = resolveExperiment({ peers: 4, model: 'softmax', backend: 'cpu', batch: 5 })
    const t = await prepareTraining(config, { slot: 2, ownDataDir: dir })
    try {
      assert.equal(t.trainSamples, 20)
      assert.equal(t.testSamples, 7)
      const objective = t.objective!(2, createRng(1))
      const grad = new Float32Array(t.dim)
      assert.ok(Number.isFinite(objective.gradient(t.x0(2, createRng(1)), grad)))
      assert.throws(() => t.objective!(1, createRng(1)), (e: any) => e.name === 'InvalidExperimentConfigError')
    } finally {
      t.dispose()
    }
  })

  it('own data of another image size than the run\'s is refused with InvalidDatasetError, also without the CLI', async () => {
    const dir = writeIdxFolder(mkdtempSync(join(tmpdir(), 'murmur-own32-')), {}, { rows: 32, cols: 32 })
    const config = resolveExperiment({ peers: 4, model: 'softmax', backend: 'cpu', batch: 5 })
    await assert.rejects(prepareTraining(config, { slot: 1, ownDataDir: dir }), (e: any) => e.name === 'InvalidDatasetError' && /32×32/.test(e.message))
  })

  it('a slot without own data holds exactly its shard of the seeded split', async () => {
    const config = resolveExperiment({ peers: 16, model: 'softmax', backend: 'cpu' })
    const whole = await prepareTraining(config)
    const one = await prepareTraining(config, { slot: 5 })
    try {
      assert.equal(one.trainSamples, whole.shardSizes![5])
      assert.deepEqual(one.shardSizes, whole.shardSizes)
    } finally {
      whole.dispose(); one.dispose()
    }
  })
})
