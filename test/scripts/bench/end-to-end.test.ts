import assert from 'node:assert/strict'
import { baselineOf, CHOCO, formatEndToEnd, parseArm } from '../../../scripts/bench/end-to-end.ts'
import type { EndToEndRow } from '../../../scripts/bench/end-to-end.ts'

function row (over: Partial<EndToEndRow>): EndToEndRow {
  return {
    name: 'x', kind: 'sim', peers: 16, batch: 32, rounds: 100, samples: 51_200, seconds: 10, evalSeconds: 1, startupSeconds: null, accuracy: 0.97,
    worstPeer: 0.96, bytes: 1000, bytesPerPeerPerRound: 1, loadBefore: 1, load: 1, ...over
  }
}

describe('scripts/bench/end-to-end: arms and the table', () => {
  it('parses centralized, simulated and real-process arms; CHOCO arms share one γ and η', () => {
    assert.deepEqual(parseArm('central:32').config, { peers: 1, algo: 'dpsgd', codec: 'none', batch: 32, lr: 0.01 })
    assert.equal(parseArm('central:512').config.lr, 0.05)
    assert.equal(parseArm('central:64:0.02').config.lr, 0.02)
    assert.equal(parseArm('dpsgd:fp16').kind, 'sim')
    const real = parseArm('cluster:choco:topk:0.01', 4)
    assert.equal(real.kind, 'processes')
    assert.deepEqual(real.config, { ...CHOCO, codec: 'topk:0.01' })
    assert.match(real.name, /^4 processes/)
    assert.deepEqual(parseArm('choco:topk:0.01').config, real.config, 'simulated and real CHOCO run the same config')
  })

  it('refuses a malformed arm with an InvalidArmError', () => {
    for (const spec of ['sgd:none', 'cluster:central:32', 'central:0', 'central:x', 'central:32:-1']) {
      assert.throws(() => parseArm(spec), (err: any) => err.name === 'InvalidArmError', spec)
    }
  })

  it('compares each row with the latest centralized batch-32 run before it (the first one for rows before any)', () => {
    const rows = [
      row({ name: 'sim', kind: 'sim' }),
      row({ name: 'b32 first', kind: 'central', batch: 32, seconds: 5 }),
      row({ name: 'b512', kind: 'central', batch: 512 }),
      row({ name: 'b32 again', kind: 'central', batch: 32, seconds: 8 }),
      row({ name: 'proc', kind: 'processes', seconds: 80 })
    ]
    assert.equal(baselineOf(rows, 0)?.name, 'b32 first')
    assert.equal(baselineOf(rows, 2)?.name, 'b32 first')
    assert.equal(baselineOf(rows, 4)?.name, 'b32 again')
    const table = formatEndToEnd(rows, 0.97)
    assert.ok(table.split('\n').some((l) => l.startsWith('proc') && l.includes('10.00x')), table)
  })
})
