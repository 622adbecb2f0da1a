import assert from 'node:assert/strict'
import {
  areMemberNeighbours, buildGraph, buildLiveGraph, buildMemberGraph, complete, degrees, exponential, formatTopologySpec, fromEdgeList,
  hypercube, incompleteHypercube, isConnected, memberNeighbours, parseTopologySpec, ring, star, torus, validateGraph
} from '../../topologies/index.ts'
import type { TopologySpec } from '../../topologies/index.ts'
import { assertThrowsNamed } from './helpers.ts'

describe('topologies/spec: parsing and buildGraph', () => {
  it('parses every allowed form and formats it back to the same text', () => {
    const table: Array<[string, TopologySpec]> = [
      ['ring', { kind: 'ring' }],
      ['torus', { kind: 'torus' }],
      ['torus:4x8', { kind: 'torus', rows: 4, cols: 8 }],
      ['erdos-renyi:0.3', { kind: 'erdos-renyi', p: 0.3 }],
      ['erdos-renyi:1', { kind: 'erdos-renyi', p: 1 }],
      ['regular:4', { kind: 'regular', degree: 4 }],
      ['exponential', { kind: 'exponential' }],
      ['complete', { kind: 'complete' }],
      ['star', { kind: 'star' }],
      ['hypercube', { kind: 'hypercube' }],
      ['file:graphs/a.txt', { kind: 'file', path: 'graphs/a.txt' }]
    ]
    for (const [text, spec] of table) {
      assert.deepEqual(parseTopologySpec(text), spec, text)
      assert.equal(formatTopologySpec(spec), text)
    }
    assert.deepEqual(parseTopologySpec('  ring \n'), { kind: 'ring' })
  })

  it('rejects malformed specs with InvalidTopologyError', () => {
    const bad = ['', 'rng', 'Ring', 'ring:3', 'erdos-renyi', 'erdos-renyi:', 'erdos-renyi:0', 'erdos-renyi:1.5',
      'erdos-renyi:-0.1', 'erdos-renyi:abc', 'erdos-renyi:0x1', 'regular', 'regular:', 'regular:2.5', 'regular:-1',
      'torus:4', 'torus:0x4', 'torus:4x', 'file:', 'complete:3', 'hypercube:2']
    for (const text of bad) assertThrowsNamed(() => parseTopologySpec(text), 'InvalidTopologyError')
  })

  it('buildGraph dispatches to the builders (string or object spec)', () => {
    assert.deepEqual(buildGraph('ring', 9), ring(9))
    assert.deepEqual(buildGraph({ kind: 'ring' }, 9), ring(9))
    assert.deepEqual(buildGraph('torus', 12), torus(12))
    assert.deepEqual(buildGraph('torus', 12, { rows: 2 }), torus(12, 2))
    assert.deepEqual(buildGraph('torus:2x6', 12), torus(12, 2))
    assert.deepEqual(buildGraph('exponential', 10), exponential(10))
    assert.deepEqual(buildGraph('complete', 5), complete(5))
    assert.deepEqual(buildGraph('star', 5), star(5))
    assert.deepEqual(buildGraph('hypercube', 8), hypercube(8))
  })

  it('buildGraph errors: file specs, shape mismatches, bad n, impossible parameters', () => {
    assertThrowsNamed(() => buildGraph('file:x.txt', 4), 'InvalidTopologyError')
    assertThrowsNamed(() => buildGraph('torus:3x4', 16), 'InvalidTopologyError')
    assertThrowsNamed(() => buildGraph('torus:3x4', 12, { rows: 4 }), 'InvalidTopologyError')
    assertThrowsNamed(() => buildGraph('torus', 13), 'InvalidTopologyError')
    assertThrowsNamed(() => buildGraph('hypercube', 12), 'InvalidTopologyError')
    assertThrowsNamed(() => buildGraph('regular:3', 7), 'InvalidTopologyError')
    assertThrowsNamed(() => buildGraph('regular:8', 8), 'InvalidTopologyError')
    assertThrowsNamed(() => buildGraph('ring', 0), 'InvalidTopologyError')
    assertThrowsNamed(() => buildGraph('nope', 8), 'InvalidTopologyError')
    assertThrowsNamed(() => buildGraph({ kind: 'nope' } as unknown as TopologySpec, 8), 'InvalidTopologyError')
  })
})

describe('topologies/spec: member graphs', () => {
  const ids = ['peer-c', 'peer-a', 'peer-e', 'peer-b', 'peer-d', 'peer-f']

  it('numbers members in sorted order, whatever order they arrive in', () => {
    const a = buildMemberGraph(ids, 'regular:3', 7)
    const b = buildMemberGraph([...ids].reverse(), 'regular:3', 7)
    assert.deepEqual(a.ids, ['peer-a', 'peer-b', 'peer-c', 'peer-d', 'peer-e', 'peer-f'])
    assert.deepEqual(a.ids, b.ids)
    assert.deepEqual(a.graph, b.graph)
    for (const [i, id] of a.ids.entries()) assert.equal(a.index.get(id), i)
    assert.deepEqual(a.graph, buildGraph('regular:3', 6, { seed: 7 }))
  })

  it('neighbour ids follow the graph and are symmetric', () => {
    const mg = buildMemberGraph(ids, 'ring', 0)
    assert.deepEqual(memberNeighbours(mg, 'peer-a'), ['peer-b', 'peer-f'])
    for (const x of ids) for (const y of memberNeighbours(mg, x)) assert.ok(areMemberNeighbours(mg, y, x))
    assert.equal(areMemberNeighbours(mg, 'peer-a', 'peer-c'), false)
    assert.equal(areMemberNeighbours(mg, 'peer-a', 'stranger'), false)
    assertThrowsNamed(() => memberNeighbours(mg, 'stranger'), 'InvalidTopologyError')
  })

  it('refuses empty, duplicate and blank ids', () => {
    assertThrowsNamed(() => buildMemberGraph([], 'ring', 0), 'InvalidTopologyError')
    assertThrowsNamed(() => buildMemberGraph(['a', 'b', 'a'], 'ring', 0), 'InvalidTopologyError')
    assertThrowsNamed(() => buildMemberGraph(['a', ''], 'ring', 0), 'InvalidTopologyError')
  })
})

describe('topologies/edge-list: fromEdgeList', () => {
  it('reads pairs with comments, blank lines, tabs, commas and CRLF', () => {
    const text = '# a triangle and a tail\n0 1\r\n1\t2\n\n2,0   # closes the triangle\n  2 3\n'
    const g = fromEdgeList(text)
    validateGraph(g)
    assert.deepEqual(g.adjacency, [[1, 2], [0, 2], [0, 1, 3], [2]])
  })

  it('takes n from the caller (isolated nodes allowed) or from the largest index', () => {
    assert.equal(fromEdgeList('0 1\n').n, 2)
    const g = fromEdgeList('0 1\n', 4)
    assert.equal(g.n, 4)
    assert.deepEqual(g.adjacency, [[1], [0], [], []])
    assert.deepEqual(fromEdgeList('# nothing\n', 3).adjacency, [[], [], []])
  })

  it('reports malformed lines, self loops, duplicates and out-of-range indices with the line number', () => {
    const table: Array<{ text: string, n?: number, line?: number }> = [
      { text: '0 1\n1\n', line: 2 },
      { text: '0 1 2\n', line: 1 },
      { text: '0 x\n', line: 1 },
      { text: '0 -1\n', line: 1 },
      { text: '0 1.5\n', line: 1 },
      { text: '0 01\n', line: 1 },
      { text: '0 1\n2 2\n', line: 2 },
      { text: '0 1\n1 2\n1 0\n', line: 3 },
      { text: '0 1\n0 1\n', line: 2 },
      { text: '0 5\n', n: 5, line: 1 },
      { text: '0 99999999\n', line: 1 },
      { text: '# empty\n' }
    ]
    for (const { text, n, line } of table) {
      assert.throws(() => fromEdgeList(text, n), (err: unknown) => {
        assert.ok(err instanceof Error)
        assert.equal(err.name, 'InvalidEdgeListError', JSON.stringify(text))
        assert.equal((err as Error & { line?: number }).line, line, JSON.stringify(text))
        return true
      })
    }
    assertThrowsNamed(() => fromEdgeList('0 1\n', 0), 'InvalidTopologyError')
  })
})

describe('topologies/spec: buildLiveGraph, the graph of a membership that changes size', () => {
  const specs = ['ring', 'torus', 'torus:2x3', 'hypercube', 'regular:3', 'regular:0', 'regular:1', 'regular:6', 'erdos-renyi:0.3', 'erdos-renyi:0.05', 'exponential', 'complete', 'star']
  it('gives a connected simple graph on every n from 1 to 40 for every spec: buildGraph\'s own where it has one (no note), the nearest with a note where it refuses', () => {
    for (const spec of specs) {
      for (let n = 1; n <= 40; n++) {
        for (const rows of [undefined, 2]) {
          if (rows !== undefined && spec !== 'torus') continue
          let strict
          try { strict = buildGraph(spec, n, { seed: 5, rows }) } catch (err) {
            assert.ok(['InvalidTopologyError', 'TopologyConstructionError'].includes((err as Error).name), String(err))
          }
          const live = buildLiveGraph(spec, n, { seed: 5, rows })
          validateGraph(live.graph)
          assert.equal(live.graph.n, n)
          assert.ok(isConnected(live.graph), `${spec} rows ${rows} n ${n}: disconnected`)
          if (strict !== undefined) {
            assert.deepEqual(live.graph, strict, `${spec} rows ${rows} n ${n}: the spec's own graph`)
            assert.equal(live.note, undefined)
          } else {
            assert.ok(typeof live.note === 'string' && live.note.length > 0, `${spec} rows ${rows} n ${n}: a note`)
          }
          assert.deepEqual(buildLiveGraph(spec, n, { seed: 5, rows }), live, 'deterministic')
        }
      }
    }
  })

  it('torus of a prime count is a ring, a shape that does not fit is the most square one, hypercube of 6 is the incomplete one, regular:3 on 7 is regular:4', () => {
    const t5 = buildLiveGraph('torus', 5)
    assert.deepEqual(t5.graph, ring(5))
    assert.match(t5.note ?? '', /5 is prime: a ring/)
    const t8 = buildLiveGraph('torus:2x3', 8)
    assert.deepEqual(t8.graph, torus(8, 2))
    assert.match(t8.note ?? '', /torus:2x3 does not fit 8 nodes; torus 2x4/)
    assert.match(buildLiveGraph('torus', 9, { rows: 2 }).note ?? '', /torus with 2 rows does not fit 9 nodes; torus 3x3/)
    const h6 = buildLiveGraph('hypercube', 6)
    assert.deepEqual(h6.graph, incompleteHypercube(6))
    assert.deepEqual(h6.graph.adjacency.map((a) => [...a].sort((x, y) => x - y)), [[1, 2, 4], [0, 3, 5], [0, 3], [1, 2], [0, 5], [1, 4]])
    for (const n of [1, 2, 4, 8, 32]) assert.deepEqual(incompleteHypercube(n), hypercube(n))
    const r7 = buildLiveGraph('regular:3', 7, { seed: 2 })
    assert.deepEqual(Array.from(degrees(r7.graph)), new Array(7).fill(4))
    assert.deepEqual(r7.graph, buildGraph('regular:4', 7, { seed: 2 }), 'the adjusted degree\'s own graph')
    assert.deepEqual(Array.from(degrees(buildLiveGraph('regular:6', 4).graph)), [3, 3, 3, 3])
  })
})
