import assert from 'node:assert/strict'
import { createAlgorithm, decodeFrame } from '../../../lib/algorithms/index.ts'
import type { AlgorithmConfig, Exchange, LocalObjective, PeerAlgorithm, Received } from '../../../lib/algorithms/index.ts'
import { PIPELINE_DAMPING } from '../../../lib/algorithms/mixing.ts'
import { createRng } from '../../../lib/random/index.ts'

/** f(x) = ½‖x − c‖²: ∇f(x) = x − c */
function quadratic (c: Float32Array): LocalObjective {
  return {
    dim: c.length,
    gradient (x, grad) {
      for (let k = 0; k < x.length; k++) grad[k] = x[k] - c[k]
      return 0
    }
  }
}

/**
 * Two peers 'a' and 'b' connected to each other: round(r) of one resolves once the other has sent round r. Every
 * outgoing buffer is kept with a copy of its bytes at send time, and `check` runs at each call.
 */
class Pair {
  readonly sent = new Map<string, Array<{ view: Uint8Array, copy: Uint8Array }>>([['a', []], ['b', []]])
  readonly calls: string[] = []
  private readonly waiting = new Map<string, () => void>()
  check: (self: string, r: number) => void = () => {}

  exchange (self: 'a' | 'b'): Exchange {
    const other = self === 'a' ? 'b' : 'a'
    return {
      neighbours: () => [{ id: other }],
      round: async (r, outgoing) => {
        this.calls.push(`${self}${r}`)
        this.check(self, r)
        const mine = this.sent.get(self)!
        assert.equal(mine.length, r, 'rounds are sent in order, each once')
        mine.push({ view: outgoing, copy: outgoing.slice() })
        this.waiting.get(`${other}${r}`)?.()
        const theirs = this.sent.get(other)!
        if (theirs.length <= r) await new Promise<void>((resolve) => { this.waiting.set(`${self}${r}`, resolve) })
        return [{ from: { id: other }, degree: 1, payload: theirs[r].copy }] satisfies Received[]
      }
    }
  }
}

const config: AlgorithmConfig = { algo: 'dpsgd', lr: 0.1, momentum: 0, localSteps: 2, overlap: true }

function pair (lr: number, x0: [Float32Array, Float32Array], c: [Float32Array, Float32Array]): [PeerAlgorithm, PeerAlgorithm] {
  return [0, 1].map((i) => createAlgorithm({ ...config, lr }, { x0: x0[i], objective: quadratic(c[i]), rng: createRng(i), pipeline: true })) as [PeerAlgorithm, PeerAlgorithm]
}

const values = (bytes: Uint8Array): number[] => { const f = decodeFrame(bytes); return [...new Float32Array(f.payload.slice().buffer, 0, f.dim)] }

describe('lib/algorithms: pipelined overlap', () => {
  it('round 0 mixes nothing; round r mixes round r − 1\'s models, damped: x ← y + γ W_ij (x_j^{r−1} − x_i^{r−1})', async () => {
    const p = new Pair()
    const [a, b] = pair(0.5, [Float32Array.from([1, 2]), Float32Array.from([3, 6])], [new Float32Array(2), new Float32Array(2)])
    // H = 2 steps of lr 0.5 on ½‖x‖²: y = x / 4. Round 0 of a ends before b has sent anything: its messages are
    // awaited in round 1 (synchronous overlap would wait here)
    await a.runRound(0, p.exchange('a'))
    assert.deepEqual(p.calls, ['a0'])
    await b.runRound(0, p.exchange('b'))
    assert.deepEqual([...a.params], [0.25, 0.5])
    assert.deepEqual([...b.params], [0.75, 1.5])
    const [ra] = await Promise.all([a.runRound(1, p.exchange('a')), b.runRound(1, p.exchange('b'))])
    // y = [0.0625, 0.125]; x' = y + γ · ½ ([3, 6] − [1, 2]) with round 0's models
    const g = PIPELINE_DAMPING / 2
    assert.deepEqual([...a.params], [0.0625 + g * 2, 0.125 + g * 4].map(Math.fround))
    assert.equal(ra.row.self, 0.5)
    assert.deepEqual(values(p.sent.get('a')![1].copy), [0.25, 0.5]) // round 1 sent x_1 before its steps
  })

  it('keeps the average of the models where the local steps put it and reaches consensus (zero gradients: the average of x0)', async () => {
    const p = new Pair()
    const dim = 5
    const rng = createRng(7)
    const x0 = [0, 1].map(() => Float32Array.from({ length: dim }, () => rng.normal())) as [Float32Array, Float32Array]
    const avg = x0[0].map((v, k) => (v + x0[1][k]) / 2)
    const flat: LocalObjective = { dim, gradient (_x, grad) { grad.fill(0); return 0 } }
    const [a, b] = [0, 1].map((i) => createAlgorithm(config, { x0: x0[i], objective: flat, rng: createRng(i), pipeline: true }))
    for (let r = 0; r < 60; r++) {
      await Promise.all([a.runRound(r, p.exchange('a')), b.runRound(r, p.exchange('b'))])
      for (let k = 0; k < dim; k++) assert.ok(Math.abs((a.params[k] + b.params[k]) / 2 - avg[k]) < 1e-5, `round ${r}: the average moved`)
    }
    for (let k = 0; k < dim; k++) assert.ok(Math.abs(a.params[k] - b.params[k]) < 1e-5, 'the peers agree after 60 rounds')
  })

  it('trains two peers with different optima to their average optimum', async () => {
    const p = new Pair()
    const [a, b] = pair(0.1, [Float32Array.from([0, 0]), Float32Array.from([0, 0])], [Float32Array.from([1, -1]), Float32Array.from([3, 1])])
    for (let r = 0; r < 200; r++) await Promise.all([a.runRound(r, p.exchange('a')), b.runRound(r, p.exchange('b'))])
    const mean = [0, 1].map((k) => (a.params[k] + b.params[k]) / 2)
    assert.ok(Math.abs(mean[0] - 2) < 0.05 && Math.abs(mean[1] - 0) < 0.05, `mean ${mean.join(', ')}`)
    assert.ok(Math.abs(a.params[0] - b.params[0]) < 1, 'the peers stay close (each pulls toward its own optimum)')
  })

  it('never rewrites the bytes of a send the exchange may still be writing (rounds r − 1 and r − 2 at the call of round r)', async () => {
    for (const codec of ['none', 'qsgd:8']) {
      const p = new Pair()
      p.check = (self, r) => {
        const mine = p.sent.get(self)!
        for (const k of [r - 1, r - 2]) if (k >= 0) assert.deepEqual(mine[k].view, mine[k].copy, `${codec}: round ${k}'s bytes changed before round ${r}`)
      }
      const rng = createRng(3)
      const x0 = [0, 1].map(() => Float32Array.from({ length: 8 }, () => rng.normal())) as [Float32Array, Float32Array]
      const peers = [0, 1].map((i) => createAlgorithm({ ...config, codec }, { x0: x0[i], objective: quadratic(new Float32Array(8)), rng: createRng(i), pipeline: true }))
      for (let r = 0; r < 8; r++) await Promise.all([peers[0].runRound(r, p.exchange('a')), peers[1].runRound(r, p.exchange('b'))])
    }
  })

  it('resumes from a checkpoint: the messages in flight are dropped, the first round after mixes nothing', async () => {
    const p = new Pair()
    const [a, b] = pair(0.5, [Float32Array.from([1, 2]), Float32Array.from([3, 6])], [new Float32Array(2), new Float32Array(2)])
    for (let r = 0; r < 3; r++) await Promise.all([a.runRound(r, p.exchange('a')), b.runRound(r, p.exchange('b'))])
    const state = a.exportState()
    const c = createAlgorithm({ ...config, lr: 0.5 }, { x0: new Float32Array(2), objective: quadratic(new Float32Array(2)), rng: createRng(0), pipeline: true })
    c.importState(state)
    const q = new Pair()
    const before = [...c.params]
    const other = createAlgorithm({ ...config, lr: 0.5 }, { x0: Float32Array.from([100, 100]), objective: quadratic(new Float32Array(2)), rng: createRng(1), pipeline: true })
    // a fresh pair exchange counts rounds from 0: the resumed peer's round 3 is its exchange's round 0 here
    const wrap = (e: Exchange, shift: number): Exchange => ({ neighbours: e.neighbours, round: async (r, out, o) => await e.round(r - shift, out, o) })
    await Promise.all([c.runRound(3, wrap(q.exchange('a'), 3)), other.runRound(0, q.exchange('b'))])
    assert.deepEqual([...c.params], before.map((v) => Math.fround(v / 4)), 'only the local steps, no mixing')
  })
})
