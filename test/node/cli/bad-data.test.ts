/**
 * A bad data folder given to `murmur sim --dataset-dir` or `murmur peer --own-data` ends the command before any
 * training, with one line naming the error class and the file, and exit code 1: in-process (runCli) and, for the
 * real entry point's exit code and stderr, in a child process.
 */
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { forgetLoadedDatasets } from '../../../lib/data/index.ts'
import { randomImages, randomLabels, TEST_IMAGES, TEST_LABELS, TRAIN_IMAGES, TRAIN_LABELS, writeIdxFolder } from '../../lib/data/idx-folder.ts'
import { runCli } from './run.ts'

const MURMUR = fileURLToPath(new URL('../../../node/bin/murmur.js', import.meta.url))

/** runs `node node/bin/murmur.js ...args` in a child process */
async function runChild (args: string[]): Promise<{ code: number, out: string, err: string }> {
  return await new Promise((resolve) => {
    execFile(process.execPath, [MURMUR, ...args], { timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, out: stdout, err: stderr })
    })
  })
}

/** the lines of stderr that are not the peer's address notes */
function errorLines (err: string): string[] {
  return err.trim().split('\n').filter((l) => !/^murmur \w+: note:/.test(l))
}

describe('murmur sim / peer on bad data: one line, exit 1, before training', function () {
  this.timeout(60_000)
  let dir = ''
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'murmur-bad-data-')) })
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true })
    forgetLoadedDatasets()
  })

  it('murmur peer --own-data with images of another size than the run\'s model: InvalidDatasetError, nothing started', async () => {
    const own = writeIdxFolder(join(dir, 'own'), {}, { rows: 32, cols: 32 })
    const dataDir = join(dir, 'peer')
    const { code, out, err } = await runCli(['peer', '--data-dir', dataDir, '--shard', '0/2', '--own-data', own,
      '--listen', '/ip4/127.0.0.1/tcp/0', '--model', 'softmax', '--backend', 'cpu', '--quiet'])
    assert.equal(code, 1, err)
    assert.equal(out, '', 'no peer id: the network was never started')
    const lines = errorLines(err)
    assert.equal(lines.length, 1, err)
    assert.match(lines[0], /^murmur peer: InvalidDatasetError: /)
    assert.ok(lines[0].includes(join(own, TRAIN_IMAGES)), lines[0])
    assert.ok(!existsSync(dataDir), 'the data folder is not created for a peer that cannot start')
  })

  it('murmur peer --own-data on a bad folder, per case: the error class named on one line', async () => {
    const cases: Array<{ id: string, folder: () => string, error: string }> = [
      { id: 'missing folder', folder: () => join(dir, 'nope'), error: 'DatasetNotFoundError' },
      { id: 'label 10', folder: () => writeIdxFolder(join(dir, 'label'), { [TRAIN_LABELS]: randomLabels(40, 2, 11).map((v, i) => i === 8 ? 10 : v) }), error: 'InvalidDatasetError' },
      { id: 'truncated images', folder: () => writeIdxFolder(join(dir, 'cut'), { [TRAIN_IMAGES]: randomImages(40, 28, 28, 1).subarray(0, 1000) }), error: 'InvalidIdxError' },
      { id: 'a folder under a file\'s name', folder: () => writeIdxFolder(join(dir, 'folder'), { [TEST_LABELS]: 'folder' }), error: 'InvalidDatasetError' }
    ]
    for (const c of cases) {
      const { code, err } = await runCli(['peer', '--data-dir', join(dir, 'peer'), '--shard', '0/2', '--own-data', c.folder(),
        '--listen', '/ip4/127.0.0.1/tcp/0', '--model', 'softmax', '--backend', 'cpu', '--quiet'])
      assert.equal(code, 1, `${c.id}: ${err}`)
      const lines = errorLines(err)
      assert.equal(lines.length, 1, `${c.id}: ${err}`)
      assert.ok(lines[0].startsWith(`murmur peer: ${c.error}: `), `${c.id}: ${lines[0]}`)
    }
  })

  it('child process: murmur sim --dataset-dir with an empty test set exits 1 with one line, and writes no run folder', async () => {
    const data = writeIdxFolder(join(dir, 'data'), { [TEST_IMAGES]: randomImages(0, 28, 28, 3), [TEST_LABELS]: randomLabels(0, 4) })
    const out = join(dir, 'run')
    const { code, err } = await runChild(['sim', '--dataset-dir', data, '--peers', '2', '--rounds', '2', '--model', 'softmax', '--backend', 'cpu', '--quiet', '--out', out])
    assert.equal(code, 1, err)
    const lines = err.trim().split('\n')
    assert.equal(lines.length, 1, err)
    assert.match(lines[0], /^murmur sim: InvalidDatasetError: /)
    assert.ok(lines[0].includes(join(data, TEST_IMAGES)), lines[0])
    assert.ok(!existsSync(out), 'no run folder: the run never started')
  })
})
