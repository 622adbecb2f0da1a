import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { MURMUR } from './helpers.ts'

const MAIN = fileURLToPath(new URL('../../../node/cli/main.ts', import.meta.url))

describe('murmur | head: a reader that closes the pipe', function () {
  this.timeout(30_000)

  for (const [entry, script] of [['node/bin/murmur.js', MURMUR], ['node/cli/main.ts', MAIN]]) {
    it(`${entry}: the output to the closed pipe is dropped quietly and the command runs to its end (exit 0)`, async () => {
      // about 2 MB of JSON, far more than a pipe buffers: the writes after the reader left fail with EPIPE
      const child = spawn(process.execPath, [script, 'graph', '--json', '--peers', '1000'], { stdio: ['ignore', 'pipe', 'pipe'] })
      let err = ''
      child.stderr.on('data', (b) => { err += String(b) })
      child.stdout.once('data', () => { child.stdout.destroy() })
      const code = await new Promise<number | null>((resolve) => { child.on('close', (c) => { resolve(c) }) })
      assert.equal(err, '', 'no stack trace')
      assert.equal(code, 0)
    })
  }
})
