import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'

describe('scripts/examples/library.ts (murmur as a library, as the README shows it)', function () {
  this.timeout(120_000)

  it('runs as a user runs it: both topologies\' spectra, then a D-PSGD run over each that learns and reports', () => {
    const r = spawnSync(process.execPath, [join('scripts', 'examples', 'library.ts'), '--rounds', '4', '--peers', '8'], { encoding: 'utf8', timeout: 110_000 })
    assert.equal(r.status, 0, r.stderr)
    const gap = (topology: string): number => {
      const m = new RegExp(`^${topology.replace('.', '\\.')}: \\d+ edges, lambda2 [0-9.]+, spectral gap ([0-9.]+), mixing time \\d+ rounds$`, 'm').exec(r.stdout)
      assert.ok(m !== null, `${topology} spectrum line in:\n${r.stdout}`)
      return Number(m[1])
    }
    // a ring of 8 has a smaller gap than a 4-regular graph of 8: 1 − (1/3 + 2/3 cos(2π/8)) ≈ 0.195
    assert.ok(Math.abs(gap('ring') - (1 - (1 / 3 + (2 / 3) * Math.cos(2 * Math.PI / 8)))) < 1e-4, r.stdout)
    assert.ok(gap('regular:4') > gap('ring'), r.stdout)
    for (const topology of ['ring', 'regular:4']) {
      const m = new RegExp(`^ {2}${topology}: 4 rounds in [0-9.]+ s, accuracy ([0-9.]+) %, [0-9.]+ MB sent$`, 'm').exec(r.stdout)
      assert.ok(m !== null, `${topology} result line in:\n${r.stdout}`)
      // 4 rounds of an MLP on MNIST leave chance (10 %) far behind
      assert.ok(Number(m[1]) > 40, `${topology}: ${m[1]} %`)
    }
  })
})
