import assert from 'node:assert/strict'
import { createAlgorithm, encodeFrame } from '../../../lib/algorithms/index.ts'
import type { Exchange, Received } from '../../../lib/algorithms/index.ts'
import { createRng } from '../../../lib/random/index.ts'

describe('lib/algorithms CHOCO-SGD outgoing buffers', () => {
  it('a full frame sent in round r is not overwritten by the full frame of round r + 1 (its sends may still run)', async () => {
    const dim = 64
    const objective = { dim, gradient: (x: Float32Array, g: Float32Array) => { for (let i = 0; i < dim; i++) g[i] = x[i] - 1; return 0 } }
    const peer = createAlgorithm({ algo: 'choco', codec: 'topk:0.1', gamma: 0.1, lr: 0.1 }, { x0: new Float32Array(dim), objective, rng: createRng(1), id: 'a' })
    const sent: Array<{ bytes: Uint8Array, copy: Uint8Array }> = []
    // the neighbour asks for a full copy in every message, so 'a' sends a full frame every round
    const exchange: Exchange = {
      neighbours: () => [{ id: 'b' }],
      async round (r, outgoing): Promise<Received[]> {
        sent.push({ bytes: outgoing, copy: outgoing.slice() })
        const payload = new Uint8Array(4 * dim)
        return [{ from: { id: 'b' }, degree: 1, payload: encodeFrame({ kind: 'full', encoding: 'raw', round: r, base: 0, dim, resync: ['a'] }, payload) }]
      }
    }
    for (let r = 0; r < 4; r++) {
      await peer.runRound(r, exchange)
      if (r >= 1) assert.deepEqual(sent[r - 1].bytes, sent[r - 1].copy, `round ${r - 1}'s frame changed during round ${r}`)
    }
    assert.equal(new DataView(sent[2].bytes.buffer, sent[2].bytes.byteOffset).getUint8(2), 2, 'full frames were sent')
  })
})

describe('lib/algorithms CHOCO-SGD: deltas that add up past float32', () => {
  it('two finite deltas of 3.4e38 do not make the copy infinite: the second is counted non-finite, the copy goes out of step and a full copy is asked for; the model stays finite', async () => {
    const dim = 1
    const objective = { dim, gradient: (x: Float32Array, g: Float32Array) => { g[0] = x[0] - 1; return 0 } }
    const peer = createAlgorithm({ algo: 'choco', codec: 'none', gamma: 0.5, lr: 0.01 }, { x0: new Float32Array(dim), objective, rng: createRng(1), id: 'a' })
    // codec none payload: tag 1, version 1, d = 1, then FLT_MAX
    const payload = Uint8Array.from([1, 1, 0, 0, 1, 0, 0, 0, 0xff, 0xff, 0x7f, 0x7f])
    const sent: Uint8Array[] = []
    const exchange: Exchange = {
      neighbours: () => [{ id: 'b' }],
      async round (r, outgoing): Promise<Received[]> {
        sent.push(outgoing.slice())
        return r < 2 ? [{ from: { id: 'b' }, degree: 1, payload: encodeFrame({ kind: 'delta', encoding: 'codec', round: r, base: r, dim, resync: [] }, payload) }] : []
      }
    }
    const first = await peer.runRound(0, exchange)
    assert.equal(first.rejected.nonFinite, 0, 'one FLT_MAX delta is a finite copy')
    const second = await peer.runRound(1, exchange)
    assert.equal(second.rejected.nonFinite, 1)
    assert.equal(second.row.neighbours.length, 0, 'the neighbour got no weight')
    // the copy is out of step and zeroed, so a checkpoint of this state can be loaded again
    const copy = peer.exportState().choco?.copies.find((c) => c.id === 'b')
    assert.deepEqual({ version: copy?.version, values: Array.from(copy?.values ?? []) }, { version: -1, values: [0] })
    peer.importState(peer.exportState())
    assert.ok(Number.isFinite(peer.params[0]), `params ${peer.params[0]}`)
    await peer.runRound(2, exchange)
    assert.ok(Number.isFinite(peer.params[0]))
    // the frame of round 2 asks b for a full copy: its requests hold 'b'
    const frame = sent[2]
    assert.equal(new TextDecoder().decode(frame.subarray(frame.length - 1)), 'b')
  })
})
