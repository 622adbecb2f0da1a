import assert from 'node:assert/strict'
describe('toolchain', () => {
  it('runs typescript tests on node >= 22', () => {
    assert.ok(Number(process.versions.node.split('.')[0]) >= 22)
  })
})
