import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('..', import.meta.url))

describe('toolchain', () => {
  it('runs typescript tests on node >= 22', () => {
    assert.ok(Number(process.versions.node.split('.')[0]) >= 22)
  })

  it('the whole tree typechecks (tsc -p tsconfig.json), scripts no test imports included', function () {
    this.timeout(120_000)
    const tsc = spawnSync(process.execPath, [fileURLToPath(new URL('../node_modules/typescript/bin/tsc', import.meta.url)), '-p', 'tsconfig.json'], { cwd: ROOT, encoding: 'utf8' })
    assert.equal(tsc.status, 0, `tsc reported:\n${tsc.stdout}${tsc.stderr}`)
  })
})
